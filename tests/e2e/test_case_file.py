"""The case file in the browser: the letters as sent opened from the case page
(and their PDF), a reply template inserted into the draft decision, a task
answered and a supervision (督办) seen on the handler's desk. Screenshots go to
test-results/ to be looked at: Chinese text, no empty boxes."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints import services
from complaints.models import Code, Complaint, Letter
from organisations.models import Department, Membership
from organisations.services import department_save, department_set_members
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def code(kind: str, value: str) -> Code:
    return Code.objects.get(kind=kind, code=value)


def glyphs_render(page: Any, text: str) -> bool:
    """Whether `text` draws as real characters in the page's font: a missing
    glyph draws the same empty box ("tofu") for every character, so two
    different characters drawn alike mean the font lacks them."""
    return bool(
        page.evaluate(
            """(text) => {
              const font = "40px " + getComputedStyle(document.body).fontFamily;
              const draw = (ch) => {
                const canvas = document.createElement("canvas");
                canvas.width = canvas.height = 48;
                const c = canvas.getContext("2d");
                c.font = font;
                c.fillText(ch, 2, 40);
                return canvas.toDataURL();
              };
              const chars = [...new Set(text)];
              return new Set(chars.map(draw)).size === chars.length;
            }""",
            text,
        )
    )


def test_letters_templates_tasks_and_supervision(
    live_server: Any,
    page: Any,
    login: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    ho_compliance: Any,
    tree: Any,
    output_path: Any,
) -> None:
    out = Path(output_path)
    out.mkdir(parents=True, exist_ok=True)
    admin = f"{live_server.url}/admin/complaints/complaint/"

    # --- A complaint with letters on file ------------------------------------------
    c = services.complaint_register(
        actor=tianhe_handler,
        institution=tree["GDGZTH"],
        channel=code("channel", "hotline"),
        complainant_name="林小雨",
        phone="13800138000",
        email="lin@example.com",
        product_line=code("product_line", "motor"),
        category=code("category", "claims"),
        request="要求按定损金额足额赔付车损。",
        facts="车辆被追尾，理赔金额比定损金额少两千元。",
        received_at=timezone.now() - timedelta(days=3),
    )
    c = services.complaint_accept(complaint=c, actor=tianhe_handler)
    c = services.complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    services.approval_decide(
        request=services.complaint_extend(
            complaint=c,
            actor=tianhe_handler,
            level=1,
            reason="案情复杂，需调取理赔档案。",
        ),
        actor=gz_manager,
        approve=True,
        note="同意延期",
    )
    services.reply_template_save(
        actor=ho_compliance,
        institution=tree["HO"],
        name="理赔金额争议·部分支持",
        use="decision",
        outcome="partly",
        body="{投诉人}：经核实，本公司按定损金额向您补足差额人民币{补偿金额}元。\n{救济途径}",
    )
    clerk = UserFactory(username="claims_clerk", first_name="立", last_name="赵")
    claims = department_save(
        department=Department(institution=tree["GDGZ"], name="理赔部")
    )
    department_set_members(department=claims, members=[clerk])

    # --- The case page lists the letters; each opens as stored -------------------
    login(tianhe_handler)
    page.goto(f"{admin}{c.pk}/change/")
    letters = list(Letter.objects.filter(complaint=c).order_by("sequence"))
    assert [x.kind for x in letters] == ["acceptance", "extension"]
    for letter in letters:
        assert page.locator(f"#letter-{letter.pk}").count() == 1
    page.screenshot(path=str(out / "case-page-letters.png"), full_page=True)

    for letter in letters:
        with page.expect_popup() as popup:
            page.click(f"#letter-{letter.pk}")
        shown = popup.value
        shown.wait_for_load_state()
        heading = shown.locator("h1").inner_text()
        assert heading == letter.title
        assert glyphs_render(shown, heading)
        assert "林小雨" in shown.locator("#letter").inner_text()
        if letter.kind == "extension":
            body = shown.locator("#letter").inner_text()
            assert "因案情复杂，需调取理赔档案，经批准" in body
            assert "。，" not in body
        shown.screenshot(path=str(out / f"letter-{letter.kind}.png"), full_page=True)
        with shown.expect_download() as download:
            shown.click("#letter-pdf")
        saved = out / f"letter-{letter.kind}.pdf"
        download.value.save_as(str(saved))
        assert saved.read_bytes().startswith(b"%PDF")
        shown.close()

    # --- A task to the claims department, answered by its clerk -----------------
    page.click("#casework-task")
    page.wait_for_url(re.compile(r"/casework/task/$"))
    page.select_option("#id_department", str(claims.pk))
    page.fill("#id_question", "请提供本案定损单及核损意见。")
    page.screenshot(path=str(out / "task-send.png"), full_page=True)
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    assert page.locator("#open-tasks").count() == 1
    task = c.tasks.get()

    page.context.clear_cookies()
    login(clerk)
    page.goto(f"{admin}my-work/")
    assert page.locator(f"#task-{task.pk}").count() == 1
    page.screenshot(path=str(out / "my-work-claims-clerk.png"), full_page=True)
    page.click(f"#task-{task.pk} a")
    page.fill("#id_answer", "定损单已上传，核损金额为8600元。")
    page.click("#answer")
    page.wait_for_selector("#task-answer")
    page.screenshot(path=str(out / "task-answered.png"), full_page=True)

    # --- The manager supervises; the handler sees it on the desk -----------------
    page.context.clear_cookies()
    login(gz_manager)
    page.goto(f"{admin}{c.pk}/change/")
    page.click("#casework-supervise")
    page.fill("#id_instruction", "三日内联系投诉人并提出处理方案。")
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    assert page.locator("#supervision").count() == 1

    page.context.clear_cookies()
    login(tianhe_handler)
    page.goto(f"{admin}my-work/")
    assert "三日内联系投诉人并提出处理方案" in page.locator("#supervised").inner_text()
    page.screenshot(path=str(out / "my-work-supervised.png"), full_page=True)

    # --- A template fills the draft decision ---------------------------------------
    page.goto(f"{admin}{c.pk}/change/")
    assert "定损单已上传" in page.content()  # the answer is in the case file
    page.screenshot(path=str(out / "case-page-casework.png"), full_page=True)
    page.click("#action-propose_decision")
    page.select_option("#id_outcome", "partly")
    page.select_option("#id_cause", str(code("cause", "claim_amount").pk))
    page.fill("#id_redress_amount", "2350")
    option = page.locator("#reply-template option", has_text="理赔金额争议")
    page.select_option("#reply-template", option.get_attribute("value"))
    expect(page.locator("#id_decision_text")).to_have_value(re.compile("林小雨"))
    text = page.input_value("#id_decision_text")
    assert text.startswith(
        "林小雨：经核实，本公司按定损金额向您补足差额人民币2350.00元。"
    )
    assert "广州中心支公司申请核查" in text
    page.screenshot(path=str(out / "draft-decision-template.png"), full_page=True)
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    c.refresh_from_db()
    assert c.status == Complaint.Status.AWAITING_APPROVAL
    assert c.redress_amount == Decimal("2350")
    assert c.decision_text.startswith("林小雨：经核实")
    assert Membership.objects.filter(user=clerk).count() == 0  # no role needed
