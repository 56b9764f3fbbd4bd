"""A complaint taken from registration to its decision notice in the browser:
the handler registers (seeing a possible duplicate first), accepts, takes the
case and drafts the decision; the manager approves; the handler records the
notice. Assertions use ids, URLs and status values, not translated labels."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from complaints.models import Code, Complaint
from complaints.services import complaint_register
from organisations.models import Institution
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db(transaction=True)
S = Complaint.Status


def code_pk(kind: str, value: str) -> str:
    return str(Code.objects.get(kind=kind, code=value).pk)


def status_on_page(page: Any) -> str:
    return page.locator("#complaint-status").get_attribute("data-status")


def perform(page: Any, action: str) -> None:
    """Open an action page from the change form's button and submit it."""
    page.click(f"#action-{action}")
    page.wait_for_url(re.compile(rf"/act/{action}/$"))
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))


def switch_user(page: Any, login: Any, user: Any) -> None:
    page.context.clear_cookies()
    login(user)


def test_complaint_from_registration_to_notice(
    live_server: Any,
    page: Any,
    login: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    output_path: Any,
) -> None:
    tianhe = Institution.objects.get(code="GDGZTH")
    earlier = complaint_register(
        actor=tianhe_handler,
        institution=tianhe,
        channel=Code.objects.get(kind="channel", code="wechat"),
        complainant_name="周晓梅",
        phone="13912345678",
        product_line=Code.objects.get(kind="product_line", code="motor"),
        category=Code.objects.get(kind="category", code="claims"),
        request="咨询理赔进度",
        facts="理赔迟迟未到账。",
        received_at=datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI),
    )
    admin = f"{live_server.url}/admin/complaints/complaint/"

    # --- The handler registers; the possible duplicate shows first ----------
    login(tianhe_handler)
    page.goto(f"{admin}add/")
    page.select_option("#id_institution", str(tianhe.pk))
    page.select_option("#id_channel", code_pk("channel", "hotline"))
    page.fill("#id_complainant_name", "周晓梅")
    page.fill("#id_id_number", "440106198808083454")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_policy_number", "PDAA202644010000009876")
    page.select_option("#id_product_line", code_pk("product_line", "motor"))
    page.select_option("#id_category", code_pk("category", "claims"))
    page.fill("#id_request", "要求按定损金额足额赔付车损。")
    page.fill("#id_facts", "车辆被追尾，理赔金额比定损金额少两千元。")
    page.click("input[name=_register]")
    page.wait_for_selector("#possible-duplicates")
    assert earlier.number in page.locator("#possible-duplicates").inner_text()
    assert Complaint.objects.count() == 1
    page.screenshot(path=f"{output_path}/register-duplicates.png", full_page=True)
    page.click("input[name=_register_anyway]")
    page.wait_for_url(re.compile(r"/change/$"))
    c = Complaint.objects.exclude(pk=earlier.pk).get()
    assert page.url.endswith(f"/{c.pk}/change/")
    assert status_on_page(page) == S.REGISTERED
    assert c.registered_by == tianhe_handler
    assert c.due_on is not None
    page.screenshot(path=f"{output_path}/change-form-registered.png", full_page=True)

    # --- Accept, take the case, draft the decision ---------------------------
    perform(page, "accept")
    assert status_on_page(page) == S.ACCEPTED
    # The handler is offered as the default and declares no conflict (回避).
    page.click("#action-assign")
    page.wait_for_url(re.compile(r"/act/assign/$"))
    page.check("#id_declares_no_conflict")
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    assert status_on_page(page) == S.INVESTIGATING
    page.goto(f"{admin}my-work/")
    assert page.locator(f"#work-{c.pk}").count() == 1
    assert page.locator(f"#work-{earlier.pk}").count() == 1  # nobody took it yet
    page.screenshot(path=f"{output_path}/my-work-handler.png", full_page=True)
    page.goto(f"{admin}{c.pk}/change/")
    page.click("#action-propose_decision")
    page.select_option("#id_outcome", "partly")
    page.select_option("#id_cause", code_pk("cause", "claim_amount"))
    page.fill("#id_decision_text", "按定损金额补足差额2000元，其余请求不予支持。")
    page.fill("#id_redress_amount", "2000")
    page.screenshot(path=f"{output_path}/action-propose-decision.png", full_page=True)
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    assert status_on_page(page) == S.AWAITING_APPROVAL
    assert page.locator("#action-approve").count() == 0  # never the drafter's

    # --- The manager approves -------------------------------------------------------
    switch_user(page, login, gz_manager)
    page.goto(f"{admin}my-work/")
    assert page.locator(f"#work-{c.pk}").count() == 1
    page.screenshot(path=f"{output_path}/my-work-manager.png", full_page=True)
    page.click(f"#work-{c.pk} a")
    page.wait_for_url(re.compile(rf"/{c.pk}/change/$"))
    perform(page, "approve")
    assert status_on_page(page) == S.DECIDED

    # --- The handler records the notice ---------------------------------------------
    switch_user(page, login, tianhe_handler)
    page.goto(f"{admin}{c.pk}/change/")
    page.click("#action-notify")
    page.select_option("#id_method", "phone")
    page.fill("#id_summary", "电话告知处理决定及核查、调解、仲裁、诉讼途径。")
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    assert status_on_page(page) == S.NOTIFIED
    page.screenshot(path=f"{output_path}/change-form-notified.png", full_page=True)

    c.refresh_from_db()
    assert c.status == S.NOTIFIED
    history = list(c.history.order_by("history_id"))
    assert [h.status for h in history] == [
        "registered",
        "accepted",
        "investigating",
        "awaiting_approval",
        "decided",
        "notified",
    ]
    actors = [h.history_user for h in history]
    assert actors == [tianhe_handler] * 4 + [gz_manager, tianhe_handler]
    assert c.correspondence.filter(is_notice=True).count() == 1

    # --- The printable decision letter and the lists --------------------------------
    decision = c.letters.get(kind="decision")  # stored when the notice was recorded
    with page.expect_popup() as popup:
        page.click(f"#letter-{decision.pk}")
    letter = popup.value
    letter.wait_for_load_state()
    assert letter.locator("#route-review").count() == 1
    letter.screenshot(path=f"{output_path}/decision-letter.png", full_page=True)
    letter.close()

    page.goto(admin)
    assert page.locator("#result_list tbody tr").count() == 2
    page.screenshot(path=f"{output_path}/changelist-handler.png", full_page=True)
