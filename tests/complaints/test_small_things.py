"""Small things a person sees every day: outbox kinds by name, the missing
calendar drawn as a problem, dates and times in one format whatever the
browser's language, keyboard shortcuts with their help on the case page and
the list."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.urls import reverse

from complaints.messaging.notice_kinds import KIND_LABELS, kind_label
from complaints.models import Complaint, Notification
from complaints.services import complaint_accept
from tests.complaints.conftest import SHANGHAI

OUTBOX = reverse("admin:complaints_notification_changelist")


@pytest.mark.parametrize(
    ("language", "label"), [("zh-hans", "受理告知书"), ("en", "Acceptance notice")]
)
def test_the_outbox_names_each_kind(
    client: Any,
    register: Any,
    tianhe_handler: Any,
    admin_user: Any,
    language: str,
    label: str,
) -> None:
    complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    assert Notification.objects.filter(kind="acceptance").exists()
    client.force_login(admin_user)
    page = client.get(OUTBOX, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    rows = page[page.index('id="result_list"') :]
    assert label in rows
    assert ">acceptance<" not in rows
    assert "kind=acceptance" in page  # the filter offers it by name
    assert f">{label}<" in page[page.index('id="changelist-filter"') :]


def test_every_kind_written_has_a_label() -> None:
    notices = {
        "acceptance", "extension", "pause", "resume", "decision", "decline",
        "review_received", "review_decision", "mediation", "routed", "withdrawal",
        "due_soon", "overdue", "callback_due", "callback_overdue", "supervised",
        "task_sent", "task_answered", "task_overdue", "approval_requested",
        "approval_decided",
    }  # fmt: skip
    assert notices <= set(KIND_LABELS)
    assert kind_label("staff_assigned") == "Case assigned to you"
    assert kind_label("something_new") == "Other notice"  # never the code


def test_the_missing_calendar_is_drawn_as_a_problem(
    client: Any, register: Any, tianhe_handler: Any, time_machine: Any
) -> None:
    # Received late in 2026: the limit runs into 2027, whose calendar is not loaded.
    time_machine.move_to(datetime(2026, 12, 29, 9, 0, tzinfo=SHANGHAI))
    c = register(
        tianhe_handler, received_at=datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI)
    )
    assert c.due_provisional
    client.force_login(tianhe_handler)
    url = reverse("admin:complaints_complaint_change", args=[c.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    field = page[page.index("field-calendar_missing") :][:1500]
    assert "cd-provisional" in field
    assert "缺少工作日历" in field or "日历缺失" in field
    assert "icon-yes" not in field  # never a green tick


def test_dates_and_times_in_one_format_whatever_the_browser(
    client: Any, register: Any, tianhe_handler: Any
) -> None:
    c = complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    client.force_login(tianhe_handler)
    pages = [
        reverse("admin:complaints_complaint_add"),
        reverse("admin:complaints_complaint_act", args=[c.pk, "correspondence"]),
        reverse("admin:complaints_complaint_act", args=[c.pk, "withdraw"]),
    ]
    for url in pages:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
        assert 'type="date"' not in page, url
        assert 'type="datetime-local"' not in page, url
        assert re.search(r'placeholder="YYYY-MM-DD( HH:MM)?"', page), url
    add = client.get(pages[0]).content.decode()
    # The time received, as stored, in 24-hour time: no AM/PM, no "T".
    received = re.search(r'name="received_at"[^>]*value="([^"]+)"', add)
    assert received is not None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", received.group(1))


def test_shortcuts_and_their_help_on_the_case_page_and_the_list(
    client: Any, register: Any, tianhe_handler: Any
) -> None:
    c: Complaint = register(tianhe_handler)
    client.force_login(tianhe_handler)
    for url in (
        reverse("admin:complaints_complaint_changelist"),
        reverse("admin:complaints_complaint_change", args=[c.pk]),
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "complaints/shortcuts.js" in page
        assert 'id="shortcuts-help"' in page
        assert "键盘快捷键" in page
        assert "<script>" not in page  # CSP: no inline script
