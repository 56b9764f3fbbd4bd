"""The annual disclosure pack (domain-notes R58): the figures an insurer
publishes about its complaint handling for a year.

Volumes of the complaints received in the year by the regulator's product
line, by business category, by cause and by region (the region of the
responsible institution), each with its share of the total; and the year's
handling times. Counted in the database through the same selectors as the
dashboards (kpi_tables, regulator_rates), so the pack agrees with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from organisations.models import Institution
from reporting import basis as B
from reporting.periods import Period
from reporting.rates import percent
from reporting.selectors.kpis import Actor, complaints_in, metric_q, window
from reporting.selectors.regulator import regulator_rates
from reporting.selectors.tables import kpi_tables

NO_REGION = _("Region not recorded")


@dataclass
class Share:
    label: str
    complaints: int
    share: Any


@dataclass
class Disclosure:
    institution: Institution
    period: Period
    summary: dict[str, Any]
    lines: list[Share] = field(default_factory=list)
    sectors: list[Share] = field(default_factory=list)
    categories: list[Share] = field(default_factory=list)
    causes: list[Share] = field(default_factory=list)
    regions: list[Share] = field(default_factory=list)


def annual_disclosure(
    *, user: Actor, institution: Institution, period: Period
) -> Disclosure:
    summary, tables = kpi_tables(
        user=user,
        institution=institution,
        period=period,
        by=("category", "cause"),
        percentiles=(),  # the pack shows them for the whole only
    )
    total = summary["received"]
    report = regulator_rates(
        user=user, institution=institution, period=period, numerator=B.ALL
    )
    by_region = (
        complaints_in(user, institution)
        .filter(metric_q("received", window(period)))
        .values("institution__region")
        .annotate(n=Count("pk"))
        .values_list("institution__region", "n")
        .order_by("-n", "institution__region")
    )
    return Disclosure(
        institution=institution,
        period=period,
        summary=summary,
        lines=[Share(r.label, r.complaints, r.share) for r in report.lines],
        sectors=[Share(r.label, r.complaints, r.share) for r in report.sectors],
        categories=[
            Share(r["label"], r["received"], percent(r["received"], total))
            for r in tables["category"]
            if r["received"]
        ],
        causes=[
            Share(r["label"], r["received"], percent(r["received"], total))
            for r in tables["cause"]
            if r["received"]
        ],
        regions=[
            Share(region or str(NO_REGION), n, percent(n, total))
            for region, n in by_region
        ],
    )
