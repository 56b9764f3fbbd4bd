"""Coding suggestions on the registration form (issue 18 point 3): read from
the text typed so far, never stored, only for those who may register, and
only a suggestion: the form's code lists are what the person picks."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from complaints.models import Code, Complaint
from insight.models import CodingAcceptance
from sampledata.texts import TEMPLATES
from tests.insight.cases import closed_cases, fill

pytestmark = pytest.mark.django_db
URL = "admin:complaints_complaint_coding_suggest_new"


@pytest.fixture
def trained(register: Any, tianhe_handler: Any) -> None:
    closed_cases(register, tianhe_handler, 44)
    call_command("train_insight_models", "--kind", "coding", stdout=StringIO())


def _claims_text() -> dict[str, str]:
    t = next(t for t in TEMPLATES if t.category == "claims")
    return {"request": fill(t.request, 7), "facts": fill(t.facts, 7)}


def test_typed_text_gets_a_suggestion_per_list_and_nothing_is_stored(
    trained: None, tianhe_handler: Any, client: Any
) -> None:
    complaints, history = Complaint.objects.count(), Complaint.history.count()
    client.force_login(tianhe_handler)
    answer = client.post(
        reverse(URL), {**_claims_text(), "complainant_name": "周晓梅"}
    ).json()
    rows = {r["field"]: r for r in answer["suggestions"]}
    claims = Code.objects.get(kind="category", code="claims")
    assert rows["category"]["code_id"] == claims.pk
    assert rows["category"]["code"] == str(claims)
    assert 0 < rows["category"]["confidence"] <= 100
    assert rows["category"]["words"]
    assert "(version 1)" in answer["message"]  # the model that suggested
    assert Complaint.objects.count() == complaints
    assert Complaint.history.count() == history
    assert not CodingAcceptance.objects.exists()


def test_a_retired_code_is_not_offered(
    trained: None, tianhe_handler: Any, client: Any
) -> None:
    Code.objects.filter(kind="category", code="claims").update(is_active=False)
    client.force_login(tianhe_handler)
    answer = client.post(reverse(URL), _claims_text()).json()
    assert "category" not in {r["field"] for r in answer["suggestions"]}


def test_without_a_model_the_form_says_how_to_train(
    tianhe_handler: Any, client: Any
) -> None:
    client.force_login(tianhe_handler)
    answer = client.post(reverse(URL), _claims_text()).json()
    assert answer["suggestions"] == []
    assert "train_insight_models --kind coding" in answer["message"]


def test_too_little_text_asks_for_the_request_first(
    trained: None, tianhe_handler: Any, client: Any
) -> None:
    client.force_login(tianhe_handler)
    answer = client.post(
        reverse(URL), {"request": "", "facts": "  "}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    assert answer["suggestions"] == []
    assert "诉求" in answer["message"]


def test_only_those_who_may_register_are_answered(
    trained: None, zj_viewer: Any, client: Any
) -> None:
    client.force_login(zj_viewer)
    assert client.post(reverse(URL), _claims_text()).status_code == 403
    assert client.get(reverse(URL)).status_code == 405


def test_the_add_form_shows_the_panel_in_chinese(
    tianhe_handler: Any, client: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_add"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    body = page.content.decode()
    assert 'id="coding-suggest"' in body
    assert "insight/coding_suggest.js" in body
    assert reverse(URL) in body
    assert "分类建议" in body
