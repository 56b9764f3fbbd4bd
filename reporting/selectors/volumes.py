"""Business volumes of a subtree and the normalised rates built on them.

Rule for a subtree's volume: a BusinessVolume row is its institution's
consolidated figure for the whole of its own subtree. The volume of a subtree
is the sum of the *highest* rows within it for exactly the same period: a row
is ignored when an ancestor inside the subtree also has a row. So a provincial
branch that reports a consolidated figure is never added to its sub-branches'
own rows, and a tree that reports only at the leaves is summed from the leaves.
The rows used are returned, to be printed beside the rate.

The numerator is the complaints received in the period in the subtrees those
rows cover: where part of a subtree has no figure, its complaints are left out
rather than divided by somebody else's premium (the rows shown say what is
covered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.models import Institution
from reporting import basis as B
from reporting.models import BusinessVolume
from reporting.periods import Period
from reporting.rates import PERSON_UNIT, POLICY_UNIT, PREMIUM_UNIT, Rate
from reporting.selectors.kpis import complaints_in, metric_q, window


@dataclass
class Volume:
    premium: Decimal | None = None
    policies: int | None = None
    insured_persons: int | None = None
    rows: list[BusinessVolume] = field(default_factory=list)
    scale_premium: Decimal | None = None
    policies_in_force: int | None = None

    def total(self, column: str) -> Any:
        """The sum of `column` (a BusinessVolume field) over the rows; None
        when a row lacks it: part of a sum would understate the denominator."""
        values = [getattr(r, column) for r in self.rows]
        if not values or any(v is None for v in values):
            return None
        return sum(values)


def business_volume(*, institution: Institution, period: Period) -> Volume:
    """The subtree's volume for `period` (caller has checked REPORTS)."""
    rows = list(
        BusinessVolume.objects.filter(
            institution__path__startswith=institution.path,
            period_start=period.start,
            period_end=period.end,
        )
        .select_related("institution")
        .order_by("institution__path")
    )
    highest: list[BusinessVolume] = []
    for row in rows:  # ordered by path: an ancestor comes before its subtree
        if not any(
            row.institution.path.startswith(h.institution.path) for h in highest
        ):
            highest.append(row)
    if not highest:
        return Volume()
    persons = [r.insured_persons for r in highest if r.insured_persons is not None]
    volume = Volume(
        premium=sum((r.premium for r in highest), Decimal(0)),
        policies=sum(r.policies for r in highest),
        insured_persons=sum(persons) if persons else None,
        rows=highest,
    )
    volume.scale_premium = volume.total("scale_premium")
    volume.policies_in_force = volume.total("policies_in_force")
    return volume


def subtree_rates(
    *, user: Any, institution: Institution, period: Period
) -> tuple[list[Rate], Volume]:
    """The published rates of the subtree (all complaints by receipt, on the
    basis the settings choose) and the volume behind them."""
    volume = business_volume(institution=institution, period=period)
    received = complaints_in(user, institution).filter(
        metric_q("received", window(period))
    )
    if volume.rows:
        covered = (
            Q(institution__path__startswith=r.institution.path) for r in volume.rows
        )
        received = received.filter(reduce(or_, covered))
    rates = basis_rates(complaints=received.count(), volume=volume, basis=B.current())
    return rates, volume


def basis_rates(*, complaints: int, volume: Volume, basis: B.Basis) -> list[Rate]:
    """The published rates on the chosen basis, each naming it."""
    premium = volume.total(basis.premium_column) if volume.rows else None
    policies = volume.total(basis.policy_column) if volume.rows else None
    rates = [
        Rate(
            "per_premium",
            str(_("Complaints per 100 million yuan of premium")),
            "亿元",
            complaints,
            Decimal(premium) if premium else None,
            PREMIUM_UNIT,
            basis.premium_label,
        ),
        Rate(
            "per_policies",
            str(_("Complaints per 10,000 policies")),
            "万张",
            complaints,
            Decimal(policies) if policies else None,
            POLICY_UNIT,
            basis.policy_label,
        ),
    ]
    if basis.per_person:
        persons = volume.total(B.PERSONS[0]) if volume.rows else None
        rates.append(
            Rate(
                "per_persons",
                str(_("Complaints per 10,000 insured persons")),
                "万人次",
                complaints,
                Decimal(persons) if persons else None,
                PERSON_UNIT,
                str(B.PERSONS[1]),
            )
        )
    return rates
