"""An approval in the browser: a handler requests a second extension on the
case page (no approver is chosen there), the head-office senior manager finds
it in their queue (待我审批) and approves it with a note; the deadline moves.
Screenshots go to test-results/ to be looked at: Chinese, names, dates."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints import services
from complaints.models import ApprovalRequest, Code, Complaint, Extension
from organisations.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)


def code(kind: str, value: str) -> Code:
    return Code.objects.get(kind=kind, code=value)


def test_second_extension_requested_then_approved_at_head_office(
    live_server: Any,
    page: Any,
    login: Any,
    make_member: Any,
    tree: Any,
    output_path: Any,
) -> None:
    out = Path(output_path)
    out.mkdir(parents=True, exist_ok=True)
    handler = make_member(
        "handler_wang",
        Membership.Role.HANDLER,
        "GDGZTH",
        first_name="晓明",
        last_name="王",
    )
    manager = make_member(
        "manager_chen", Membership.Role.MANAGER, "GDGZ", first_name="静", last_name="陈"
    )
    senior = make_member(
        "senior_zhao",
        Membership.Role.SENIOR_MANAGER,
        "HO",
        first_name="国强",
        last_name="赵",
    )
    c = services.complaint_register(
        actor=handler,
        institution=tree["GDGZTH"],
        channel=code("channel", "hotline"),
        complainant_name="林小雨",
        phone="13800138000",
        email="lin@example.com",
        product_line=code("product_line", "motor"),
        category=code("category", "claims"),
        request="要求按定损金额足额赔付车损。",
        facts="车辆被追尾，理赔金额比定损金额少两千元。",
        received_at=timezone.now() - timedelta(days=10),
    )
    c = services.complaint_accept(complaint=c, actor=handler)
    c = services.complaint_assign(
        complaint=c, actor=handler, handler=handler, declares_no_conflict=True
    )
    services.approval_decide(
        request=services.complaint_extend(
            complaint=c, actor=handler, level=1, reason="案情复杂，需调取理赔档案"
        ),
        actor=manager,
        approve=True,
        note="同意延期",
    )
    c.refresh_from_db()
    thirty_day_due = c.legal_due
    admin = f"{live_server.url}/admin/complaints/"

    # --- The handler asks for the second extension ----------------------------------
    login(handler)
    page.goto(f"{admin}complaint/{c.pk}/change/")
    page.click("#action-extend")
    page.select_option("#id_level", "2")
    page.fill("#id_reason", "需等待司法鉴定机构出具伤残鉴定意见，案情特别复杂")
    expect(page.locator("#id_approver")).to_have_count(0)  # nobody is chosen
    page.screenshot(path=str(out / "approval-1-request.png"), full_page=True)
    page.click("#perform")
    expect(page.locator(".messagelist")).to_contain_text(
        "上级机构负责人或总公司高级管理人员"
    )
    page.screenshot(path=str(out / "approval-2-filed.png"), full_page=True)
    req = ApprovalRequest.objects.get(complaint=c, kind="extension_2")
    assert Complaint.objects.get(pk=c.pk).legal_due == thirty_day_due

    # --- The senior manager at head office finds it and approves ----------------------
    page.context.clear_cookies()
    login(senior)
    page.goto(f"{admin}approvalrequest/")
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(c.number)
    expect(row).to_contain_text("王晓明")
    expect(row).to_contain_text(thirty_day_due.isoformat())
    page.screenshot(path=str(out / "approval-3-queue.png"), full_page=True)
    row.locator("a").first.click()
    expect(page.locator("#request-requester")).to_contain_text("王晓明")
    expect(page.locator("#request-kind")).to_contain_text("再次延期")
    page.fill("#id_note", "同意再延长三十日，请按期告知投诉人")
    page.screenshot(path=str(out / "approval-4-decide.png"), full_page=True)
    page.click("#approve")
    expect(page.locator(".messagelist")).to_contain_text("已批准")

    c.refresh_from_db()
    ext = Extension.objects.get(complaint=c, level=2)
    assert (ext.requested_by, ext.approved_by) == (handler, senior)
    assert c.legal_due == ext.new_due > thirty_day_due
    page.goto(f"{admin}approvalrequest/{req.pk}/change/")
    expect(page.locator("#request-decider")).to_contain_text("赵国强")
    page.screenshot(path=str(out / "approval-5-approved.png"), full_page=True)
    page.goto(f"{admin}complaint/{c.pk}/change/")
    expect(page.locator("body")).to_contain_text(ext.new_due.isoformat())
    page.screenshot(path=str(out / "approval-6-case-page.png"), full_page=True)
