"""Complaints in bulk for the insight statistics (h18a's tests).

One complaint is registered through the service; the counts the tests need
are copies of it (bulk_create, no history: the statistics read only the live
table), each with its own number, institution, codes and dates.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from complaints.models import Code, Complaint
from organisations.models import Institution
from reporting.models import BusinessVolume
from tests.complaints.conftest import SHANGHAI

_numbers = itertools.count(1)


def code(kind: str, value: str) -> Code:
    return Code.objects.get(kind=kind, code=value)


def copies(
    template: Complaint,
    n: int,
    *,
    institution: Institution,
    day: date,
    product_line: str = "motor",
    cause: str = "claim_amount",
    **fields: Any,
) -> None:
    pl, c = code("product_line", product_line), code("cause", cause)
    rows = []
    for _i in range(n):
        row = Complaint.objects.get(pk=template.pk)
        row.pk = None
        row.id = None
        row.number = f"TX{next(_numbers):08d}"
        row.institution = institution
        row.product_line, row.cause = pl, c
        row.received_at = datetime.combine(day, time(10), tzinfo=SHANGHAI)
        row.received_on = day
        # Decided the day it came (the series count by decision day).
        row.decided_at = row.received_at
        for name, value in fields.items():
            setattr(row, name, value)
        rows.append(row)
    Complaint.objects.bulk_create(rows)


def quarterly_volumes(
    institution: Institution, first: date, last: date, policies: int = 1_300_000
) -> None:
    """One row per calendar quarter from `first` to `last` (10万张 a week)."""
    year, q = first.year, (first.month - 1) // 3 + 1
    while date(year, 3 * q - 2, 1) <= last:
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
        BusinessVolume.objects.create(
            institution=institution,
            period_start=start,
            period_end=end,
            premium=Decimal(10**9),
            policies=policies,
        )
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)


def weekly(
    template: Complaint,
    institution: Institution,
    week_start: date,
    per_week: Callable[[int], int],
    weeks: int,
    **fields: Any,
) -> None:
    """per_week(back) complaints on the Wednesday of each of `weeks` weeks before
    `week_start` (back=1..weeks) and of the week itself (back=0)."""
    for back in range(weeks + 1):
        day = week_start - timedelta(weeks=back) + timedelta(days=2)
        copies(template, per_week(back), institution=institution, day=day, **fields)


def insight_objects(
    institution: Institution, complaint: Complaint, rectification: Any
) -> dict[Any, Any]:
    """One surge alert and one verdict per side of the permission matrix's
    world (tests/permission_world.py): the side's institution, its case and
    its rectification."""
    from django.utils import timezone

    from insight.models import RectificationVerdict, SurgeAlert

    alert = SurgeAlert.objects.create(
        institution=institution,
        product_line=complaint.product_line,
        cause=code("cause", "claim_amount"),
        week_start=date(2026, 11, 2),
        week_end=date(2026, 11, 8),
        count=12,
        exposure=10.0,
        base_count=40,
        base_exposure=260.0,
        base_from=date(2026, 5, 4),
        base_to=date(2026, 11, 1),
        rate_label="complaints per 10,000 policies",
        test="conditional exact binomial test of two Poisson rates",
        p_value=0.0001,
        q_value=0.002,
        cells_tested=20,
        example=complaint,
    )
    verdict = RectificationVerdict(
        rectification=rectification,
        verdict=RectificationVerdict.Verdict.EFFECTIVE,
        counted="机动车辆保险 × 理赔金额争议",
        completed_on=date(2026, 6, 1),
        window_days=90,
        before_from=date(2026, 3, 3),
        before_to=date(2026, 5, 31),
        before_count=40,
        before_exposure=100.0,
        after_from=date(2026, 6, 1),
        after_to=date(2026, 8, 29),
        after_count=8,
        after_exposure=100.0,
        rate_label="complaints per 10,000 policies",
        test="conditional exact binomial test of two Poisson rates",
        p_value=0.0001,
        alpha=0.05,
        decided_at=timezone.now(),
    )
    verdict.save()
    return {SurgeAlert: alert, RectificationVerdict: verdict, **_ring(complaint)}


def _ring(complaint: Complaint) -> dict[Any, Any]:
    """A complaint ring of the side's case alone, in the one search both sides
    share (the ring pages show the latest search's rings)."""
    from django.utils import timezone

    from insight.models import ComplaintRing, RingMember, RingRun

    run = RingRun.objects.first() or RingRun.objects.create(
        found_at=timezone.now(),
        window_from=date(2025, 12, 1),
        window_to=date(2026, 12, 1),
    )
    ring = ComplaintRing.objects.create(
        run=run,
        size=1,
        institution_count=1,
        kinds=["agent_phone"],
        first_received=complaint.received_on,
        last_received=complaint.received_on,
    )
    RingMember.objects.create(ring=ring, complaint=complaint, links=["agent_phone"])
    return {ComplaintRing: ring}
