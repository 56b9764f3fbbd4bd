"""Every KPI on the hand-built quarter of tests/reporting/conftest.py.

The expected numbers are worked out by hand in the comments, case by case.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from reporting import periods
from reporting.selectors import (
    complaints_behind,
    kpi_breakdown,
    kpi_cross,
    kpi_monthly,
    kpi_summary,
    kpi_tables,
)
from reporting.selectors.kpis import percentile_cont
from tests.reporting.conftest import Q3

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_deadlines_the_expectations_rest_on(quarter: dict[str, Complaint]) -> None:
    # 15 days from 07-01; 30 after the first extension; 60 after the second,
    # 08-30 being a Sunday; K's regulator date is earlier than its legal one.
    assert quarter["A"].legal_due == date(2026, 7, 16)
    assert quarter["C"].legal_due == date(2026, 7, 31)
    assert quarter["D"].legal_due == date(2026, 8, 31)
    assert quarter["E"].legal_due == date(2026, 7, 6)
    assert quarter["K"].legal_due == date(2026, 9, 28)  # 09-25 is Mid-Autumn
    assert quarter["G"].item_type == Complaint.ItemType.ENQUIRY


def test_summary_of_the_branch(quarter: dict[str, Complaint], gd_manager: Any) -> None:
    s = kpi_summary(
        user=gd_manager, institution=quarter["A"].institution.parent.parent, period=Q3
    )
    # GD = A.institution (GDGZTH) -> GDGZ -> GD.
    expected = {
        "received": 8,  # A B C D F I J K (E is Q2, G reclassified, H is ZJ)
        "accepted": 5,  # A B C D K (E accepted in June; F I J never)
        "declined": 1,  # J
        "withdrawn": 1,  # F
        "routed": 0,  # G left the statistics when reclassified
        "closed": 3,  # A 07-20, F 08-05, J 08-11 (E closes in Q4)
        "concluded": 6,  # A B C E F J
        "on_time": 5,  # all but B (notified 07-20, due 07-16)
        "late": 1,
        "open_at_end": 3,  # D I K
        "overdue_open": 2,  # D (30 days over) and K (10 days over the regulator's)
        "overdue_1_5": 0,
        "overdue_6_15": 1,
        "overdue_16_30": 1,
        "overdue_over_30": 0,
        "extended": 1,  # C (D is extended but not concluded)
        "extended_twice": 0,
        "notified": 4,  # A B C E
        "review_requested": 1,  # B
        "reviewed": 1,  # B
        "review_changed": 1,  # B overturned
        "mediated": 1,  # E
        "redress_paid": 1,  # A
        "repeat": 1,  # K
        "group": 1,  # K: 6 complainants
        "regulator": 1,  # K
        "callbacks": 1,  # A
        "satisfied": 1,
    }
    assert {k: s[k] for k in expected} == expected
    assert s["on_time_rate"] == D("83.33")  # 5 / 6
    assert s["extension_rate"] == D("16.67")  # 1 / 6
    assert s["extension2_rate"] == D("0.00")
    assert s["review_rate"] == D("25.00")  # 1 / 4
    assert s["overturn_rate"] == D("100.00")
    assert s["mediation_rate"] == D("25.00")
    assert s["repeat_rate"] == D("12.50")  # 1 / 8
    assert s["satisfaction_rate"] == D("100.00")
    assert s["satisfaction_avg"] == D("5.0")
    assert s["redress_amount"] == D("3200.00")
    # Handling days of the concluded: J 1, F 2, A 9, E 13, B 19, C 27.
    assert s["handling_days_avg"] == D("11.8")  # 71 / 6
    assert s["handling_days_p90"] == D("23.0")  # 19 + (27 - 19) x 0.5


def test_head_office_adds_the_other_province(
    quarter: dict[str, Complaint], senior: Any, tree: dict[str, Any]
) -> None:
    s = kpi_summary(user=senior, institution=tree["HO"], period=Q3)
    # H: received 09-01 in 西湖, due 09-16, still open: overdue too.
    assert (s["received"], s["open_at_end"], s["overdue_open"]) == (9, 4, 3)


def test_previous_and_next_quarters(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    q2 = kpi_summary(user=gd_manager, institution=tree["GD"], period=Q3.previous())
    # E: received and accepted in June, still open on 06-30 and not yet due.
    assert (q2["received"], q2["accepted"], q2["concluded"], q2["open_at_end"]) == (
        1,
        1,
        0,
        1,
    )
    q4 = kpi_summary(
        user=gd_manager,
        institution=tree["GD"],
        period=periods.quarter(2026, 4),
        today=date(2026, 11, 24),
    )
    # E's mediation closes it in October; D, I, K are still open today.
    assert (q4["received"], q4["closed"], q4["open_at_end"]) == (0, 1, 3)


def test_breakdown_by_child_institution(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    rows = kpi_breakdown(
        user=gd_manager, institution=tree["GD"], period=Q3, by="institution"
    )
    got = {
        r["key"]: (r["received"], r["concluded"], r["on_time"], r["overdue_open"])
        for r in rows
    }
    # GD01: J. GDFS: C, D. GDGZ (with 天河): A B F I K received, A B E F concluded.
    assert got == {"GD01": (1, 1, 1, 0), "GDFS": (2, 1, 1, 1), "GDGZ": (5, 4, 3, 1)}
    gz = next(r for r in rows if r["key"] == "GDGZ")
    assert gz["label"] == "广州中心支公司"
    assert gz["on_time_rate"] == D("75.00")
    assert gz["handling_days_p90"] == D("17.2")  # [2, 9, 13, 19]: 13 + 6 x 0.7


def test_breakdowns_by_code_lists(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    def received(by: str) -> dict[str, int]:
        rows = kpi_breakdown(user=gd_manager, institution=tree["GD"], period=Q3, by=by)
        return {r["key"]: r["received"] for r in rows}

    assert received("category") == {"claims": 6, "sales": 2}
    assert received("channel") == {"hotline": 6, "wechat": 1, "regulator": 1}
    assert received("product_line") == {"motor": 7, "ordinary_life": 1}
    # The cause is recorded with the decision: empty on D F I J K. E (received
    # in Q2, concluded in Q3) gives its cause a row with nothing received.
    assert received("cause") == {
        "claim_amount": 2,
        "misleading_sales": 1,
        "claim_delay": 0,
        "": 5,
    }
    cross = kpi_cross(
        user=gd_manager,
        institution=tree["GD"],
        period=Q3,
        rows="category",
        cols="product_line",
    )
    assert cross == {
        ("claims", "motor"): 6,
        ("sales", "motor"): 1,
        ("sales", "ordinary_life"): 1,
    }


def test_all_tables_in_one_read_of_the_complaints(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    dims = ("institution", "category", "cause", "channel", "product_line")
    with CaptureQueriesContext(connection) as queries:
        summary, tables = kpi_tables(
            user=gd_manager, institution=tree["GD"], period=Q3, by=dims
        )
    reads = [q for q in queries if "complaints_complaint" in q["sql"]]
    # PostgreSQL: one query. SQLite adds one for the 90th percentiles.
    assert len(reads) == (1 if connection.vendor == "postgresql" else 2)
    assert summary == kpi_summary(user=gd_manager, institution=tree["GD"], period=Q3)
    for dim in dims:
        alone = kpi_breakdown(
            user=gd_manager, institution=tree["GD"], period=Q3, by=dim
        )
        assert tables[dim] == alone
    assert summary["received"] == 8
    assert sum(r["received"] for r in tables["category"]) == 8
    assert sum(r["received"] for r in tables["institution"]) == 8


def test_monthly_trend(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    rows = kpi_monthly(user=gd_manager, institution=tree["GD"], months=Q3.months())
    got = [(r["label"], r["received"], r["concluded"], r["on_time"]) for r in rows]
    assert got == [
        ("2026-07", 4, 4, 3),  # A B C D received; A B C E concluded, B late
        ("2026-08", 2, 2, 2),  # F J
        ("2026-09", 2, 0, 0),  # I K
    ]


def test_drill_down_lists_exactly_the_counted_complaints(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    def numbers(metric: str, **dims: str) -> set[str]:
        qs = complaints_behind(
            user=gd_manager, institution=tree["GD"], period=Q3, metric=metric, dims=dims
        )
        return set(qs.values_list("number", flat=True))

    n = {k: c.number for k, c in quarter.items()}
    assert numbers("late") == {n["B"]}
    assert numbers("overdue_open") == {n["D"], n["K"]}
    assert numbers("concluded", institution="GDGZ") == {n["A"], n["B"], n["E"], n["F"]}
    assert numbers("received", cause="") == {n[k] for k in "DFIJK"}
    assert numbers("received", channel="regulator") == {n["K"]}


def test_percentile_matches_postgresql_percentile_cont() -> None:
    assert percentile_cont([], D("0.9")) is None
    assert percentile_cont([7], D("0.9")) == 7
    # PostgreSQL: SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY x)
    # FROM (VALUES (1), (2), (3), (4)) v(x) gives 3.7
    assert percentile_cont([1, 2, 3, 4], D("0.9")) == D("3.7")
    assert percentile_cont([1, 2, 9, 13, 19, 27], D("0.9")) == D("23.0")
