"""Handling figures (issue 17, point 3) on the hand-built quarter of
tests/reporting/conftest.py, worked out by hand; the same on SQLite and
PostgreSQL (CI runs this file on both).

Concluded in 2026Q3 under 广东 (received -> ended, calendar days, working
days after the day of receipt on the 2026 calendar):
A 07-01 -> 07-10   9 days,  7 working days
B 07-01 -> 07-20  19 days, 13 working days (late: due 07-16)
C 07-01 -> 07-28  27 days, 19 working days
E 06-20 -> 07-03  13 days, 10 working days (06-19..21 Dragon Boat, no make-up)
F 08-03 -> 08-05   2 days,  2 working days
J 08-10 -> 08-11   1 day,   1 working day
Working days sorted 1 2 7 10 13 19: median (7 + 10) / 2 = 8.5; P90 at rank
0.9 x 5 = 4.5, 13 + 0.5 x (19 - 13) = 16.0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Complaint
from complaints.services.records import attachment_add
from reporting.selectors import complaints_behind, kpi_summary, kpi_tables
from tests.reporting.conftest import Q3

pytestmark = pytest.mark.django_db
D = Decimal


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
    )


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_handling_figures_of_the_branch(
    quarter: dict[str, Complaint], gd_manager: Any, gd_handler: Any
) -> None:
    # The proof that A's decision reached the complainant (a signed receipt),
    # and an ordinary piece of evidence on C that proves no notice.
    attachment_add(
        complaint=quarter["A"], actor=gd_handler, upload=pdf("回执.pdf"), kind="notice"
    )
    attachment_add(
        complaint=quarter["C"],
        actor=gd_handler,
        upload=pdf("照片.pdf"),
        kind="evidence",
    )
    gd = quarter["A"].institution.parent.parent
    s = kpi_summary(user=gd_manager, institution=gd, period=Q3)
    got = {k: s[k] for k in EXPECTED}
    assert got == EXPECTED


EXPECTED = {
    "concluded": 6,
    "within_15": 4,  # A E F J
    "within_30": 6,  # + B C
    "within_60": 6,
    "late": 1,  # B
    "within_15_rate": D("66.67"),
    "within_30_rate": D("100.00"),
    "late_rate": D("16.67"),
    "working_days_median": D("8.5"),
    "working_days_p90": D("16.0"),
    "notified": 4,  # A B C E notified in Q3
    "notified_evidence": 1,  # A
    "evidence_rate": D("25.00"),
    "review_requested": 1,  # B
    "reviewed": 1,  # B, overturned 08-05, due 30 days after 07-25
    "review_on_time": 1,
    "review_on_time_rate": D("100.00"),
    "review_changed": 1,
    "repeat": 1,  # K
    "redress_paid": 1,
    "redress_amount": D("3200.00"),
    "satisfaction_rate": D("100.00"),  # A's callback, score 5
}


def test_per_child_institution_and_drill_down(
    quarter: dict[str, Complaint], gd_manager: Any
) -> None:
    gd = quarter["A"].institution.parent.parent
    _summary, tables = kpi_tables(
        user=gd_manager, institution=gd, period=Q3, by=("institution",)
    )
    rows = {r["key"]: r for r in tables["institution"]}
    # 广州 (GDGZ): A B E (K open); 佛山 (GDFS): C; 营业部 (GD01): J; F is 天河.
    gz = rows["GDGZ"]
    assert (gz["concluded"], gz["within_15"], gz["late"]) == (4, 3, 1)
    # 广州: A 7, B 13, E 10, F 2 working days -> median 8.5, P90 at 2.7: 10 + 0.7 x 3
    assert (gz["working_days_median"], gz["working_days_p90"]) == (D("8.5"), D("12.1"))
    assert rows["GDFS"]["working_days_median"] == D("19.0")
    late = complaints_behind(user=gd_manager, institution=gd, period=Q3, metric="late")
    assert [c.pk for c in late] == [quarter["B"].pk]
    within = complaints_behind(
        user=gd_manager, institution=gd, period=Q3, metric="within_15"
    )
    assert {c.pk for c in within} == {quarter[k].pk for k in "AEFJ"}


SPREAD = ("handling_days_p90", "working_days_median", "working_days_p90")


@pytest.mark.parametrize("live", [True, False])
def test_percentiles_only_for_the_breakdowns_asked(
    quarter: dict[str, Complaint], gd_manager: Any, live: bool
) -> None:
    """The dashboards ask for the percentiles of the institutions only: those
    and the summary are the full computation's, the other breakdowns have
    none, and every count is unchanged."""
    gd = quarter["A"].institution.parent.parent
    by = ("institution", "category", "cause", "channel")
    args = {"user": gd_manager, "institution": gd, "period": Q3, "by": by}
    full = kpi_tables(**args, live=live)
    some = kpi_tables(**args, live=live, percentiles=("institution",))
    assert some[0] == full[0]
    assert full[0]["working_days_p90"] is not None
    assert some[1]["institution"] == full[1]["institution"]
    for dim in ("category", "cause", "channel"):
        assert any(r["working_days_median"] is not None for r in full[1][dim])
        for got, want in zip(some[1][dim], full[1][dim], strict=True):
            assert all(got[name] is None for name in SPREAD)
            assert {k: v for k, v in got.items() if k not in SPREAD} == {
                k: v for k, v in want.items() if k not in SPREAD
            }
    with pytest.raises(ValueError, match="institution"):
        kpi_tables(**{**args, "by": ("category",)}, percentiles=("institution",))


def test_working_days_between_counts_as_day_by_day() -> None:
    """WorkingDays.between (two ranks) counts the working days after receipt
    up to the end exactly as walking the days does: across the National Day
    week, a year's end, ranges met in any order, and an end before receipt."""
    from datetime import date, timedelta

    from reporting.selectors.tables import WorkingDays

    calendar = WorkingDays()

    def walked(received: date, ended: date) -> int:
        days = (ended - received).days
        return sum(
            calendar.is_workday(received + timedelta(days=i))
            for i in range(1, days + 1)
        )

    spans = [
        (date(2026, 9, 28), date(2026, 10, 12)),
        (date(2026, 12, 20), date(2027, 1, 15)),
        (date(2024, 1, 1), date(2024, 1, 1)),
        (date(2022, 3, 1), date(2026, 10, 8)),  # past the ranks' margin
        (date(2026, 10, 8), date(2026, 10, 1)),
        (date(2030, 5, 1), date(2030, 5, 9)),
    ]
    for received, ended in spans:
        assert calendar.between(received, ended) == walked(received, ended), (
            received,
            ended,
        )
    assert calendar.between(date(2026, 10, 8), date(2026, 10, 1)) == 0


@pytest.mark.parametrize("live", [True, False])
def test_percentiles_of_complaints_received_before_the_ranked_days(
    quarter: dict[str, Complaint],
    gd_manager: Any,
    live: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL counts working days from the ranks of the days around the
    period (tables.RANKED_DAYS); a complaint received earlier is counted from
    its dates. With no day ranked, every complaint takes that second way, and
    every percentile is the same."""
    from reporting.selectors import tables

    gd = quarter["A"].institution.parent.parent
    by = ("institution", "category")
    args = {"user": gd_manager, "institution": gd, "period": Q3, "by": by}
    ranked = kpi_tables(**args, live=live)
    monkeypatch.setattr(tables, "RANKED_DAYS", -400)
    unranked = kpi_tables(**args, live=live)
    assert unranked == ranked
    assert ranked[0]["working_days_median"] is not None
    assert any(r["working_days_p90"] is not None for r in ranked[1]["institution"])
