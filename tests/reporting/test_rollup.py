"""The KPI rollup (reporting.rollup) gives the figures the complaints give.

After every kind of write a user makes (registration, acceptance, decision,
notification, review, mediation, redress, callback, withdrawal, refusal,
reclassification, merge, a change of business category or institution, an
attachment proving the notice, anonymisation, deletion, an import), the
rollup's cells equal the cells computed afresh from the complaints, and the
dashboards' tables read from it equal the tables read live — on SQLite and on
PostgreSQL (DATABASE_URL). The random part is seeded, so a failure repeats.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Attachment, Code, Complaint
from complaints.services import (
    complaint_close,
    complaint_record_callback,
    complaint_record_redress,
    complaint_route,
    complaint_withdraw,
)
from complaints.services.records import attachment_add
from organisations.models import Institution
from reporting import periods, rollup
from reporting.models import KpiCell
from reporting.selectors import kpi_monthly, kpi_tables
from reporting.selectors.kpis import DIMENSIONS, METRICS
from tests.approval_steps import decline
from tests.complaints.conftest import SHANGHAI, code
from tests.reporting.conftest import Q3, Walker, at, received

pytestmark = pytest.mark.django_db
ALL_DIMS = tuple(DIMENSIONS)
PERIODS = [
    periods.quarter(2026, 2),
    Q3,
    periods.quarter(2026, 4),
    periods.Period(date(2026, 7, 1), date(2026, 7, 31), "month"),
    periods.Period(date(2026, 7, 2), date(2026, 8, 4), "custom"),
    periods.Period(date(2026, 1, 1), date(2026, 12, 31), "year"),
]


def assert_same(roots: list[Institution], today: date = date(2026, 12, 31)) -> None:
    """Cells, tables and trend: rollup == complaints."""
    assert rollup.differences() == []
    for root in roots:
        for period in PERIODS:
            args = {"user": None, "institution": root, "period": period, "today": today}
            rolled = kpi_tables(**args, by=ALL_DIMS, live=False)
            live = kpi_tables(**args, by=ALL_DIMS, live=True)
            assert rolled[0] == live[0], (root.code, str(period))
            for dim in ALL_DIMS:
                assert rolled[1][dim] == live[1][dim], (root.code, str(period), dim)
        months = periods.months_ending(date(2026, 12, 31), 12)
        rolled_months = kpi_monthly(
            user=None, institution=root, months=months, live=False
        )
        assert rolled_months == kpi_monthly(
            user=None, institution=root, months=months, live=True
        )


def test_every_metric_is_rolled_up_or_read_as_of() -> None:
    assert set(rollup.ROLLED) | set(rollup.AS_OF) == set(METRICS)
    assert not set(rollup.ROLLED) & set(rollup.AS_OF)
    columns = {f.name for f in KpiCell._meta.get_fields()}
    assert set(rollup.ROLLED) | set(rollup.SUMS) <= columns
    assert set(rollup.AS_OF) == {
        "open_at_end",
        "overdue_open",
        "overdue_1_5",
        "overdue_6_15",
        "overdue_16_30",
        "overdue_over_30",
    }


def test_the_hand_built_quarter(quarter: dict[str, Complaint], tree: Any) -> None:
    """Every service the quarter walks through (conftest) kept the rollup."""
    assert KpiCell.objects.exists()
    assert_same([tree["HO"], tree["GD"], tree["GDGZ"], tree["ZJ"]])


def test_writes_that_move_a_complaint_between_cells(
    quarter: dict[str, Complaint], tree: Any, gd_handler: Any, gd_manager: Any
) -> None:
    roots = [tree["HO"], tree["GD"], tree["GDFS"]]
    a = quarter["A"]
    # A change of business category and of institution: another cell.
    a.category = code("category", "sales")
    a.save(update_fields=["category"])
    assert_same(roots)
    a.institution = tree["GDFSCC"]
    a.save()
    assert_same(roots)
    # A save of fields no figure reads leaves the ledger alone.
    before = KpiCell.objects.count()
    a.decision_text = "部分支持，理由另附。"
    a.save(update_fields=["decision_text"])
    assert KpiCell.objects.count() == before
    # The notice as delivered makes A's decision "notified with evidence".
    with at(date(2026, 7, 21)):
        attachment_add(
            complaint=quarter["C"],
            actor=gd_handler,
            upload=SimpleUploadedFile(
                "回执.pdf", b"%PDF-1.4 receipt", "application/pdf"
            ),
            kind=Attachment.Kind.NOTICE,
        )
    assert_same(roots)
    assert (
        kpi_tables(user=None, institution=tree["GD"], period=Q3, by=())[0][
            "notified_evidence"
        ]
        == 1
    )
    Attachment.objects.filter(complaint=quarter["C"]).delete()
    assert_same(roots)
    # Merge: I into K.
    with at(date(2026, 9, 21)):
        complaint_route(
            complaint=quarter["I"],
            actor=gd_handler,
            kind=Complaint.RouteKind.MERGED,
            reason=Code.objects.get(kind="route_reason", code="merged"),
            note="同一事项",
            merged_into=quarter["K"],
        )
    assert_same(roots)
    # Deletion (the admin's, for a case registered in error).
    Complaint.objects.filter(pk=quarter["H"].pk).delete()
    assert_same([tree["HO"], tree["ZJ"]])


def test_anonymisation_leaves_the_figures(
    quarter: dict[str, Complaint], tree: Any
) -> None:
    from complaints.integrity.retention import anonymise_expired

    result = anonymise_expired(apply=True, now=datetime(2040, 1, 1, tzinfo=SHANGHAI))
    assert Complaint.objects.filter(anonymised_at__isnull=False).exists(), result
    assert_same([tree["HO"], tree["GD"]])


def test_rebuild_and_compact_keep_the_figures(
    quarter: dict[str, Complaint], tree: Any
) -> None:
    rows = KpiCell.objects.count()
    cells = rollup.compact()
    assert cells <= rows
    assert_same([tree["HO"], tree["GD"]])
    KpiCell.objects.all().delete()
    assert rollup.differences() != []
    rollup.rebuild()
    assert_same([tree["HO"], tree["GD"]])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_complaints_through_the_services(
    seed: int,
    register: Any,
    tree: Any,
    gd_handler: Any,
    gd_manager: Any,
    senior: Any,
) -> None:
    rng = random.Random(seed)
    w = Walker(gd_handler, gd_manager)
    places = ["GDGZTH", "GDFSCC", "GD01", "GDGZ"]
    codes = {
        k: list(Code.objects.filter(kind=k)) for k in DIMENSIONS if k != "institution"
    }
    made: list[Complaint] = []
    for _i in range(14):
        day = date(2026, 6, 20) + timedelta(rng.randrange(90))
        c = register(
            gd_handler,
            rng.choice(places),
            received_at=received(day),
            channel=rng.choice([c for c in codes["channel"] if c.code != "regulator"]),
            product_line=rng.choice(codes["product_line"]),
            category=rng.choice(codes["category"]),
            is_repeat=rng.random() < 0.3,
        )
        step = day + timedelta(1 + rng.randrange(3))
        fate = rng.randrange(6)
        if fate == 0:
            c = w.open(c, step)
            c = w.decide(c, step + timedelta(rng.randrange(20)))
            c = w.notify(c, step + timedelta(20))
            if rng.random() < 0.5:
                with at(step + timedelta(22)):
                    c = complaint_record_redress(
                        complaint=c,
                        actor=gd_handler,
                        amount=Decimal(rng.randrange(100, 9000)),
                        paid_on=step + timedelta(22),
                        method=Complaint.RedressMethod.BANK_TRANSFER,
                    )
            if rng.random() < 0.5:
                with at(step + timedelta(24)):
                    c = complaint_close(complaint=c, actor=gd_handler, note="结案")
                with at(step + timedelta(25)):
                    c = complaint_record_callback(
                        complaint=c,
                        actor=gd_handler,
                        satisfaction=rng.randint(1, 5),
                        occurred_at=received(step + timedelta(25)),
                        note="回访",
                    )
        elif fate == 1:
            with at(step):
                c = complaint_withdraw(
                    complaint=c, actor=gd_handler, received_on=step, note="撤回"
                )
        elif fate == 2:
            with at(step):
                c = decline(c, gd_handler, gd_manager, note="非消费者本人且无授权")
        elif fate == 3:
            with at(step):
                complaint_route(
                    complaint=c,
                    actor=gd_handler,
                    kind=Complaint.RouteKind.RECLASSIFIED,
                    reason=Code.objects.get(
                        kind="route_reason", code="not_a_complaint"
                    ),
                    note="属于咨询",
                    item_type=Complaint.ItemType.ENQUIRY,
                )
        elif fate == 4:
            c = w.extend(w.open(c, step), step + timedelta(5), 1, gd_manager)
        made.append(c)
        assert rollup.differences() == []
    assert_same([tree["HO"], tree["GD"], tree["GDGZ"]], today=date(2026, 9, 30))
    assert_same([tree["GD"]], today=date(2026, 12, 31))


def test_the_setting_chooses_where_the_figures_are_read(
    tree: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REPORTING_KPI_ROLLUP: on, the dashboards read the rollup; off (the
    default), the complaints. Seen by what each path reads."""
    from reporting.selectors import kpis, tables

    read: list[str] = []
    monkeypatch.setattr(
        tables, "_rolled_up", lambda *a, **k: read.append("rollup") or {}
    )
    monkeypatch.setattr(
        kpis, "_monthly_rollup", lambda *a, **k: read.append("rollup") or ({}, {})
    )
    root = Institution.objects.get(code="HO")
    months = periods.months_ending(date(2026, 12, 31), 2)
    settings.REPORTING_KPI_ROLLUP = False
    kpi_tables(user=None, institution=root, period=PERIODS[0], by=("category",))
    kpi_monthly(user=None, institution=root, months=months)
    assert read == []
    settings.REPORTING_KPI_ROLLUP = True
    kpi_tables(user=None, institution=root, period=PERIODS[0], by=("category",))
    kpi_monthly(user=None, institution=root, months=months)
    assert read == ["rollup", "rollup"]
