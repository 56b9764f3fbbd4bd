"""After the case, in the browser: the handler records the redress payment and
the satisfaction callback (回访) from the case page, a missing answer is shown
on the form, the stored letters open as sent (the decision's PDF downloads),
and the manager's dashboard counts both. Assertions use ids,
URLs and stored values; the screenshots are read by a person."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from complaints.models import Complaint, Letter
from tests.complaints.conftest import at as at  # noqa: F401
from tests.complaints.conftest import persona as persona  # noqa: F401
from tests.complaints.conftest import register as register  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
S = Complaint.Status


def test_payment_and_callback_from_the_case_page(
    live_server: Any,
    page: Any,
    login: Any,
    at: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    output_path: Any,
) -> None:
    c = at(S.CLOSED)  # decided, notified and closed through the services
    today = timezone.localdate().isoformat()
    case_url = f"{live_server.url}/admin/complaints/complaint/{c.pk}/change/"

    login(tianhe_handler)
    page.goto(case_url)
    assert page.locator("#action-record_redress").count() == 1
    assert page.locator("#action-record_callback").count() == 1
    page.screenshot(path=f"{output_path}/case-closed.png", full_page=True)

    # --- The payment ------------------------------------------------------------
    page.click("#action-record_redress")
    page.wait_for_url(re.compile(r"/act/record_redress/$"))
    page.fill("#id_amount", "2350.00")
    page.fill("#id_paid_on", today)
    page.select_option("#id_method", "bank_transfer")
    page.fill("#id_reference", "ZZ20261203-0001")
    page.screenshot(path=f"{output_path}/record-redress.png", full_page=True)
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    c.refresh_from_db()
    assert (c.redress_amount, c.redress_method, c.redress_reference) == (
        Decimal("2350.00"),
        "bank_transfer",
        "ZZ20261203-0001",
    )

    # --- The callback: the words are asked for, then recorded ---------------------
    page.click("#action-record_callback")
    page.wait_for_url(re.compile(r"/act/record_callback/$"))
    assert page.input_value("#id_called_by")  # the handler's own name
    page.select_option("#id_satisfaction", "4")
    page.click("#perform")
    page.wait_for_selector(".field-note .errorlist")
    page.screenshot(path=f"{output_path}/record-callback-error.png", full_page=True)
    assert Complaint.objects.get(pk=c.pk).callback_at is None
    page.fill("#id_note", "赔款已经到账，处理还算及时，希望定损再快一些。")
    page.screenshot(path=f"{output_path}/record-callback.png", full_page=True)
    page.click("#perform")
    page.wait_for_url(re.compile(r"/change/$"))
    c.refresh_from_db()
    assert c.satisfaction == 4
    assert c.callback_note == "赔款已经到账，处理还算及时，希望定损再快一些。"
    assert page.locator("#action-record_callback").count() == 0  # done
    assert "赔款已经到账" in page.content()
    page.screenshot(path=f"{output_path}/case-after-callback.png", full_page=True)

    # --- The stored letters open from the case page, as sent ----------------------
    letters = list(Letter.objects.filter(complaint=c).order_by("sequence"))
    assert [x.kind for x in letters][:2] == ["acceptance", "decision"]
    for letter in letters:
        with page.expect_popup() as popup:
            page.click(f"#letter-{letter.pk}")
        shown = popup.value
        shown.wait_for_load_state()
        assert shown.locator("h1").inner_text() == letter.title
        text = shown.locator("#letter").inner_text()
        assert letter.dated_on.strftime("%Y") in text
        shown.screenshot(
            path=f"{output_path}/letter-{letter.sequence}-{letter.kind}.png",
            full_page=True,
        )
        if letter.kind == "decision":
            with shown.expect_download() as download:
                shown.click("#letter-pdf")
            saved = f"{output_path}/letter-decision.pdf"
            download.value.save_as(saved)
            with open(saved, "rb") as pdf:
                assert pdf.read(4) == b"%PDF"
        shown.close()

    # --- The manager's dashboard counts both ---------------------------------------
    page.context.clear_cookies()
    login(gz_manager)
    quarter = f"{today[:4]}Q{(int(today[5:7]) - 1) // 3 + 1}"
    page.goto(
        f"{live_server.url}/admin/reporting/dashboard/manager/"
        f"?institution=GDGZ&period={quarter}"
    )
    cards = page.locator(".rpt-card").all_inner_texts()
    assert any("2350.00" in card for card in cards), cards
    page.screenshot(path=f"{output_path}/dashboard-redress-satisfaction.png")
