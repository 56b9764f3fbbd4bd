"""The decision clock: extensions (Measures art. 18), appraisal pauses, restarts on
new facts, and deadlines on the stored working-day calendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import time_machine

from complaints import exceptions as E
from complaints import services as svc
from complaints.exceptions import ComplaintError
from complaints.models import CalendarDay, Complaint, Notification
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
REASON = "需调取交警事故认定书并委托第三方重新定损"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def accepted(register: Any, tianhe_handler: Any) -> Complaint:
    """Received 2026-03-06: legal due 03-23, internal target 03-20."""
    return svc.complaint_accept(
        complaint=register(tianhe_handler), actor=tianhe_handler
    )


def notices(c: Complaint, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(complaint=c, kind=kind).order_by("channel"))


# The events below are recorded after they happened.
@time_machine.travel(datetime(2026, 3, 22, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_pause_for_appraisal_shifts_the_deadline_by_the_paused_days(
    accepted: Any, tianhe_handler: Any
) -> None:
    before = accepted.history.count()
    pause = svc.complaint_pause(
        complaint=accepted,
        actor=tianhe_handler,
        started_on=date(2026, 3, 10),
        body="广州市价格认证中心",
        reason="车辆损失价格鉴定",
    )
    c = Complaint.objects.get(pk=accepted.pk)
    assert c.paused_since == date(2026, 3, 10)
    assert c.legal_due == date(2026, 3, 23)  # unchanged until the pause ends
    assert c.history.count() == before + 1
    assert c.history.latest().history_user == tianhe_handler
    assert pause.history.get().history_user == tianhe_handler
    (sms,) = [r for r in notices(c, "pause") if r.channel == "sms"]
    assert "广州市价格认证中心" in sms.body
    assert "2026-03-10" in sms.body
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_pause(
            complaint=c,
            actor=tianhe_handler,
            started_on=date(2026, 3, 11),
            body="x",
            reason="y",
        )
    assert exc.value.messages == [str(E.ALREADY_PAUSED)]
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_resume(
            complaint=c, actor=tianhe_handler, ended_on=date(2026, 3, 9)
        )
    assert exc.value.message_dict == {"ended_on": [str(E.PAUSE_DATES)]}

    pause = svc.complaint_resume(
        complaint=c, actor=tianhe_handler, ended_on=date(2026, 3, 20)
    )

    c.refresh_from_db()
    assert pause.ended_on == date(2026, 3, 20)
    assert (c.paused_days, c.paused_since) == (10, None)
    # 2026-03-06 + 15 + 10 paused days = Tuesday 03-31; internal 03-06 + 14 + 10.
    assert (c.legal_due, c.internal_due, c.due_on) == (
        date(2026, 3, 31),
        date(2026, 3, 30),
        date(2026, 3, 30),
    )
    assert c.history.count() == before + 2
    assert "2026-03-31" in notices(c, "resume")[0].body
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_resume(
            complaint=c, actor=tianhe_handler, ended_on=date(2026, 3, 21)
        )
    assert exc.value.messages == [str(E.NOT_PAUSED)]


def record(c: Complaint, actor: Any, **fields: Any) -> Any:
    values = {
        "direction": "in",
        "method": "letter",
        "occurred_at": datetime(2026, 3, 15, 10, 0, tzinfo=SHANGHAI),
        "summary": "投诉人补充提交维修发票及4S店定损单",
        "new_facts": True,
    }
    return svc.correspondence_record(complaint=c, actor=actor, **{**values, **fields})


# The events below are recorded after they happened.
@time_machine.travel(datetime(2026, 3, 22, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_new_facts_restart_the_clock_from_the_day_received(
    accepted: Any, tianhe_handler: Any
) -> None:
    before = accepted.history.count()
    entry = record(accepted, tianhe_handler)
    c = Complaint.objects.get(pk=accepted.pk)
    assert entry.new_facts
    assert c.clock_start == date(2026, 3, 15)
    # 2026-03-15 + 15 = Monday 03-30; internal target 03-15 + 14 = 03-29.
    assert (c.legal_due, c.internal_due, c.due_on) == (
        date(2026, 3, 30),
        date(2026, 3, 29),
        date(2026, 3, 29),
    )
    assert c.history.count() == before + 1
    assert "2026-03-15" in c.history.latest().history_change_reason


# The events below are recorded after they happened.
@time_machine.travel(datetime(2026, 3, 22, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_new_facts_during_a_pause_count_the_pause_only_from_the_restart(
    accepted: Any, tianhe_handler: Any
) -> None:
    svc.complaint_pause(
        complaint=accepted,
        actor=tianhe_handler,
        started_on=date(2026, 3, 10),
        body="某司法鉴定所",
        reason="伤残等级鉴定",
    )
    record(accepted, tianhe_handler)  # new facts on 03-15: the clock restarts
    svc.complaint_resume(
        complaint=accepted, actor=tianhe_handler, ended_on=date(2026, 3, 20)
    )
    c = Complaint.objects.get(pk=accepted.pk)
    # 5 paused days after the restart: 03-15 + 15 + 5 = Sat 04-04 (Qingming) -> 04-07.
    assert (c.clock_start, c.paused_days, c.legal_due) == (
        date(2026, 3, 15),
        5,
        date(2026, 4, 7),
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"new_facts": False},
        {"direction": "out"},
        # Received on the day the clock started: it does not move.
        {"occurred_at": datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)},
    ],
    ids=["no_new_facts", "outbound", "dated_on_the_clock_start"],
)
# The events below are recorded after they happened.
@time_machine.travel(datetime(2026, 3, 22, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_other_correspondence_leaves_the_clock(
    accepted: Any, tianhe_handler: Any, fields: dict[str, Any]
) -> None:
    record(accepted, tianhe_handler, **fields)
    c = Complaint.objects.get(pk=accepted.pk)
    assert (c.clock_start, c.legal_due, c.history.count()) == (
        date(2026, 3, 6),
        date(2026, 3, 23),
        accepted.history.count(),
    )


@pytest.mark.parametrize(
    ("received", "legal", "why"),
    [
        (date(2025, 9, 16), date(2025, 10, 9), "day 15 is National Day"),
        (date(2025, 9, 26), date(2025, 10, 11), "day 15 is a Saturday made a workday"),
        (date(2026, 2, 5), date(2026, 2, 24), "day 15 is in the Spring Festival"),
        (date(2026, 2, 13), date(2026, 2, 28), "day 15 is a Saturday made a workday"),
        (date(2026, 3, 6), date(2026, 3, 23), "day 15 is a Saturday"),
    ],
)
def test_deadlines_follow_the_stored_calendar(
    register: Any, tianhe_handler: Any, received: date, legal: date, why: str
) -> None:
    at = datetime(received.year, received.month, received.day, 9, 0, tzinfo=SHANGHAI)
    c = register(tianhe_handler, received_at=at)
    assert c.legal_due == legal, why
    assert c.due_provisional is False


def test_an_edited_calendar_day_moves_the_deadline(
    register: Any, tianhe_handler: Any
) -> None:
    # The table, not the package, is the source: make Monday 03-23 a holiday.
    day = CalendarDay.objects.get(day=date(2026, 3, 23))
    day.is_workday = False
    day.save()
    assert register(tianhe_handler).legal_due == date(2026, 3, 24)


@time_machine.travel(datetime(2026, 12, 21, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_deadline_in_an_unloaded_year_is_provisional(
    register: Any, tianhe_handler: Any
) -> None:
    for day in CalendarDay.objects.filter(day__year=2027):  # not published yet
        day.delete()
    c = register(
        tianhe_handler, received_at=datetime(2026, 12, 20, 9, 0, tzinfo=SHANGHAI)
    )
    # 2026-12-20 + 15 = 2027-01-04: no holiday is assumed in an unloaded year.
    assert (c.legal_due, c.due_on, c.due_provisional) == (
        date(2027, 1, 4),
        date(2027, 1, 3),
        True,
    )
    loaded = register(
        tianhe_handler, received_at=datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
    )
    assert (loaded.legal_due, loaded.due_provisional) == (date(2026, 12, 25), False)
