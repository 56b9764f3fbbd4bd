"""Issue 14 points 5-6 through the intake doors (API, mail): time is evidence,
new facts restart the limit whichever way they arrive, and a withdrawn or
archived case takes nothing more. Each refusal leaves nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from complaints import services as svc
from complaints.models import Complaint, Correspondence
from tests.complaints.conftest import persona as persona  # noqa: F401
from tests.complaints.test_people_and_time import trace
from tests.complaints.test_services_transitions import CALLS
from tests.intake.conftest import complaint_url, payload
from tests.intake.test_fetch_mail import (
    SENT,
    fetch,
    first_complaint,
    message,
)
from tests.intake.test_fetch_mail import mailbox as mailbox  # noqa: F401

pytestmark = pytest.mark.django_db
S = Complaint.Status


def _walk(number: str, persona: Any, *steps: str) -> Complaint:
    c = Complaint.objects.get(number=number)
    for step in steps:
        c = CALLS[step](c, persona("tianhe_handler"))
    return c


def test_api_new_facts_restart_the_limit_from_their_own_day(
    website: Any, registered: dict[str, Any], persona: Any
) -> None:
    c = _walk(registered["number"], persona, "accept")
    sent = timezone.now() + timedelta(days=2)
    with time_machine.travel(sent + timedelta(days=1)):  # recorded a day later
        response = website.post(
            complaint_url(c.number, "correspondence/"),
            {
                "summary": "新的定损报告",
                "occurred_at": sent.isoformat(),
                "new_facts": True,
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    c.refresh_from_db()
    assert c.clock_start == timezone.localdate(sent)
    assert Correspondence.objects.get(complaint=c).new_facts


@pytest.mark.parametrize("status", ["withdrawn", "archived"])
def test_api_adds_nothing_to_a_withdrawn_or_archived_case(
    website: Any, registered: dict[str, Any], persona: Any, status: str
) -> None:
    c = Complaint.objects.get(number=registered["number"])
    h = persona("tianhe_handler")
    c = svc.complaint_withdraw(
        complaint=c, actor=h, received_on=timezone.localdate(), note="撤回"
    )
    if status == "archived":
        c = svc.complaint_archive(complaint=c, actor=h)
    before = trace(c)
    response = website.post(
        complaint_url(c.number, "correspondence/"),
        {"summary": "还有话说"},
        format="json",
    )
    assert response.status_code in (400, 403, 409), response.content
    text = response.content.decode()
    assert "archive" in text or "withdrew" in text
    assert trace(c) == before


@pytest.mark.parametrize("status", ["withdrawn", "archived"])
def test_api_attaches_nothing_to_a_withdrawn_or_archived_case(
    website: Any, registered: dict[str, Any], persona: Any, status: str
) -> None:
    """The attachment door too: the case file is frozen after archive, and
    after a withdrawal only archiving remains (issue 14 points 5-6)."""
    from tests.intake.test_api_scope import _pdf

    c = Complaint.objects.get(number=registered["number"])
    h = persona("tianhe_handler")
    c = svc.complaint_withdraw(
        complaint=c, actor=h, received_on=timezone.localdate(), note="撤回"
    )
    if status == "archived":
        c = svc.complaint_archive(complaint=c, actor=h)
    before = trace(c)
    response = website.post(
        complaint_url(c.number, "attachments/"),
        {"file": _pdf(), "kind": "evidence"},
        format="multipart",
    )
    assert response.status_code in (400, 403, 409), response.content
    text = response.content.decode()
    assert "archive" in text or "withdrew" in text
    assert trace(c) == before


def test_api_never_records_a_future_time(
    website: Any, registered: dict[str, Any], persona: Any
) -> None:
    c = _walk(registered["number"], persona, "accept")
    before = trace(c)
    future = timezone.now() + timedelta(days=120)
    response = website.post(
        complaint_url(c.number, "correspondence/"),
        {"summary": "补充", "occurred_at": future.isoformat(), "new_facts": True},
        format="json",
    )
    assert response.status_code == 400
    assert trace(c) == before
    response = website.post(
        "/api/v1/complaints/",
        {
            **payload(),
            "received_at": future.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize("status", ["withdrawn", "archived"])
def test_mail_to_an_ended_case_opens_a_new_one(
    mailbox: Any, persona: Any, status: str
) -> None:
    mailbox.deliver(first_complaint())
    fetch(mailbox)
    c = Complaint.objects.get()
    h = persona("tianhe_handler")
    c = svc.complaint_withdraw(
        complaint=c, actor=h, received_on=date(2026, 3, 6), note="撤回"
    )
    if status == "archived":
        c = svc.complaint_archive(complaint=c, actor=h)
    before = trace(c)
    mailbox.deliver(
        message(
            subject=f"Re: {c.number}",
            body="我又想投诉了。",
            message_id="<again@mail.example.com>",
            in_reply_to="<first-complaint.20260306@mail.example.com>",
        )
    )
    assert "1 registered, 0 threaded" in fetch(mailbox)
    assert trace(c) == before
    assert Complaint.objects.count() == 2


def test_mail_marked_as_new_facts_restarts_from_the_day_it_came(
    mailbox: Any, persona: Any
) -> None:
    mailbox.deliver(first_complaint())
    fetch(mailbox)
    c = _walk(Complaint.objects.get().number, persona, "accept")
    raw = message(
        subject=f"补充材料 {c.number}",
        body="新的事实：维修厂出具了新的报价。",
        message_id="<facts@mail.example.com>",
    )
    later = SENT + timedelta(days=5)  # sent on 2026-03-11
    mailbox.deliver(
        raw.replace(format_datetime(SENT).encode(), format_datetime(later).encode())
    )
    fetch(mailbox)
    entry = c.correspondence.get(summary__contains="新的事实")
    svc.correspondence_mark_new_facts(
        complaint=c, actor=persona("tianhe_handler"), entry=entry
    )
    c.refresh_from_db()
    # From the day the message came, not the day it was marked.
    assert c.clock_start == date(2026, 3, 11)
