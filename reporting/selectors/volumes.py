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

from organisations.models import Institution
from reporting.models import BusinessVolume
from reporting.periods import Period
from reporting.rates import Rate, normalised_rates
from reporting.selectors.kpis import complaints_in, metric_q, window


@dataclass
class Volume:
    premium: Decimal | None = None
    policies: int | None = None
    insured_persons: int | None = None
    rows: list[BusinessVolume] = field(default_factory=list)


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
    return Volume(
        premium=sum((r.premium for r in highest), Decimal(0)),
        policies=sum(r.policies for r in highest),
        insured_persons=sum(persons) if persons else None,
        rows=highest,
    )


def subtree_rates(
    *, user: Any, institution: Institution, period: Period
) -> tuple[list[Rate], Volume]:
    """The three published rates of the subtree and the volume behind them."""
    volume = business_volume(institution=institution, period=period)
    received = complaints_in(user, institution).filter(
        metric_q("received", window(period))
    )
    if volume.rows:
        covered = (
            Q(institution__path__startswith=r.institution.path) for r in volume.rows
        )
        received = received.filter(reduce(or_, covered))
    rates = normalised_rates(
        complaints=received.count(),
        premium=volume.premium,
        policies=volume.policies,
        insured_persons=volume.insured_persons,
    )
    return rates, volume
