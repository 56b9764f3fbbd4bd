"""The case page's timeline: every kind of event, in order, translated, people
by name, local time to the minute; the page does not grow in queries with it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.workbench.timeline import complaint_timeline
from tests.complaints.case_file import at, full_case
from tests.prepared_sql import expanded


@pytest.fixture
def case(register: Any, persona: Any, time_machine: Any) -> Any:
    return full_case(register, persona, time_machine.move_to)


def _name(user: Any) -> str:
    return f"{user.last_name}{user.first_name}"


def test_every_kind_of_event_in_order(
    case: Any, tianhe_handler: Any, gz_manager: Any, gz_handler: Any
) -> None:
    events = complaint_timeline(case, user=tianhe_handler)
    kinds = [e.kind for e in events]
    for kind in (
        "status",
        "contact",
        "attachment",
        "task_sent",
        "pause",
        "task_answered",
        "approval",
        "extension",
        "supervision_started",
        "recusal",
        "note",
        "notice",
        "letter_sent",
    ):
        assert kind in kinds, kind
    assert [e.at for e in events] == sorted(e.at for e in events)
    shown = [(e.shown_at, e.label, e.change) for e in events]
    # Local time to the minute; a pause by its day.
    assert ("2026-03-07 08:50", "From the complainant · Phone", "") in shown
    assert any(s[0] == "2026-03-09" and "Clock paused" in s[1] for s in shown)
    # State changes translated, with the reason as recorded.
    changes = [e.change for e in events if e.change]
    assert "Registered → Accepted" in changes
    assert "Awaiting approval → Investigating" in changes  # returned for rework
    assert "Awaiting approval → Decided" in changes
    approval = next(e for e in events if e.change == "Awaiting approval → Decided")
    assert approval.actor == _name(gz_manager)
    extension = next(e for e in events if e.kind == "extension")
    assert _name(gz_manager) in extension.label
    assert extension.detail == "需补充鉴定材料"
    answered = next(e for e in events if e.kind == "task_answered")
    assert answered.actor == _name(gz_handler)
    assert answered.detail == "定损依据为4S店报价单"
    for e in events:
        assert "_" not in e.label, e.label  # no raw codes
        assert not re.search(r"\b(True|False|None)\b", f"{e.label}{e.detail}")


def test_the_case_page_shows_it_in_chinese(
    client: Any, case: Any, tianhe_handler: Any, time_machine: Any
) -> None:
    time_machine.move_to(at(18, 17))
    client.force_login(tianhe_handler)
    url = reverse("admin:complaints_complaint_change", args=[case.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "时间线" in timeline
    assert "2026-03-07 08:50" in timeline
    assert "待审批 → 调查核实中" in timeline  # returned for rework
    assert _name(tianhe_handler) in timeline
    assert "tianhe_handler" not in timeline


def test_personal_text_masked_without_the_permission(
    case: Any, make_member: Any, gd_reviewer: Any
) -> None:
    viewer = make_member("gd_viewer", "viewer", "GD")  # reads, no personal data
    contact = next(
        e for e in complaint_timeline(case, user=viewer) if e.kind == "contact"
    )
    assert contact.detail == "***"
    contact = next(
        e for e in complaint_timeline(case, user=gd_reviewer) if e.kind == "contact"
    )
    assert contact.detail == "投诉人来电补充定损单信息"


def test_the_timeline_reads_a_fixed_number_of_queries(
    client: Any,
    register: Any,
    case: Any,
    tianhe_handler: Any,
    time_machine: Any,
) -> None:
    time_machine.move_to(at(18, 17))
    bare = register(tianhe_handler)

    def timeline_queries(complaint: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            events = complaint_timeline(complaint, user=tianhe_handler)
        assert events
        return len(captured)

    # One read per source, however long the file: about forty events here.
    assert len(complaint_timeline(case, user=tianhe_handler)) > 30
    assert timeline_queries(case) == timeline_queries(bare)

    # On the page: the history and the outbox are read once, not per event.
    client.force_login(tianhe_handler)
    url = reverse("admin:complaints_complaint_change", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    sql = expanded("default", [q["sql"] for q in captured.captured_queries])
    assert sum("complaints_historicalcomplaint" in q for q in sql) == 1
    assert sum('FROM "complaints_notification"' in q for q in sql) == 1
