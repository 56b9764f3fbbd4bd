"""Quarterly business volumes (the denominators of the normalised rates) for
the head office and every provincial branch, consistent with each other."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from organisations.models import Institution
from reporting.models import BusinessVolume
from sampledata.benchgen.tree import Staff


def quarters(today: date, years: int) -> list[tuple[date, date]]:
    out = []
    year, q = today.year - years, 1
    while (year, q) <= (today.year, (today.month - 1) // 3 + 1):
        start = date(year, 3 * q - 2, 1)
        end = (date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)) - timedelta(days=1)
        out.append((start, end))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def business_volumes(staff: Staff, *, today: date, years: int) -> int:
    """Write the missing rows through the model (they are audited); return how many."""
    rng = random.Random(years)
    provinces = [
        i for i in staff.institutions if i.level == Institution.Level.PROVINCIAL
    ]
    head = next(
        i for i in staff.institutions if i.level == Institution.Level.HEAD_OFFICE
    )
    have = set(BusinessVolume.objects.values_list("institution_id", "period_start"))
    written = 0
    for start, end in quarters(today, years):
        total_premium, total_policies, total_persons = Decimal(0), 0, 0
        for inst in provinces:
            premium = Decimal(rng.randint(8, 40) * 10**8)
            policies = rng.randint(300_000, 2_000_000)
            persons = policies * rng.randint(2, 4)
            total_premium += premium
            total_policies += policies
            total_persons += persons
            written += _save(have, inst, start, end, premium, policies, persons)
        written += _save(
            have, head, start, end, total_premium, total_policies, total_persons
        )
    return written


def _save(
    have: set[tuple[int, date]],
    inst: Institution,
    start: date,
    end: date,
    premium: Decimal,
    policies: int,
    persons: int,
) -> int:
    if (inst.pk, start) in have:
        return 0
    BusinessVolume(
        institution=inst,
        period_start=start,
        period_end=end,
        premium=premium,
        policies=policies,
        insured_persons=persons,
        note="benchmark",
    ).save()
    return 1
