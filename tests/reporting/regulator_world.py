"""A fixed quarter of regulator transfers and direct complaints (2026Q3).

Regulator transfers (reference, regulator's receipt, insurer's receipt, line):
T1 REG-001  2026-06-28 (Q2)  2026-07-02  motor
T2 REG-002  2026-07-10       2026-07-12  motor
T3 REG-003  2026-09-29       2026-10-08 (Q4)  surety
T4 REG-004  not recorded     2026-08-01  credit
Direct complaints, received in Q3: D1 motor 07-05, D2 motor 08-05,
D3 critical_illness 09-01, D4 credit_surety (the old combined line) 07-20.

Regulator basis, Q3: T2, T3, T4 (T4 dated by the insurer's receipt) = 3.
All complaints by receipt, Q3: T1 T2 T4 D1 D2 D3 D4 = 7.
Volume of HO for 2026Q3: 原保险保费收入 3.5 亿元, 规模保费 5 亿元, new policies
6 万张, in force 25 万张, insured person-times 120 万人次.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from complaints.models import Complaint
from complaints.services import complaint_register
from reporting import periods
from reporting.models import BusinessVolume, RegulatorFigure
from reporting.regulator_services import regulator_figure_record
from tests.complaints.conftest import SHANGHAI, code

NOW = datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)


def received(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=SHANGHAI)


@dataclass
class World:
    cases: dict[str, Complaint]
    actor: Any


def make(
    tree: Any,
    actor: Any,
    name: str,
    line: str,
    day: date,
    institution: str = "GDGZTH",
    **extra: Any,
) -> Complaint:
    transfer = "regulator_reference" in extra
    return complaint_register(
        actor=actor,
        institution=tree[institution],
        channel=code("channel", "regulator" if transfer else "hotline"),
        complainant_name="林小雨",
        product_line=code("product_line", line),
        category=code("category", "claims"),
        request=f"{name} 要求赔付",
        facts="理赔金额争议。",
        received_at=received(day),
        **extra,
    )


def enter(
    actor: Any, tree: Any, count: int, refs: str, day: int = 15
) -> RegulatorFigure:
    """The regulator's published count of 2026Q3 for the company, with its
    list of references, as compliance enters it from the notice."""
    return regulator_figure_record(
        actor=actor,
        institution=tree["HO"],
        period=periods.quarter(2026, 3),
        published_count=count,
        notice=f"2026年第三季度通报（{day}日）",
        published_on=date(2026, 10, day),
        references=refs,
    )


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(tree: Any, tianhe_handler: Any, frozen: None) -> World:
    d = date
    cases = {
        "T1": make(
            tree,
            tianhe_handler,
            "T1",
            "motor",
            d(2026, 7, 2),
            regulator_reference="REG-001",
            regulator_office="广东监管局",
            regulator_received_on=d(2026, 6, 28),
        ),
        "T2": make(
            tree,
            tianhe_handler,
            "T2",
            "motor",
            d(2026, 7, 12),
            regulator_reference="REG-002",
            regulator_office="广东监管局",
            regulator_received_on=d(2026, 7, 10),
        ),
        "T3": make(
            tree,
            tianhe_handler,
            "T3",
            "surety",
            d(2026, 10, 8),
            regulator_reference="REG-003",
            regulator_office="国家金融监督管理总局",
            regulator_received_on=d(2026, 9, 29),
        ),
        "T4": make(
            tree,
            tianhe_handler,
            "T4",
            "credit",
            d(2026, 8, 1),
            regulator_reference="REG-004",
            regulator_office="广东监管局",
        ),
        "D1": make(tree, tianhe_handler, "D1", "motor", d(2026, 7, 5)),
        "D2": make(tree, tianhe_handler, "D2", "motor", d(2026, 8, 5)),
        "D3": make(tree, tianhe_handler, "D3", "critical_illness", d(2026, 9, 1)),
        "D4": make(tree, tianhe_handler, "D4", "credit_surety", d(2026, 7, 20)),
    }
    BusinessVolume.objects.create(
        institution=tree["HO"],
        period_start=d(2026, 7, 1),
        period_end=d(2026, 9, 30),
        premium=Decimal("350000000"),
        scale_premium=Decimal("500000000"),
        policies=60_000,
        policies_in_force=250_000,
        insured_persons=1_200_000,
    )
    return World(cases, tianhe_handler)
