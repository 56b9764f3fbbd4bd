"""The rates the regulator would compute, and the shares of its notices.

Numerator (reporting.basis): ``regulator`` counts the complaints the regulator
transferred (a regulator's reference) by the regulator's own receipt date
(complaints.RegulatorTransfer); a transfer whose regulator date was never
recorded is dated by the insurer's receipt and counted in ``undated``, so the
page says how many. ``all`` counts every complaint received, by the insurer's
receipt date (the kpis "received" metric).

Denominator: the subtree's business volume of the same period
(reporting.selectors.volumes), on the premium and policy basis the settings
choose; 万人次 only for life and health insurers. As for the dashboard's
rates, only complaints of the subtrees the volume rows cover are divided.

Shares (domain-notes R49, §3.5(a)): count ÷ total over the numerator's
complaints of the whole subtree, by the regulator's product line
(ProductLineMapping) and by sector (property / life), with the totals shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from organisations.models import Institution
from reporting import basis as B
from reporting.models import ProductLineMapping, RegulatorLine
from reporting.periods import Period
from reporting.rates import Rate, percent
from reporting.selectors.kpis import Actor, complaints_in
from reporting.selectors.volumes import Volume, basis_rates, business_volume

UNMAPPED = "unmapped"
NOT_MAPPED = _("Not mapped to a regulator's line")


@dataclass
class LineRow:
    key: str
    label: str
    sector: str
    complaints: int
    share: Decimal | None = None


@dataclass
class RateReport:
    numerator: str
    numerator_label: str
    basis: B.Basis
    complaints: int  # the rates' numerator (covered subtrees)
    rates: list[Rate]
    volume: Volume
    total: int  # every complaint of the numerator in the subtree
    undated: int = 0
    lines: list[LineRow] = field(default_factory=list)
    sectors: list[LineRow] = field(default_factory=list)
    # The numerator's complaints by (business category id, product line id),
    # read in the same query: the workbook's category x product-line sheet.
    by_category_line: dict[tuple[int | None, int | None], int] = field(
        default_factory=dict
    )


def _transfer_dated(start: date, end: date) -> Q:
    """Regulator transfers the regulator received in `start`..`end`."""
    return Q(
        regulator_transfer__regulator_received_on__gte=start,
        regulator_transfer__regulator_received_on__lte=end,
    )


def _transfer_undated(start: date, end: date) -> Q:
    """Complaints with a regulator reference but no transfer record, counted
    by our own receipt in `start`..`end`."""
    return Q(
        regulator_transfer__isnull=True, received_on__gte=start, received_on__lte=end
    )


def numerator_q(numerator: str, start: date, end: date) -> Q:
    """The complaints a numerator counts in the days `start`..`end`."""
    if numerator == B.ALL:
        return Q(received_on__gte=start, received_on__lte=end)
    if numerator != B.REGULATOR:
        raise ValueError(numerator)
    dated, undated = _transfer_dated(start, end), _transfer_undated(start, end)
    return ~Q(regulator_reference="") & (dated | undated)


def numerator_complaints(
    *, user: Actor, institution: Institution, period: Period, numerator: str
) -> QuerySet[Complaint]:
    return complaints_in(user, institution).filter(
        numerator_q(numerator, period.start, period.end)
    )


def _numerator_parts(
    user: Actor, institution: Institution, period: Period, numerator: str
) -> list[tuple[QuerySet[Complaint], bool]]:
    """numerator_complaints as disjoint parts, each read through its own index,
    with whether it is dated by the regulator's receipt. As one OR across the
    transfer's table, PostgreSQL read every complaint with a reference (three
    times, 0.8 s of the regulator's workbook at a million)."""
    if numerator != B.REGULATOR:
        return [
            (
                numerator_complaints(
                    user=user,
                    institution=institution,
                    period=period,
                    numerator=numerator,
                ),
                False,
            )
        ]
    start, end = period.start, period.end
    referenced = complaints_in(user, institution).exclude(regulator_reference="")
    return [
        (referenced.filter(_transfer_dated(start, end)), True),
        (referenced.filter(_transfer_undated(start, end)), False),
    ]


def regulator_rates(
    *,
    user: Actor,
    institution: Institution,
    period: Period,
    numerator: str,
    basis: B.Basis | None = None,
) -> RateReport:
    """The rates, their inputs and the shares on one numerator basis."""
    basis = basis or B.current()
    volume = business_volume(institution=institution, period=period)
    covered = (
        reduce(
            or_,
            (Q(institution__path__startswith=r.institution.path) for r in volume.rows),
        )
        if volume.rows
        else None
    )
    by_line: dict[int, int] = {}
    by_category_line: dict[tuple[int | None, int | None], int] = {}
    undated = n = 0
    for part, dated in _numerator_parts(user, institution, period, numerator):
        rows = (
            part.values("category_id", "product_line_id")
            .annotate(
                n=Count("pk"),
                covered=Count("pk", filter=covered),  # all of them without rows
            )
            .values_list("category_id", "product_line_id", "n", "covered")
            .order_by()
        )
        for category_id, line_id, count, in_volume in rows:
            by_line[line_id] = by_line.get(line_id, 0) + count
            cell = (category_id, line_id)
            by_category_line[cell] = by_category_line.get(cell, 0) + count
            n += in_volume
            if not dated:
                undated += count
    total = sum(by_line.values())
    if numerator != B.REGULATOR:
        undated = 0
    if not volume.rows:
        n = total
    lines, sectors = _shares(by_line, total, basis)
    return RateReport(
        numerator=numerator,
        numerator_label=str(B.NUMERATORS[numerator]),
        basis=basis,
        complaints=n,
        rates=basis_rates(complaints=n, volume=volume, basis=basis),
        volume=volume,
        total=total,
        undated=undated,
        lines=lines,
        sectors=sectors,
        by_category_line=by_category_line,
    )


def _shares(
    by_line: dict[int, int], total: int, basis: B.Basis
) -> tuple[list[LineRow], list[LineRow]]:
    """Rows per regulator line (every line of the insurer's own sector, and
    any other with complaints) and per sector, each with its share."""
    mapped = dict(
        ProductLineMapping.objects.values_list("product_line_id", "regulator_line_id")
    )
    counts: dict[Any, int] = {}
    for line_id, n in by_line.items():
        key = mapped.get(line_id, UNMAPPED)
        counts[key] = counts.get(key, 0) + n
    own = RegulatorLine.Sector.PROPERTY if not basis.per_person else "life"
    rows: list[LineRow] = []
    per_sector: dict[str, int] = {s: 0 for s, _label in RegulatorLine.Sector.choices}
    for line in RegulatorLine.objects.all():
        n = counts.get(line.pk, 0)
        per_sector[line.sector] += n
        if n or line.sector == own:
            rows.append(
                LineRow(line.code, str(line), line.sector, n, percent(n, total))
            )
    if counts.get(UNMAPPED):
        n = counts[UNMAPPED]
        rows.append(LineRow(UNMAPPED, str(NOT_MAPPED), "", n, percent(n, total)))
    sectors = [
        LineRow(
            code, str(label), code, per_sector[code], percent(per_sector[code], total)
        )
        for code, label in RegulatorLine.Sector.choices
    ]
    return rows, sectors
