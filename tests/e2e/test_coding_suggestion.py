"""The registration form's coding suggestion in the browser (issue 18 point
3): the handler types the request and facts, asks for a suggestion, sees the
code with the words that drove it, and presses 采用; only then is the form's
category set. Nothing is registered until the form is submitted."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from complaints.models import Code, Complaint
from sampledata.texts import TEMPLATES
from tests.complaints.conftest import register as register  # noqa: F401
from tests.insight.cases import closed_cases, fill

pytestmark = pytest.mark.django_db(transaction=True)


def test_handler_uses_a_suggested_category(
    live_server: Any,
    page: Any,
    login: Any,
    register: Any,
    tianhe_handler: Any,
    output_path: Any,
) -> None:
    closed_cases(register, tianhe_handler, 44)
    call_command("train_insight_models", "--kind", "coding", stdout=StringIO())
    complaints = Complaint.objects.count()
    claims = Code.objects.get(kind="category", code="claims")
    t = next(t for t in TEMPLATES if t.category == "claims")

    login(tianhe_handler)
    page.goto(f"{live_server.url}/admin/complaints/complaint/add/")
    page.fill("#id_request", fill(t.request, 3))
    page.fill("#id_facts", fill(t.facts, 3))
    assert page.input_value("#id_category") == ""
    page.click("#coding-suggest")
    page.wait_for_selector("#use-category")
    row = page.locator("#coding-suggestions tr.cd-coding-category")
    with translation.override("zh-hans"):
        assert str(claims) in row.inner_text()  # the browser asks for Chinese
    assert row.locator("code").count() > 0  # the words that drove it
    assert page.input_value("#id_category") == ""  # a suggestion sets nothing
    page.locator("#coding-suggestions").scroll_into_view_if_needed()
    page.screenshot(path=f"{output_path}/registration-coding-suggestion.png")
    page.click("#use-category")
    assert page.input_value("#id_category") == str(claims.pk)
    assert Complaint.objects.count() == complaints
