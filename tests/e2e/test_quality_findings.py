"""Quality sampling in the browser: a compliance officer (not a superuser)
draws a sample, records a finding on the sample's page, scores a case item by
item on its own page, and sees the average on the compliance dashboard.
Assertions use ids and stored values; the screenshots are read by a person."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from complaints.models import Complaint
from organisations.models import Institution, Membership
from reporting.models import QualityCheck, QualitySample
from tests.complaints.conftest import at as at  # noqa: F401
from tests.complaints.conftest import persona as persona  # noqa: F401
from tests.complaints.conftest import register as register  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
S = Complaint.Status


def test_compliance_scores_a_sampled_case(
    live_server: Any,
    page: Any,
    login: Any,
    at: Any,
    make_member: Any,
    output_path: Any,
) -> None:
    closed = at(S.CLOSED)
    officer = make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")
    assert not officer.is_superuser
    today = timezone.localdate()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    base = f"{live_server.url}/admin/reporting"

    login(officer)
    page.goto(f"{base}/qualitysample/add/")
    page.select_option("#id_institution", str(Institution.objects.get(code="GD").pk))
    page.fill("#id_period", quarter)
    page.fill("#id_size", "5")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/qualitysample/$"))
    sample = QualitySample.objects.get()
    check = QualityCheck.objects.get(sample=sample)
    assert check.complaint_id == closed.pk

    # --- The finding on the sample's page: issues without a rule is refused ------
    page.goto(f"{base}/qualitysample/{sample.pk}/change/")
    page.select_option("#id_checks-0-result", "issues")
    page.click("input[name=_save]")
    page.wait_for_selector(".field-rule .errorlist, td.field-rule ul.errorlist")
    page.screenshot(path=f"{output_path}/sample-rule-missing.png", full_page=True)
    check.refresh_from_db()
    assert check.result == QualityCheck.Result.PENDING

    # --- A score per checklist item on the case's own page -----------------------
    page.goto(f"{base}/qualitysample/{sample.pk}/change/")
    page.click(f"#score-{check.pk}")
    page.wait_for_url(re.compile(rf"/qualitycheck/{check.pk}/change/$"))
    page.select_option("#id_score_C7", "5")
    page.select_option("#id_score_C9", "3")
    page.select_option("#id_score_C10", "4")
    page.fill("#id_note", "决定书未充分说明不支持部分的理由。")
    page.screenshot(path=f"{output_path}/score-page.png", full_page=True)
    page.click("#save-scores")
    page.wait_for_url(re.compile(rf"/qualitysample/{sample.pk}/change/$"))
    check.refresh_from_db()
    assert (check.result, check.rule) == (QualityCheck.Result.ISSUES, "C9")
    assert page.locator(f"#score-{check.pk}").inner_text().startswith("4.0 / 5")
    page.screenshot(path=f"{output_path}/sample-after-scoring.png", full_page=True)

    # --- The compliance dashboard averages the scores ------------------------------
    page.goto(f"{base}/dashboard/compliance/?institution=GD&period={quarter}")
    assert page.locator("#quality-score-avg").inner_text() == "4.0"
    rows = page.locator("#quality-scores tbody tr").all_inner_texts()
    assert len(rows) == 3, rows
    page.locator("#quality-scores").scroll_into_view_if_needed()
    page.screenshot(path=f"{output_path}/dashboard-quality.png", full_page=True)
