"""Training, storing and reloading the coding model; refusing with none; a
suggestion changes nothing until a person accepts it (issue 18 point 3)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from complaints.models import Code, Complaint
from insight import classifier, store
from insight.models import CodingAcceptance, TrainedModel
from tests.insight.cases import closed_cases, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(register: Any, tianhe_handler: Any) -> TrainedModel:
    closed_cases(register, tianhe_handler, 44)  # each template twice
    out = StringIO()
    call_command("train_insight_models", "--kind", "coding", stdout=out)
    assert "coding v1: 44 cases" in out.getvalue()
    assert "macro F1" in out.getvalue()
    return TrainedModel.objects.get(kind="coding")


def test_training_stores_version_range_and_quality(trained: TrainedModel) -> None:
    assert trained.version == 1
    assert trained.sample_count == 44
    assert trained.data_from is not None
    assert trained.data_to is not None
    fields = trained.quality["fields"]
    assert set(fields) == {"product_line", "category", "cause"}
    assert trained.quality["test_cases"] == 9
    assert "scikit-learn" in trained.library_versions


def test_the_stored_model_reloads_and_a_retrain_is_a_new_version(
    trained: TrainedModel, register: Any, tianhe_handler: Any
) -> None:
    record, model = classifier.coding_model()
    assert record.pk == trained.pk
    assert isinstance(model, classifier.CodingModel)
    case = registered(register, tianhe_handler, 5)
    _record, suggested = classifier.coding_suggest(complaint=case)
    assert suggested["category"].code_id == case.category_id
    call_command("train_insight_models", "--kind", "coding", stdout=StringIO())
    assert classifier.coding_model()[0].version == 2


def test_no_model_refuses_and_says_how_to_train(
    register: Any, tianhe_handler: Any
) -> None:
    case = registered(register, tianhe_handler, 1)
    with pytest.raises(store.NoModel) as exc:
        classifier.coding_suggest(complaint=case)
    assert "python manage.py train_insight_models --kind coding" in str(exc.value)


def test_too_few_cases_is_a_clear_refusal(register: Any, tianhe_handler: Any) -> None:
    closed_cases(register, tianhe_handler, 3)
    with pytest.raises(CommandError, match="at least 20"):
        call_command("train_insight_models", "--kind", "coding", stdout=StringIO())
    assert not TrainedModel.objects.exists()


def _miscoded(register: Any, actor: Any) -> Complaint:
    """A motor claims case registered under the wrong category."""
    return registered(
        register, actor, 0, category=Code.objects.get(kind="category", code="sales")
    )


def test_suggestion_changes_nothing_until_accepted(
    trained: TrainedModel, register: Any, tianhe_handler: Any, client: Any
) -> None:
    case = _miscoded(register, tianhe_handler)
    before = case.history.count()
    client.force_login(tianhe_handler)
    url = reverse("admin:complaints_complaint_change", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    rows = page.context["coding_suggestions"]
    category = next(r for r in rows if r["field"] == "category")
    assert category["code"].code == "claims"
    assert category["words"]
    case.refresh_from_db()
    assert case.category.code == "sales"
    assert case.history.count() == before
    assert not CodingAcceptance.objects.exists()

    accepted = client.post(
        reverse("admin:complaints_complaint_coding_accept", args=[case.pk]),
        {"accept": category["value"], "version": page.context["coding_version"]},
    )
    assert accepted.status_code == 302
    case.refresh_from_db()
    assert case.category.code == "claims"
    assert case.history.count() == before + 1
    row = case.history.latest()
    assert row.history_user == tianhe_handler
    assert "v1" in row.history_change_reason
    acceptance = CodingAcceptance.objects.get()
    assert acceptance.previous.code == "sales"
    assert acceptance.accepted.code == "claims"
    assert acceptance.model == trained
    assert acceptance.accepted_by == tianhe_handler


def test_only_the_suggested_code_can_be_accepted(
    trained: TrainedModel, register: Any, tianhe_handler: Any, client: Any
) -> None:
    case = _miscoded(register, tianhe_handler)
    other = Code.objects.get(kind="category", code="renewal")
    client.force_login(tianhe_handler)
    client.post(
        reverse("admin:complaints_complaint_coding_accept", args=[case.pk]),
        {"accept": f"category:{other.pk}", "version": case.updated_at.isoformat()},
    )
    case.refresh_from_db()
    assert case.category.code == "sales"
    assert not CodingAcceptance.objects.exists()


def test_wrong_person_cannot_accept_or_see(
    trained: TrainedModel,
    register: Any,
    tianhe_handler: Any,
    xihu_handler: Any,
    client: Any,
) -> None:
    case = _miscoded(register, tianhe_handler)
    claims = Code.objects.get(kind="category", code="claims")
    client.force_login(xihu_handler)
    answer = client.post(
        reverse("admin:complaints_complaint_coding_accept", args=[case.pk]),
        {"accept": f"category:{claims.pk}", "version": case.updated_at.isoformat()},
    )
    assert answer.status_code == 404
    case.refresh_from_db()
    assert case.category.code == "sales"


def test_case_page_without_a_model_says_how_to_train(
    register: Any, tianhe_handler: Any, client: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    case = registered(register, tianhe_handler, 2)
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    body = page.content.decode()
    assert "分类建议" in body
    assert "train_insight_models --kind coding" in body


def test_check_page_lists_contradicted_codes_in_chinese(
    trained: TrainedModel,
    register: Any,
    tianhe_handler: Any,
    ho_compliance: Any,
    client: Any,
    settings: Any,
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    case = _miscoded(register, tianhe_handler)
    client.force_login(ho_compliance)
    page = client.get(
        reverse("admin:insight_coding_check"),
        {"year": case.received_on.year, "quarter": 1, "confidence": 60},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 200
    numbers = [r["complaint"].number for r in page.context["rows"]]
    assert case.number in numbers
    body = page.content.decode()
    assert "季度报送前的分类质检" in body
    assert "宏平均F1" in body
    models_page = client.get(reverse("admin:insight_trainedmodel_changelist"))
    assert "train_insight_models --kind coding" in models_page.content.decode()


def test_check_page_is_refused_without_reports(
    trained: TrainedModel, tianhe_handler: Any, client: Any
) -> None:
    client.force_login(tianhe_handler)
    answer = client.get(reverse("admin:insight_coding_check"))
    assert answer.status_code == 403
