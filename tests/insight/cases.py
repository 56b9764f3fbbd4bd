"""Cases from the demo's templates, registered through the service.

Training reads closed cases; walking each through every service to closed
would make these tests minutes long, so the closing is written directly here
(test data only, as sampledata.benchgen writes the benchmark's)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from complaints.models import Code, Complaint
from sampledata.texts import TEMPLATES


def codes(t: Any) -> dict[str, Code]:
    return {
        f: Code.objects.get(kind=f, code=getattr(t, f))
        for f in ("product_line", "category", "cause")
    }


def fill(template: str, i: int) -> str:
    return template.format(
        amount=1000 + i,
        premium=2000 + i,
        date=f"2026年{i % 12 + 1}月{i % 27 + 1}日",
        plate=f"粤A{10000 + i}",
        road="人民路",
        hospital="省人民医院",
        bank="工商银行",
        year=2020,
        months=3,
        acres=50,
    )


def registered(
    register: Callable[..., Complaint], actor: Any, i: int, **fields: Any
) -> Complaint:
    t = TEMPLATES[i % len(TEMPLATES)]
    values: dict[str, Any] = {
        **codes(t),
        "request": fill(t.request, i),
        "facts": fill(t.facts, i),
        **fields,
    }
    values.pop("cause")  # known only when decided
    return register(actor, **values)


def decide(complaint: Complaint, *, status: str, i: int = 0) -> Complaint:
    t = TEMPLATES[i % len(TEMPLATES)]
    Complaint.objects.filter(pk=complaint.pk).update(
        status=status,
        cause=codes(t)["cause"],
        outcome=Complaint.Outcome.PARTLY,
        decision_text=f"经核查，{t.finding}。",
        redress_amount=Decimal(500 + i),
        decided_at=timezone.now(),
    )
    complaint.refresh_from_db()
    return complaint


def closed_cases(
    register: Callable[..., Complaint], actor: Any, n: int, **fields: Any
) -> list[Complaint]:
    return [
        decide(registered(register, actor, i, **fields), status="closed", i=i)
        for i in range(n)
    ]
