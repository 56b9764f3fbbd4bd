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
