"""A handler reads a case in the browser: the two labelled dates, the
timeline of every event, the history in words, the keyboard shortcuts and
their help overlay (no CSP refusal: the conftest watches the console).
Screenshots go to test-results/ to be looked at."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from complaints.services import complaint_register
from tests.complaints.case_file import at, full_case
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def register(tree: Any) -> Any:
    """As tests/complaints/conftest.py registers (its fixtures are not seen here)."""

    def make(actor: Any, institution: str = "GDGZTH", **fields: Any) -> Any:
        values: dict[str, Any] = {
            "channel": code("channel", "hotline"),
            "complainant_name": "林小雨",
            "phone": "13800138000",
            "email": "lin@example.com",
            "product_line": code("product_line", "motor"),
            "category": code("category", "claims"),
            "request": "要求按合同足额赔付车损",
            "facts": "2026年3月车辆被追尾，理赔金额低于定损金额。",
            "received_at": datetime(2026, 3, 6, 10, 30, tzinfo=SHANGHAI),
            **fields,
        }
        return complaint_register(actor=actor, institution=tree[institution], **values)

    return make


@pytest.fixture
def persona(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue


def test_a_handler_reads_a_case(
    live_server: Any,
    page: Any,
    login: Any,
    register: Any,
    persona: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    gz_handler: Any,
    time_machine: Any,
    output_path: Any,
) -> None:
    out = Path(output_path)
    out.mkdir(parents=True, exist_ok=True)
    case = full_case(register, persona, time_machine.move_to)
    other = register(tianhe_handler)  # a second case to walk to
    time_machine.move_to(at(18, 17))
    admin = f"{live_server.url}/admin/complaints/complaint/"
    login(tianhe_handler)

    # --- The list: both dates, labelled; j / k choose a row; ? shows the help
    page.goto(admin)
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("法定期限")
    page.keyboard.press("j")
    expect(page.locator("tr.cd-row-chosen")).to_have_count(1)
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    expect(page.locator("#shortcuts-help")).to_contain_text("下一件投诉")
    page.screenshot(path=str(out / "list-shortcuts-help.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts-help")).to_be_hidden()
    page.screenshot(path=str(out / "list-labelled-dates.png"), full_page=True)

    # --- The case page: the summary's dates and the timeline ------------------
    page.goto(f"{admin}{case.pk}/change/")
    summary = page.locator("#complaint-summary")
    expect(summary).to_contain_text("法定期限")
    expect(summary).to_contain_text("内部时限")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("时间线")
    expect(timeline).to_contain_text("2026-03-07 08:50")
    expect(timeline).to_contain_text("投诉人来电补充定损单信息")
    expect(timeline).to_contain_text("待审批 → 已作出决定")
    expect(timeline).to_contain_text(f"{gz_manager.last_name}{gz_manager.first_name}")
    expect(timeline).not_to_contain_text("tianhe_handler")
    timeline.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "case-timeline.png"), full_page=True)

    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    page.screenshot(path=str(out / "case-shortcuts-help.png"))
    page.keyboard.press("Escape")

    # j walks the list's order from the case page; n opens the note form.
    page.goto(admin)
    page.goto(f"{admin}{other.pk}/change/")
    page.keyboard.press("j")
    page.wait_for_url(f"**/complaint/{case.pk}/change/**")
    page.keyboard.press("n")
    page.wait_for_url("**/note/**")
    page.screenshot(path=str(out / "case-add-note.png"), full_page=True)

    # --- The history page in words ---------------------------------------------
    page.goto(f"{admin}{case.pk}/history/")
    history = page.locator("#change-history")
    expect(history).to_contain_text("变更内容")
    expect(history).not_to_contain_text("pk=None")
    expect(history).not_to_contain_text("awaiting_approval")
    page.screenshot(path=str(out / "case-history.png"), full_page=True)

    # --- A missing page inside the admin's frame --------------------------------
    page.goto(f"{admin}999999/change/")
    expect(page.locator("#content")).to_contain_text("页面不存在")
    page.screenshot(path=str(out / "not-found.png"), full_page=True)
