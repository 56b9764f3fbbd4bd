"""The regulator's published count beside the insurer's own, explained.

The insurer's count on the regulator's basis is its transfers by the
regulator's receipt date (reporting.selectors.regulator, numerator
``regulator``). The difference to the published figure is explained row by
row when the regulator's list of references was entered with the figure:

- ``counted``: registered, and on the regulator's list (or no list given);
- ``not_registered``: on the regulator's list, not registered at all: a
  transfer not yet received or not yet registered;
- ``other_quarter``: on the list, registered, but the regulator's receipt
  date recorded puts it in another quarter;
- ``not_listed``: registered in this quarter, not on the regulator's list.

Beside it, the insurer's own count of the quarter (all complaints by its
receipt) splits into transfers and complaints that were never transferred
(the drill-down "not transferred" lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from organisations.models import Institution
from reporting import basis as B
from reporting.models import RegulatorFigure
from reporting.periods import Period
from reporting.selectors.kpis import Actor, complaints_in, metric_q, window
from reporting.selectors.regulator import numerator_complaints

COUNTED, NOT_REGISTERED, OTHER_QUARTER, NOT_LISTED = (
    "counted",
    "not_registered",
    "other_quarter",
    "not_listed",
)
EXPLANATIONS = {
    COUNTED: _("Counted by both"),
    NOT_REGISTERED: _("On the regulator's list, not registered yet"),
    OTHER_QUARTER: _("Registered, the regulator's receipt falls in another quarter"),
    NOT_LISTED: _("Registered in this quarter, not on the regulator's list"),
}
# How each kind of row moves the published figure away from ours.
SIGN = {COUNTED: 0, NOT_REGISTERED: 1, OTHER_QUARTER: 1, NOT_LISTED: -1}


@dataclass
class ComparisonRow:
    reference: str
    kind: str
    number: str = ""
    complaint_id: int | None = None
    regulator_received_on: date | None = None
    received_on: date | None = None

    @property
    def explanation(self) -> str:
        return str(EXPLANATIONS[self.kind])


@dataclass
class Comparison:
    figure: RegulatorFigure | None
    earlier: list[RegulatorFigure]
    ours: int
    undated: int
    own_total: int  # all complaints by the insurer's receipt
    own_transferred: int  # of which transfers (by the insurer's receipt)
    rows: list[ComparisonRow] = field(default_factory=list)

    @property
    def not_transferred(self) -> int:
        return self.own_total - self.own_transferred

    @property
    def difference(self) -> int | None:
        if self.figure is None:
            return None
        return self.figure.published_count - self.ours

    @property
    def counted(self) -> int:
        return sum(1 for r in self.rows if r.kind == COUNTED)

    @property
    def discrepancies(self) -> list[ComparisonRow]:
        """The rows that explain the difference: what the page lists. The
        counted ones (thousands a quarter at a large insurer) are in the
        feedback export and the "regulator-transferred" drill-down."""
        return [r for r in self.rows if r.kind != COUNTED]

    @property
    def explained(self) -> int:
        return sum(SIGN[r.kind] for r in self.rows)

    @property
    def unexplained(self) -> int | None:
        if self.difference is None:
            return None
        return self.difference - self.explained


def regulator_comparison(
    *, user: Actor, institution: Institution, period: Period
) -> Comparison:
    figures = list(
        RegulatorFigure.objects.filter(
            institution=institution,
            period_start=period.start,
            period_end=period.end,
        ).order_by("-published_on", "-pk")
    )
    figure = figures[0] if figures else None
    ours = list(
        numerator_complaints(
            user=user, institution=institution, period=period, numerator=B.REGULATOR
        )
        .annotate(reg_on=F("regulator_transfer__regulator_received_on"))
        .order_by("received_on", "number")
        .values_list("pk", "number", "regulator_reference", "reg_on", "received_on")
    )
    received = complaints_in(user, institution).filter(
        metric_q("received", window(period))
    )
    comparison = Comparison(
        figure=figure,
        earlier=figures[1:],
        ours=len(ours),
        undated=sum(1 for row in ours if row[3] is None),
        own_total=received.count(),
        own_transferred=received.exclude(regulator_reference="").count(),
    )
    listed = figure.reference_list() if figure else []
    listed_set = set(listed)
    ours_refs = set()
    for pk, number, reference, reg_on, received_on in ours:
        ours_refs.add(reference)
        kind = COUNTED if not listed or reference in listed_set else NOT_LISTED
        comparison.rows.append(
            ComparisonRow(reference, kind, number, pk, reg_on, received_on)
        )
    missing = [ref for ref in listed if ref not in ours_refs]
    if missing:
        elsewhere: dict[str, Any] = {
            ref: (pk, number, reg_on, received_on)
            for pk, number, ref, reg_on, received_on in complaints_in(user, institution)
            .filter(regulator_reference__in=missing)
            .annotate(reg_on=F("regulator_transfer__regulator_received_on"))
            .values_list("pk", "number", "regulator_reference", "reg_on", "received_on")
        }
        for ref in missing:
            if ref in elsewhere:
                pk, number, reg_on, received_on = elsewhere[ref]
                comparison.rows.append(
                    ComparisonRow(ref, OTHER_QUARTER, number, pk, reg_on, received_on)
                )
            else:
                comparison.rows.append(ComparisonRow(ref, NOT_REGISTERED))
    return comparison
