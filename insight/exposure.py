"""Business volume spread over days: the exposure a complaint count is divided by.

reporting.models.BusinessVolume holds one figure per institution and period
(normally a quarter; the figure covers the institution's whole subtree). A week
or a window of days gets the share of each period it overlaps, in proportion
to days: a quarter of 1,000,000 policies gives a 7-day week 7/91 of them.

The column is the policy count or the premium on the basis the settings choose
(reporting.basis; INSIGHT_RATE_DENOMINATOR picks which of the two), so an
alert's rate is "complaints per 10,000 policies" or "per 100 million yuan",
like the regulator's published rates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from organisations.models import Institution
from organisations.permissions import ancestor_paths
from reporting import basis as B
from reporting.models import BusinessVolume
from reporting.rates import POLICY_UNIT, PREMIUM_UNIT


@dataclass(frozen=True)
class Denominator:
    column: str
    unit: float
    label: str  # e.g. "件/万张保单 (新单件数)"


def denominator() -> Denominator:
    basis = B.current()
    choice = str(getattr(settings, "INSIGHT_RATE_DENOMINATOR", "policies")).lower()
    if choice == "premium":
        return Denominator(
            basis.premium_column,
            float(PREMIUM_UNIT),
            _("complaints per 100 million yuan of premium (%(basis)s)")
            % {"basis": basis.premium_label},
        )
    return Denominator(
        basis.policy_column,
        float(POLICY_UNIT),
        _("complaints per 10,000 policies (%(basis)s)") % {"basis": basis.policy_label},
    )


def _overlap(a0: date, a1: date, b0: date, b1: date) -> int:
    """Days common to [a0, a1] and [b0, b1], both inclusive."""
    return max(0, (min(a1, b1) - max(a0, b0)).days + 1)


class Volumes:
    """The volume rows of some institutions, read once, asked per window."""

    def __init__(self, start: date, end: date, den: Denominator | None = None) -> None:
        self.den = den or denominator()
        self.rows: dict[int, list[tuple[date, date, float]]] = defaultdict(list)
        query = BusinessVolume.objects.filter(
            period_end__gte=start, period_start__lte=end
        ).values_list("institution_id", "period_start", "period_end", self.den.column)
        for inst, p0, p1, value in query:
            if value is not None:
                self.rows[inst].append((p0, p1, float(value) / self.den.unit))

    def institutions(self) -> list[int]:
        return sorted(self.rows)

    def exposure(self, institution_id: int, start: date, end: date) -> float | None:
        """Volume (in the rate's unit) falling in [start, end]; None when a day
        of the window has no figure (a rate on part of the days would lie)."""
        total, covered = 0.0, 0
        for p0, p1, value in self.rows.get(institution_id, ()):
            days = _overlap(p0, p1, start, end)
            if days:
                total += value * days / ((p1 - p0).days + 1)
                covered += days
        if covered < (end - start).days + 1:
            return None
        return total


def volume_holder(institution: Institution) -> Institution | None:
    """The institution whose figures stand for `institution`: itself when it
    reports volumes, else its nearest ancestor that does (a sub-branch's trend
    follows its province's); None when nobody above reports any."""
    paths = sorted(ancestor_paths(institution.path), key=len, reverse=True)
    holders = {
        i.path: i
        for i in Institution.objects.filter(
            path__in=paths, business_volumes__isnull=False
        ).distinct()
    }
    for path in paths:
        if path in holders:
            return holders[path]
    return None


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
