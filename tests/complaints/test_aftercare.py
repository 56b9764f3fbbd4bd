"""Redress payments and satisfaction callbacks (回访): the services, their doors
on the case page, the callback's schedule and reminders, and the dashboards
that count them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from complaints.exceptions import ComplaintError
from complaints.messaging.jobs import sweep
from complaints.models import Complaint, Notification
from complaints.services import aftercare as A
from complaints.services import (
    complaint_record_callback,
    complaint_record_mediation_outcome,
    complaint_record_redress,
    complaint_refer_to_mediation,
)
from complaints.workbench.selectors import person_name
from organisations.permissions import NotFound
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
S = Complaint.Status
M = Complaint.RedressMethod
# After the review window of the walker's decision (notified 2026-03-18), so a
# case closes without the complainant's express acceptance.
NOW = datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(NOW)


@pytest.fixture
def decided(at: Any) -> Complaint:
    return at(S.DECIDED)


@pytest.fixture
def closed(at: Any) -> Complaint:
    return at(S.CLOSED)


def act_url(c: Complaint, action: str) -> str:
    return f"/admin/complaints/complaint/{c.pk}/act/{action}/"


def act(client: Any, c: Complaint, action: str, **data: Any) -> Any:
    """Open the action page as a user would, then submit it."""
    page = client.get(act_url(c, action))
    assert page.status_code == 200
    version = page.context["form"]["version"].value()
    return client.post(act_url(c, action), {"version": version, **data})


def form_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {k: [str(e) for e in v] for k, v in form.errors.items()}


def snapshot(c: Complaint) -> tuple[Any, ...]:
    fresh = Complaint.objects.get(pk=c.pk)
    return (
        fresh.history.count(),
        fresh.redress_amount,
        fresh.redress_paid_on,
        fresh.redress_method,
        fresh.callback_at,
        fresh.satisfaction,
        fresh.callback_note,
    )


# --- Redress: the service -------------------------------------------------------
def test_redress_is_recorded_with_how_and_one_history_row(
    decided: Complaint, tianhe_handler: Any
) -> None:
    before = decided.history.count()
    c = complaint_record_redress(
        complaint=decided,
        actor=tianhe_handler,
        amount=Decimal("3200.00"),
        paid_on=date(2026, 4, 20),
        method=M.BANK_TRANSFER,
        reference=" ZZ20260331-0001 ",
    )
    c.refresh_from_db()
    assert (c.redress_amount, c.redress_paid_on, c.redress_method) == (
        Decimal("3200.00"),
        date(2026, 4, 20),
        M.BANK_TRANSFER,
    )
    assert c.redress_reference == "ZZ20260331-0001"
    assert c.history.count() == before + 1
    last = c.history.first()
    assert last.history_user == tianhe_handler
    assert last.history_change_reason == (
        "Redress of 3200.00 yuan paid on 2026-04-20 by Bank transfer"
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": Decimal("0")}, "redress_amount", A.REDRESS_AMOUNT),
        ({"method": ""}, "redress_method", A.REDRESS_METHOD),
        # The decision was approved on the day the walker ran: 2026-04-20.
        ({"paid_on": date(2026, 3, 1)}, "redress_paid_on", A.REDRESS_DATE),
    ],
)
def test_redress_refusals_name_the_field_and_write_nothing(
    decided: Complaint,
    tianhe_handler: Any,
    change: dict[str, Any],
    field: str,
    message: Any,
) -> None:
    before = snapshot(decided)
    values = {"amount": Decimal("10"), "paid_on": date(2026, 4, 20), "method": M.CASH}
    with pytest.raises(ComplaintError) as refused:
        complaint_record_redress(
            complaint=decided, actor=tianhe_handler, **{**values, **change}
        )
    assert refused.value.message_dict == {field: [str(message)]}
    assert snapshot(decided) == before


def test_redress_needs_a_decision(at: Any, tianhe_handler: Any) -> None:
    c = at(S.INVESTIGATING)
    with pytest.raises(ComplaintError, match="only on a decided complaint"):
        complaint_record_redress(
            complaint=c,
            actor=tianhe_handler,
            amount=Decimal("1"),
            paid_on=date(2026, 4, 20),
            method=M.CASH,
        )


def test_redress_by_the_wrong_person(
    decided: Complaint, xihu_handler: Any, ho_compliance: Any
) -> None:
    before = snapshot(decided)
    values = {"amount": Decimal("1"), "paid_on": date(2026, 4, 20), "method": M.CASH}
    with pytest.raises(NotFound):  # another province: as if it did not exist
        complaint_record_redress(complaint=decided, actor=xihu_handler, **values)
    with pytest.raises(PermissionDenied):  # compliance reads, does not handle
        complaint_record_redress(complaint=decided, actor=ho_compliance, **values)
    assert snapshot(decided) == before


# --- Callback: schedule and service ---------------------------------------------
def test_closing_schedules_the_callback_in_working_days(closed: Complaint) -> None:
    # Closed on Monday 2026-04-20: five working days later, the weekend not
    # counted, is Monday 04-27.
    assert closed.callback_due == date(2026, 4, 27)


def test_no_callback_is_scheduled_when_the_setting_is_zero(
    at: Any, settings: Any
) -> None:
    settings.COMPLAINT_CALLBACK_WORKING_DAYS = 0
    assert at(S.CLOSED).callback_due is None


def test_mediation_closing_schedules_the_callback_too(
    at: Any, tianhe_handler: Any
) -> None:
    c = complaint_refer_to_mediation(
        complaint=at(S.NOTIFIED),
        actor=tianhe_handler,
        body="广东保险纠纷调解中心",
        referred_on=date(2026, 4, 20),
    )
    c = complaint_record_mediation_outcome(
        complaint=c, actor=tianhe_handler, outcome="agreed", note="达成调解协议"
    )
    assert (c.status, c.callback_due) == (S.CLOSED, date(2026, 4, 27))


def test_callback_is_recorded_with_when_who_result_and_words(
    closed: Complaint, tianhe_handler: Any
) -> None:
    c = complaint_record_callback(
        complaint=closed,
        actor=tianhe_handler,
        satisfaction=4,
        occurred_at=NOW,
        note="赔款收到了，处理还算及时。",
    )
    c.refresh_from_db()
    assert c.satisfaction == Complaint.Satisfaction.SATISFIED
    assert c.callback_at == NOW
    assert c.callback_by == person_name(tianhe_handler)  # family name first
    assert c.callback_note == "赔款收到了，处理还算及时。"
    assert c.status == S.CLOSED
    assert c.history.first().history_change_reason == "Callback: Satisfied"


def test_an_unreachable_attempt_is_followed_by_another_but_a_result_stands(
    closed: Complaint, tianhe_handler: Any
) -> None:
    first = complaint_record_callback(
        complaint=closed,
        actor=tianhe_handler,
        satisfaction=Complaint.Satisfaction.UNREACHABLE,
        occurred_at=NOW,
        called_by="回访坐席 1032",
    )
    assert (first.satisfaction, first.callback_note) == (0, "")
    second = complaint_record_callback(
        complaint=first,
        actor=tianhe_handler,
        satisfaction=2,
        occurred_at=NOW,
        note="等了太久。",
    )
    assert second.satisfaction == 2
    before = snapshot(second)
    with pytest.raises(ComplaintError, match="already recorded on 2026-04-20"):
        complaint_record_callback(
            complaint=second,
            actor=tianhe_handler,
            satisfaction=5,
            occurred_at=NOW,
            note="改口了",
        )
    assert snapshot(second) == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"note": ""}, "callback_note", A.CALLBACK_WORDS),
        (
            {"occurred_at": datetime(2026, 4, 19, 9, tzinfo=SHANGHAI)},
            "callback_at",
            A.CALLBACK_DATE,
        ),
    ],
)
def test_callback_refusals_name_the_field_and_write_nothing(
    closed: Complaint,
    tianhe_handler: Any,
    change: dict[str, Any],
    field: str,
    message: Any,
) -> None:
    before = snapshot(closed)
    values = {"satisfaction": 5, "occurred_at": NOW, "note": "很满意"}
    with pytest.raises(ComplaintError) as refused:
        complaint_record_callback(
            complaint=closed, actor=tianhe_handler, **{**values, **change}
        )
    assert refused.value.message_dict == {field: [str(message)]}
    assert snapshot(closed) == before


def test_callback_follows_closure(decided: Complaint, tianhe_handler: Any) -> None:
    with pytest.raises(ComplaintError, match="follows closure"):
        complaint_record_callback(
            complaint=decided,
            actor=tianhe_handler,
            satisfaction=5,
            occurred_at=NOW,
            note="满意",
        )


def test_callback_by_the_wrong_person(
    closed: Complaint, xihu_handler: Any, zj_viewer: Any, gd_reviewer: Any
) -> None:
    before = snapshot(closed)
    values = {"satisfaction": 5, "occurred_at": NOW, "note": "满意"}
    for outsider in (xihu_handler, zj_viewer):
        with pytest.raises(NotFound):
            complaint_record_callback(complaint=closed, actor=outsider, **values)
    with pytest.raises(PermissionDenied):
        complaint_record_callback(complaint=closed, actor=gd_reviewer, **values)
    assert snapshot(closed) == before


# --- Reminders through the outbox ------------------------------------------------
def alerts(c: Complaint) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(complaint=c, audience="staff")
    return sorted(rows.values_list("kind", "recipient__username"))


def test_the_sweep_reminds_the_handler_then_the_managers(
    closed: Complaint, tianhe_handler: Any, gz_manager: Any
) -> None:
    sweep(today=date(2026, 4, 24))
    assert alerts(closed) == []  # not due yet
    result = sweep(today=date(2026, 4, 27))
    assert result.callbacks == 1
    assert alerts(closed) == [("callback_due", tianhe_handler.username)]
    assert sweep(today=date(2026, 4, 27)).callbacks == 0  # once only
    body = Notification.objects.get(complaint=closed, kind="callback_due").body
    assert "2026-04-27" in body
    assert closed.number in body

    # Three working days late: the handler and the branch's managers.
    sweep(today=date(2026, 4, 30))
    assert alerts(closed) == sorted(
        [
            ("callback_due", tianhe_handler.username),
            ("callback_overdue", tianhe_handler.username),
            ("callback_overdue", gz_manager.username),
        ]
    )


def test_the_reminders_name_the_handler_family_name_first(
    closed: Complaint, tianhe_handler: Any
) -> None:
    tianhe_handler.last_name, tianhe_handler.first_name = "陈", "晓峰"
    tianhe_handler.save()
    sweep(today=date(2026, 4, 30))  # due and three working days late
    bodies = dict(
        Notification.objects.filter(
            complaint=closed, recipient=tianhe_handler
        ).values_list("kind", "body")
    )
    assert set(bodies) == {"callback_due", "callback_overdue"}
    for body in bodies.values():
        assert "处理人 陈晓峰）" in body
        assert tianhe_handler.username not in body


def test_no_reminder_once_the_callback_is_made(
    closed: Complaint, tianhe_handler: Any
) -> None:
    complaint_record_callback(
        complaint=closed,
        actor=tianhe_handler,
        satisfaction=5,
        occurred_at=NOW,
        note="好",
    )
    assert sweep(today=date(2026, 5, 8)).callbacks == 0
    assert alerts(closed) == []


def test_dry_run_counts_callback_reminders_without_writing(closed: Complaint) -> None:
    result = sweep(today=date(2026, 4, 27), dry_run=True)
    assert (result.callbacks, result.notifications) == (1, 1)
    assert alerts(closed) == []


# --- The doors on the case page ---------------------------------------------------
def test_the_case_page_offers_each_step_to_those_who_handle(
    client: Any, decided: Complaint, closed: Complaint, tianhe_handler: Any,
    ho_compliance: Any,
) -> None:  # fmt: skip
    client.force_login(tianhe_handler)
    page = client.get(f"/admin/complaints/complaint/{decided.pk}/change/")
    assert act_url(decided, "record_redress") in page.content.decode()
    assert act_url(decided, "record_callback") not in page.content.decode()
    page = client.get(f"/admin/complaints/complaint/{closed.pk}/change/")
    body = page.content.decode()
    assert act_url(closed, "record_redress") in body
    assert act_url(closed, "record_callback") in body
    client.force_login(ho_compliance)  # reads every case; handles none
    body = client.get(f"/admin/complaints/complaint/{closed.pk}/change/").content
    assert act_url(closed, "record_callback").encode() not in body


def test_payment_recorded_on_its_page(
    client: Any, decided: Complaint, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    response = act(
        client,
        decided,
        "record_redress",
        amount="3200.00",
        paid_on="2026-04-20",
        method=M.ORIGINAL_ROUTE,
        reference="TK0001",
    )
    assert response.status_code == 302
    c = Complaint.objects.get(pk=decided.pk)
    assert (c.redress_amount, c.redress_paid_on, c.redress_method) == (
        Decimal("3200.00"),
        date(2026, 4, 20),
        M.ORIGINAL_ROUTE,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Record redress payment: done." in page
    assert "Refund to the original payment" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"paid_on": "2026-04-21"}, "paid_on", "A day that has not come yet"),
        ({"paid_on": "2026-03-01"}, "paid_on", A.REDRESS_DATE),
        ({"amount": "0"}, "amount", "greater than or equal to 0.01"),
        ({"method": "bitcoin"}, "method", "Select a valid choice"),
    ],
)
def test_payment_errors_are_form_messages_and_nothing_is_written(
    client: Any,
    decided: Complaint,
    tianhe_handler: Any,
    data: dict[str, str],
    field: str,
    message: Any,
) -> None:
    client.force_login(tianhe_handler)
    before = snapshot(decided)
    good = {"amount": "100", "paid_on": "2026-04-20", "method": M.CASH}
    response = act(client, decided, "record_redress", **{**good, **data})
    assert response.status_code == 200
    assert any(str(message) in e for e in form_errors(response)[field])
    assert snapshot(decided) == before


def test_a_payment_by_the_wrong_person_is_refused_on_the_form(
    client: Any, decided: Complaint, ho_compliance: Any, xihu_handler: Any
) -> None:
    before = snapshot(decided)
    client.force_login(xihu_handler)
    assert client.get(act_url(decided, "record_redress")).status_code == 404
    client.force_login(ho_compliance)
    response = act(
        client,
        decided,
        "record_redress",
        amount="100",
        paid_on="2026-04-20",
        method=M.CASH,
    )
    assert response.status_code == 200
    assert form_errors(response)["__all__"] == [
        "Your role on this institution does not allow this."
    ]
    assert snapshot(decided) == before


def test_a_stale_payment_form_is_refused(
    client: Any, decided: Complaint, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(act_url(decided, "record_redress"))
    version = page.context["form"]["version"].value()
    complaint_record_redress(
        complaint=decided,
        actor=tianhe_handler,
        amount=Decimal("50"),
        paid_on=date(2026, 4, 20),
        method=M.CASH,
    )
    before = snapshot(decided)
    response = client.post(
        act_url(decided, "record_redress"),
        {"version": version, "amount": "99", "paid_on": "2026-04-20", "method": "cash"},
    )
    assert response.status_code == 200
    assert "Someone else changed this complaint" in form_errors(response)["__all__"][0]
    assert snapshot(decided) == before


def test_callback_recorded_on_its_page(
    client: Any, closed: Complaint, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(act_url(closed, "record_callback"))
    assert page.context["form"]["called_by"].value() == person_name(tianhe_handler)
    response = act(
        client,
        closed,
        "record_callback",
        occurred_at="2026-04-20T09:30",
        called_by="林晓",
        satisfaction="5",
        note="很满意，谢谢。",
    )
    assert response.status_code == 302
    c = Complaint.objects.get(pk=closed.pk)
    assert (c.satisfaction, c.callback_by, c.callback_note) == (
        5,
        "林晓",
        "很满意，谢谢。",
    )
    body = client.get(response["Location"]).content.decode()
    assert "很满意，谢谢。" in body
    assert act_url(closed, "record_callback") not in body  # done


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"note": ""}, "note", A.CALLBACK_WORDS),
        ({"occurred_at": "2026-04-20T11:00"}, "occurred_at", "has not come yet"),
        ({"occurred_at": "2026-04-19T11:00"}, "occurred_at", A.CALLBACK_DATE),
        ({"satisfaction": "9"}, "satisfaction", "Select a valid choice"),
        ({"called_by": ""}, "called_by", "This field is required."),
    ],
)
def test_callback_errors_are_form_messages_and_nothing_is_written(
    client: Any,
    closed: Complaint,
    tianhe_handler: Any,
    data: dict[str, str],
    field: str,
    message: Any,
) -> None:
    client.force_login(tianhe_handler)
    before = snapshot(closed)
    good = {
        "occurred_at": "2026-04-20T09:30",
        "called_by": "林晓",
        "satisfaction": "4",
        "note": "还行",
    }
    response = act(client, closed, "record_callback", **{**good, **data})
    assert response.status_code == 200
    assert any(str(message) in e for e in form_errors(response)[field])
    assert snapshot(closed) == before


def test_the_pages_speak_chinese(
    client: Any, closed: Complaint, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    body = client.get(act_url(closed, "record_callback"), **zh).content.decode()
    assert "记录满意度回访" in body
    assert "投诉人原话" in body
    body = client.get(act_url(closed, "record_redress"), **zh).content.decode()
    assert "记录补偿支付" in body
    with translation.override("zh-hans"):
        assert str(A.CALLBACK_WORDS).startswith("请记录投诉人")


# --- The dashboards count the records ---------------------------------------------
def test_the_dashboard_figures_come_from_the_recorded_steps(
    client: Any, closed: Complaint, tianhe_handler: Any, gd_manager: Any
) -> None:
    url = "/admin/reporting/dashboard/manager/?institution=GD&period=2026Q2"
    client.force_login(gd_manager)
    before = client.get(url).context["summary"]
    assert (before["redress_paid"], before["callbacks"]) == (0, 0)
    assert before["satisfaction_rate"] is None

    client.force_login(tianhe_handler)
    act(
        client,
        closed,
        "record_redress",
        amount="1800.50",
        paid_on="2026-04-20",
        method=M.BANK_TRANSFER,
    )
    act(
        client,
        closed,
        "record_callback",
        occurred_at="2026-04-20T09:30",
        called_by="林晓",
        satisfaction="4",
        note="满意",
    )
    client.force_login(gd_manager)
    response = client.get(url)
    summary = response.context["summary"]
    assert (summary["redress_paid"], summary["redress_amount"]) == (
        1,
        Decimal("1800.50"),
    )
    assert (summary["callbacks"], summary["satisfied"]) == (1, 1)
    assert summary["satisfaction_rate"] == Decimal("100.00")
    cards = response.content.decode()
    assert "Redress paid" in cards
    assert "¥1800.50" in cards
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已支付补偿" in zh
    assert "¥1800.50" in zh
    assert "满意度" in zh


def test_values_outside_the_lists_are_refused_by_field(
    closed: Complaint, tianhe_handler: Any
) -> None:
    before = snapshot(closed)
    with pytest.raises(ValidationError) as refused:
        complaint_record_redress(
            complaint=closed,
            actor=tianhe_handler,
            amount=Decimal("1"),
            paid_on=date(2026, 4, 20),
            method="bitcoin",
        )
    assert set(refused.value.message_dict) == {"redress_method"}
    with pytest.raises(ValidationError) as refused:
        complaint_record_callback(
            complaint=closed, actor=tianhe_handler, satisfaction=9, occurred_at=NOW,
            note="?",
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"satisfaction"}
    assert snapshot(closed) == before
