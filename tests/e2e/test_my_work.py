"""A day's work in the browser, per persona: sign in -> the landing page
(我的待办) -> act from a count -> the notification. Screenshots are saved
under the output path; assertions use ids and URLs, and the Chinese the
person reads (names, not usernames; dates YYYY-MM-DD)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from complaints.models import Complaint, StaffNotice
from complaints.services import (
    complaint_accept,
    complaint_assign,
    complaint_propose_decision,
    complaint_register,
)
from complaints.services.notices import note_add
from organisations.models import Institution
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db(transaction=True)


def named(user: Any, last: str, first: str) -> Any:
    user.last_name, user.first_name = last, first
    user.save()
    return user


def register(handler: Any, name: str, day: int) -> Complaint:
    return complaint_register(
        actor=handler,
        institution=Institution.objects.get(code="GDGZTH"),
        channel=code("channel", "hotline"),
        complainant_name=name,
        phone="13912345678",
        product_line=code("product_line", "motor"),
        category=code("category", "claims"),
        request="要求按定损金额足额赔付车损",
        facts="车辆被追尾，理赔金额比定损金额少两千元。",
        received_at=datetime(2026, 11, day, 10, 0, tzinfo=SHANGHAI),
    )


def count_of(page: Any, key: str) -> int:
    return int(page.locator(f"#count-{key} .cd-desk-n").inner_text())


def test_handler_day(
    live_server: Any,
    page: Any,
    login: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    output_path: Any,
) -> None:
    handler = named(tianhe_handler, "陈", "晓敏")
    manager = named(gz_manager, "王", "建国")
    given = complaint_accept(complaint=register(handler, "周晓梅", 20), actor=manager)
    given = complaint_assign(complaint=given, actor=manager, handler=handler)
    free = complaint_accept(complaint=register(handler, "林小雨", 21), actor=manager)

    login(handler)
    assert page.locator("h1").first.inner_text() == "我的待办"
    assert page.locator("#notices-unread").inner_text() == "1"
    assert count_of(page, "new") == 1
    assert count_of(page, "unassigned") == 1
    page.screenshot(path=f"{output_path}/my-work-handler.png", full_page=True)

    # Act from a count: the case given to me, then a note for the manager.
    page.click("#count-new a")
    page.wait_for_url(re.compile(r"/my-work/\?show=new$"))
    assert page.locator(f"#work-{given.pk}").count() == 1
    page.screenshot(path=f"{output_path}/my-work-handler-new.png", full_page=True)
    page.click(f"#work-{given.pk} a")
    page.wait_for_url(re.compile(rf"/{given.pk}/change/$"))
    assert page.locator("#notices-unread").count() == 0  # opening it read it
    page.click("#add-note")
    page.fill("#id_text", "@王建国 请看一下定损单，是否需要补充材料？")
    page.click("#perform")
    page.wait_for_url(re.compile(rf"/{given.pk}/change/#note-\d+$"))
    page.screenshot(path=f"{output_path}/case-note-handler.png", full_page=True)

    # One click to claim the case nobody has taken, from the list.
    page.goto(f"{live_server.url}/admin/complaints/complaint/")
    page.screenshot(path=f"{output_path}/list-handler.png", full_page=True)
    page.click(f"#claim-{free.pk}")
    page.wait_for_load_state()
    free.refresh_from_db()
    assert free.handler == handler
    assert "陈晓敏" in page.locator("#result_list").inner_text()
    assert "handler_tianhe" not in page.content()
    page.screenshot(path=f"{output_path}/list-handler-claimed.png", full_page=True)
    assert StaffNotice.objects.filter(recipient=manager, kind="mention").count() == 1


def test_manager_day(
    live_server: Any,
    page: Any,
    login: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    output_path: Any,
) -> None:
    handler = named(tianhe_handler, "陈", "晓敏")
    manager = named(gz_manager, "王", "建国")
    c = complaint_accept(complaint=register(handler, "周晓梅", 20), actor=handler)
    c = complaint_assign(
        complaint=c, actor=handler, handler=handler, declares_no_conflict=True
    )
    note_add(complaint=c, actor=handler, text="@王建国 定损单已补齐，请审批。")
    c = complaint_propose_decision(
        complaint=c,
        actor=handler,
        outcome=Complaint.Outcome.PARTLY,
        decision_text="部分支持：按定损金额补足差额。",
        cause=code("cause", "claim_amount"),
    )

    login(manager)
    assert page.locator("h1").first.inner_text() == "我的待办"
    labels = page.locator("#desk-mine .cd-desk-label").all_inner_texts()
    # Approvals (decisions, then requests) and returned drafts first.
    assert labels[:3] == ["待我审批", "待我审批的申请", "退回我修改"]
    assert count_of(page, "approve") == 1
    assert page.locator("#notices-unread").inner_text() == "2"
    assert page.locator("#desk-team").count() == 1
    page.screenshot(path=f"{output_path}/my-work-manager.png", full_page=True)

    # The notifications: who wrote, when, linking to the exact action.
    page.click("#notices-link")
    page.wait_for_url(re.compile(r"/staffnotice/$"))
    text = page.locator("#result_list").inner_text()
    assert "陈晓敏" in text
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    page.screenshot(path=f"{output_path}/notices-manager.png", full_page=True)

    # Act from the count: approve the decision.
    page.goto(f"{live_server.url}/admin/")
    page.click("#count-approve a")
    page.wait_for_url(re.compile(r"/my-work/\?show=approve$"))
    page.click(f"#work-{c.pk} a")
    page.wait_for_url(re.compile(rf"/{c.pk}/change/$"))
    page.click("#action-approve")
    page.wait_for_url(re.compile(r"/act/approve/$"))
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    c.refresh_from_db()
    assert c.status == Complaint.Status.DECIDED
    page.goto(f"{live_server.url}/admin/")
    assert count_of(page, "approve") == 0
    page.screenshot(path=f"{output_path}/my-work-manager-after.png", full_page=True)
