"""The deadline sweep: due-soon reminders, overdue alerts, escalation.

The complaint is received on Friday 2026-03-06 at 天河支公司 (GDGZTH) and is due
on Friday 2026-03-20 (the internal target, the earlier date); its legal deadline
is Monday 2026-03-23 (day 15 is a Saturday). Overdue (超期) means past the legal
deadline (complaints/timing/deadline_terms.py); passing the internal target is its own
warning. March 2026 has no holidays. Its
managers are at 广州中心支公司 (gz_manager); the next level up is 广东分公司
(gd_manager) plus the head-office senior manager.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from subprocess import PIPE
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext

from complaints.messaging import jobs
from complaints.messaging.jobs import sweep
from complaints.models import Complaint, Notification
from complaints.services import (
    complaint_accept,
    complaint_assign,
    complaint_pause,
    complaint_withdraw,
)
from complaints.timing.calendar_service import calendar_import_rows
from tests.approval_steps import extend
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_calendar import HEADER, year_rows

pytestmark = pytest.mark.django_db
DUE = date(2026, 3, 20)
LEGAL = date(2026, 3, 23)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def people(
    tianhe_handler: Any, gz_manager: Any, gd_manager: Any, senior: Any, gz_handler: Any
) -> dict[str, Any]:
    return {
        "handler": tianhe_handler,
        "gz_manager": gz_manager,
        "gd_manager": gd_manager,
        "senior": senior,
    }


@pytest.fixture
def complaint(register: Any, people: dict[str, Any]) -> Complaint:
    handler = people["handler"]
    c = register(handler)
    c = complaint_accept(complaint=c, actor=handler)
    c = complaint_assign(
        complaint=c, actor=handler, handler=handler, declares_no_conflict=True
    )
    assert c.due_on == DUE
    return c


def alerts(c: Complaint) -> list[tuple[str, str, str]]:
    """(kind, recipient, dedup key without the user) of the staff alerts queued."""
    rows = Notification.objects.filter(
        complaint=c, audience=Notification.Audience.STAFF
    ).order_by("pk")
    return [(n.kind, n.recipient.username, n.dedup_key.rsplit(":", 1)[0]) for n in rows]


def test_reminders_overdue_and_escalation_day_by_day(complaint: Complaint) -> None:
    pk = complaint.pk
    expected = {
        date(2026, 3, 12): [],  # 6 working days left
        date(2026, 3, 13): [("due_soon", "tianhe_handler", f"due_soon:{pk}:{DUE}:5")],
        date(2026, 3, 16): [],
        date(2026, 3, 17): [("due_soon", "tianhe_handler", f"due_soon:{pk}:{DUE}:3")],
        date(2026, 3, 18): [],
        date(2026, 3, 19): [("due_soon", "tianhe_handler", f"due_soon:{pk}:{DUE}:1")],
        date(2026, 3, 20): [],  # due today
        date(2026, 3, 21): [],  # Saturday: past the target, no working day yet
        # The legal deadline's own day: the internal target has passed (a
        # warning, worded as such), the case is not overdue.
        date(2026, 3, 23): [
            ("past_target", "tianhe_handler", f"past_target:{pk}:{DUE}"),
            ("past_target", "gz_manager", f"past_target:{pk}:{DUE}"),
        ],
        # The first working day after the legal deadline: overdue.
        date(2026, 3, 24): [
            ("overdue", "tianhe_handler", f"overdue:{pk}:{LEGAL}"),
            ("overdue", "gz_manager", f"overdue:{pk}:{LEGAL}"),
        ],
        date(2026, 3, 25): [],
        date(2026, 3, 26): [
            ("overdue", "gd_manager", f"overdue_up:{pk}:{LEGAL}"),
            ("overdue", "senior", f"overdue_up:{pk}:{LEGAL}"),
        ],
        date(2026, 3, 27): [],
    }
    seen = 0
    for day, new in expected.items():
        sweep(today=day)
        queued = alerts(complaint)
        assert queued[seen:] == new, day
        seen = len(queued)

    complaint.refresh_from_db()
    assert (complaint.reminder_level, complaint.escalation_level) == (3, 3)
    warning = Notification.objects.filter(dedup_key__startswith="past_target").first()
    assert warning.subject == (
        f"投诉已过内部时限：{complaint.number}（法定期限 2026-03-23）"
    )
    assert "超期" not in warning.subject + warning.body
    assert "内部时限已于2026-03-20届满" in warning.body
    overdue = Notification.objects.filter(dedup_key__startswith="overdue:").first()
    assert "法定期限已于2026-03-23届满" in overdue.body
    escalation = Notification.objects.filter(dedup_key__startswith="overdue_up").first()
    assert escalation.subject == f"投诉已超期：{complaint.number}（超期3个工作日）"
    assert escalation.address == "senior@example.com"
    assert escalation.sent_at is None


def test_the_alerts_name_the_handler_family_name_first(
    complaint: Complaint, people: dict[str, Any]
) -> None:
    handler = people["handler"]
    handler.last_name, handler.first_name = "陈", "晓峰"
    handler.save()
    sweep(today=date(2026, 3, 19))  # due soon
    sweep(today=date(2026, 3, 24))  # overdue
    rows = Notification.objects.filter(complaint=complaint, recipient=handler)
    assert sorted(rows.values_list("kind", flat=True)) == ["due_soon", "overdue"]
    for body in rows.values_list("body", flat=True):
        assert "处理人 陈晓峰）" in body
        assert handler.username not in body


def test_an_unassigned_complaint_reminds_the_nearest_managers(
    register: Any, people: dict[str, Any]
) -> None:
    c = register(people["handler"])

    result = sweep(today=date(2026, 3, 16))  # 4 working days left

    assert result.due_soon == 1
    assert alerts(c) == [("due_soon", "gz_manager", f"due_soon:{c.pk}:{DUE}:5")]
    assert "处理人 未分派）" in Notification.objects.get(complaint=c).body


def test_a_late_first_sweep_sends_only_the_tightest_reminder(
    complaint: Complaint,
) -> None:
    sweep(today=date(2026, 3, 19))  # 1 working day left, no sweep ran before

    assert alerts(complaint) == [
        ("due_soon", "tianhe_handler", f"due_soon:{complaint.pk}:{DUE}:1")
    ]
    complaint.refresh_from_db()
    assert complaint.reminder_level == 3


def test_a_second_run_changes_nothing(complaint: Complaint) -> None:
    first = sweep(today=date(2026, 3, 26))
    complaint.refresh_from_db()
    state = (complaint.reminder_level, complaint.escalation_level)
    counts = (Notification.objects.count(), complaint.history.count())

    second = sweep(today=date(2026, 3, 26))

    assert (first.overdue, first.escalated, first.notifications) == (1, 1, 4)
    assert first.due_soon == 0  # overdue replaces the reminders
    assert (second.due_soon, second.overdue, second.escalated) == (0, 0, 0)
    assert (second.notifications, second.adjusted) == (0, 0)
    complaint.refresh_from_db()
    assert (complaint.reminder_level, complaint.escalation_level) == state == (3, 3)
    assert (Notification.objects.count(), complaint.history.count()) == counts


def test_the_dedup_key_stops_a_repeat_even_without_the_markers(
    complaint: Complaint,
) -> None:
    sweep(today=date(2026, 3, 24))
    # As if a concurrent run had read the markers before this one moved them.
    Complaint.objects.filter(pk=complaint.pk).update(escalation_level=0)

    result = sweep(today=date(2026, 3, 24))

    assert (result.overdue, result.notifications) == (1, 0)
    assert len(alerts(complaint)) == 2


def test_paused_and_closed_complaints_are_ignored(
    register: Any, people: dict[str, Any]
) -> None:
    handler = people["handler"]
    paused = complaint_accept(complaint=register(handler), actor=handler)
    complaint_pause(
        complaint=paused,
        actor=handler,
        started_on=date(2026, 3, 10),
        body="司法鉴定中心",
        reason="车损鉴定",
    )
    withdrawn = register(handler)
    complaint_withdraw(
        complaint=withdrawn,
        actor=handler,
        received_on=date(2026, 3, 9),
        note="投诉人撤回",
    )

    result = sweep(today=date(2026, 3, 25))

    assert (result.checked, result.notifications) == (0, 0)
    assert not Notification.objects.filter(audience="staff").exists()


def test_an_extension_earns_fresh_reminders(
    complaint: Complaint, people: dict[str, Any]
) -> None:
    sweep(today=date(2026, 3, 23))
    # Requested and approved on the limit's last day, while it still runs.
    with time_machine.travel(datetime(2026, 3, 23, 17, tzinfo=SHANGHAI), tick=False):
        extend(
            complaint,
            people["handler"],
            1,
            people["gz_manager"],
            "需调取交警事故认定书",
        )
    complaint.refresh_from_db()
    new_due = complaint.due_on
    assert new_due == date(2026, 4, 4)  # internal target: receipt day + 29 days

    sweep(today=date(2026, 3, 30))  # 5 working days left

    assert alerts(complaint)[-1] == (
        "due_soon",
        "tianhe_handler",
        f"due_soon:{complaint.pk}:{new_due}:5",
    )


@time_machine.travel(datetime(2026, 12, 21, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_deadline_moved_later_by_the_calendar_resets_the_markers(
    register: Any, people: dict[str, Any], settings: Any
) -> None:
    settings.COMPLAINT_INTERNAL_TARGET = False
    received = datetime(2026, 12, 20, 9, 0, tzinfo=SHANGHAI)
    c = register(people["handler"], received_at=received)
    assert (c.due_on, c.due_provisional) == (date(2027, 1, 4), True)
    sweep(today=date(2027, 1, 5))  # 2027 unknown: counted as a working day
    assert [a[2] for a in alerts(c)] == [f"overdue:{c.pk}:2027-01-04"]

    holidays = {
        date(2027, 1, 1): "元旦",
        date(2027, 1, 4): "元旦",
        date(2027, 1, 5): "",
    }
    calendar_import_rows(rows=[HEADER, *year_rows(2027, holidays)], actor=None)
    c.refresh_from_db()
    assert c.due_on == date(2027, 1, 6)

    result = sweep(today=date(2027, 1, 5))
    c.refresh_from_db()
    assert (result.adjusted, result.notifications, c.escalation_level) == (1, 0, 0)

    sweep(today=date(2027, 1, 7))
    assert alerts(c)[-1][2] == f"overdue:{c.pk}:2027-01-06"


def test_dry_run_writes_nothing(complaint: Complaint) -> None:
    result = sweep(today=date(2026, 3, 26), dry_run=True)

    assert (result.overdue, result.escalated, result.notifications) == (1, 1, 4)
    assert result.summary().startswith("Dry run, nothing written.")
    complaint.refresh_from_db()
    assert (complaint.reminder_level, complaint.escalation_level) == (0, 0)
    assert not Notification.objects.filter(audience="staff").exists()


def test_sweep_deadlines_command(complaint: Complaint) -> None:
    out = io.StringIO()
    with time_machine.travel(datetime(2026, 3, 13, 7, 0, tzinfo=SHANGHAI)):
        call_command("sweep_deadlines", stdout=out)
    assert out.getvalue().strip() == (
        "Deadline sweep: 1 complaints checked, 1 due soon, "
        "0 past the internal target, 0 overdue, 0 escalated, 0 callbacks due, "
        "0 investigation tasks overdue, 1 alerts queued, 0 markers adjusted."
    )
    out = io.StringIO()
    call_command("sweep_deadlines", "--today", "2026-03-13", stdout=out)
    assert "0 alerts queued" in out.getvalue()


def test_sweep_deadlines_command_rejects_a_bad_date() -> None:
    with pytest.raises(Exception, match="not a YYYY-MM-DD date"):
        call_command("sweep_deadlines", "--today", "2026-13-01")


# --- Several nodes at once (PostgreSQL) -------------------------------------------
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="advisory locks and real concurrent transactions need PostgreSQL",
)


def _sweep_in_threads(day: date, threads: int = 2) -> list[jobs.SweepResult]:
    barrier = threading.Barrier(threads)
    results: list[jobs.SweepResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(sweep(today=day))
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors
    return results


@pytest.fixture
def many_overdue(register: Any, people: dict[str, Any]) -> list[Complaint]:
    handler = people["handler"]
    made = []
    for _ in range(5):
        c = complaint_accept(complaint=register(handler), actor=handler)
        made.append(
            complaint_assign(
                complaint=c, actor=handler, handler=handler, declares_no_conflict=True
            )
        )
    return made


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_nodes_sweeping_at_once_queue_each_alert_once(
    many_overdue: list[Complaint],
) -> None:
    results = _sweep_in_threads(date(2026, 3, 26))

    # 5 complaints x (handler + gz_manager, then gd_manager + senior)
    assert Notification.objects.filter(audience="staff").count() == 20
    assert sum(r.notifications for r in results) == 20
    staff = Notification.objects.filter(audience="staff")
    keys = list(staff.values_list("dedup_key", flat=True))
    assert len(keys) == len(set(keys))


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


def _first_to_exit(procs: list[subprocess.Popen[str]], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, proc in enumerate(procs):
            if proc.poll() is not None:
                return i
        time.sleep(0.1)
    raise AssertionError("both sweeps are still running: neither was kept out")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_sweep_processes_started_at_once_do_the_work_once(
    many_overdue: list[Complaint],
) -> None:
    """Two `manage.py sweep_deadlines` processes, as two job nodes' timers start
    them. The test holds the outbox table, so the run that took the advisory
    lock waits at its first alert; the runs overlap for certain, and the other
    one must find the lock taken and skip."""
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    command = [sys.executable, "manage.py", "sweep_deadlines", "--today", "2026-03-26"]
    procs: list[subprocess.Popen[str]] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Blocks inserts (ROW EXCLUSIVE), not reads.
            cursor.execute(
                "LOCK TABLE complaints_notification IN SHARE ROW EXCLUSIVE MODE"
            )
            procs = [
                subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE, text=True
                )
                for _ in range(2)
            ]
            loser = _first_to_exit(procs, timeout=90)
        outputs = [proc.communicate(timeout=90) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()

    assert [proc.returncode for proc in procs] == [0, 0], outputs
    winner = 1 - loser
    with translation.override("zh-hans"):  # the commands speak the product's default
        skipped = gettext("Another deadline sweep is running; skipped.")
    assert outputs[loser][0].strip() == skipped
    assert outputs[winner][0].strip() != skipped
    staff = Notification.objects.filter(audience="staff")
    assert staff.count() == 20  # 5 complaints x 4 recipients, once each
    keys = list(staff.values_list("dedup_key", flat=True))
    assert len(keys) == len(set(keys))


@contextmanager
def _no_lock(key: int) -> Iterator[bool]:
    yield True


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_concurrent_sweeps_still_queue_each_alert_once(
    many_overdue: list[Complaint], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "_advisory_lock", _no_lock)

    results = _sweep_in_threads(date(2026, 3, 26), threads=4)

    assert Notification.objects.filter(audience="staff").count() == 20
    assert sum(r.notifications for r in results) == 20
    assert sum(r.overdue for r in results) <= 5 * 4  # every run may see every one


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_sweep_started_while_one_runs_is_skipped(
    many_overdue: list[Complaint],
) -> None:
    other = threading.Event()
    done = threading.Event()

    def hold_lock() -> None:
        try:
            with jobs._advisory_lock(jobs.SWEEP_LOCK_KEY) as obtained:
                assert obtained
                other.set()
                done.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    other.wait(10)
    try:
        result = sweep(today=date(2026, 3, 26))
    finally:
        done.set()
        holder.join()

    assert result.skipped == "Another deadline sweep is running; skipped."
    assert result.summary() == result.skipped
    assert not Notification.objects.filter(audience="staff").exists()


# --- Overdue means past the legal deadline (complaints/timing/deadline_terms.py) ---
def test_passing_the_internal_target_is_a_warning_never_overdue(
    complaint: Complaint, people: dict[str, Any]
) -> None:
    from complaints.models import StaffNotice
    from complaints.timing.deadline_terms import overdue_q

    result = sweep(today=date(2026, 3, 23))  # past the target, legal day itself

    assert (result.past_target, result.overdue, result.escalated) == (1, 0, 0)
    assert not Complaint.objects.filter(overdue_q(date(2026, 3, 23))).exists()
    rows = Notification.objects.filter(complaint=complaint, audience="staff")
    assert set(rows.values_list("kind", flat=True)) == {"past_target"}
    for row in rows:
        assert "超期" not in row.subject + row.body
        assert "已过内部时限" in row.subject
    notices = StaffNotice.objects.filter(complaint=complaint)
    assert set(notices.values_list("kind", flat=True)) == {"past_target"}
    with translation.override("zh-hans"):
        label = str(StaffNotice.Kind.PAST_TARGET.label)
    assert "超期" not in label
    assert "内部时限" in label


def test_without_an_internal_target_overdue_follows_the_legal_deadline(
    register: Any, people: dict[str, Any], settings: Any
) -> None:
    settings.COMPLAINT_INTERNAL_TARGET = False
    c = register(people["handler"])
    assert c.due_on == LEGAL
    sweep(today=LEGAL)
    assert not Notification.objects.filter(audience="staff", kind="overdue").exists()
    result = sweep(today=date(2026, 3, 24))
    assert (result.past_target, result.overdue) == (0, 1)


def test_an_earlier_regulator_feedback_date_is_the_legal_deadline(
    complaint: Complaint,
) -> None:
    # The regulator asked for feedback by 2026-03-18: the earlier binds
    # (DOMAIN.md §4), so that is what "overdue" is measured against.
    day = date(2026, 3, 18)
    Complaint.objects.filter(pk=complaint.pk).update(regulator_due=day, due_on=day)
    result = sweep(today=date(2026, 3, 19))
    assert (result.past_target, result.overdue) == (0, 1)
    overdue = Notification.objects.filter(kind="overdue").first()
    assert "法定期限已于2026-03-18届满" in overdue.body
