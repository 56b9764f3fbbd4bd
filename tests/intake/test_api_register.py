"""Registering through the API, reading status, listing; invalid input → 400."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from complaints.models import Code, Complaint
from intake.models import IntakeSubmission
from tests.intake.conftest import API, codes, complaint_url, payload

pytestmark = pytest.mark.django_db

STATUS_FIELDS = {
    "number",
    "status",
    "status_label",
    "item_type",
    "channel",
    "institution",
    "received_at",
    "received_on",
    "due_on",
    "legal_due",
    "internal_due",
    "regulator_due",
    "due_provisional",
    "extension_level",
    "clock_paused",
    "decision_notified_at",
    "closed_at",
    "withdrawn_on",
}


def test_register_goes_through_the_registration_service(
    website: Any, registered: dict[str, Any]
) -> None:
    complaint = Complaint.objects.get(number=registered["number"])
    client = website.channel_client
    assert complaint.status == Complaint.Status.REGISTERED
    assert complaint.channel.code == "website"
    assert complaint.institution.code == "GDGZTH"
    assert complaint.registered_by == client.service_user
    assert complaint.due_on is not None
    assert complaint.legal_due is not None
    assert complaint.history.count() == 1
    assert complaint.history.get().history_change_reason == "Registered"
    assert set(registered) == STATUS_FIELDS
    assert registered["status"] == "registered"
    assert registered["due_on"] == complaint.due_on.isoformat()
    submission = IntakeSubmission.objects.get(complaint=complaint)
    assert (submission.client, submission.kind) == (client, "registration")


def test_register_answers_location_and_no_store(website: Any) -> None:
    response = website.post(f"{API}/complaints/", payload(), format="json")
    number = response.json()["number"]
    assert response["Location"] == complaint_url(number)
    assert "no-store" in response["Cache-Control"]
    assert response["Idempotent-Replayed"] == "false"


def test_register_in_a_branch_below_the_client(make_client: Any) -> None:
    from tests.intake.conftest import api_for

    _client, token = make_client(name="广州官网", institution="GDGZ")
    api = api_for(token)
    response = api.post(
        f"{API}/complaints/",
        payload(institution="GDGZTH", subject_institution="GDGZYX"),
        format="json",
    )
    assert response.status_code == 201
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert complaint.institution.code == "GDGZTH"
    assert complaint.subject_institution.code == "GDGZYX"
    # Outside the client's subtree: answered like an unknown code.
    response = api.post(
        f"{API}/complaints/", payload(institution="ZJHZXH"), format="json"
    )
    assert response.status_code == 400
    assert codes(response) == [("institution", "does_not_exist")]


def test_service_rules_come_back_as_field_errors(website: Any) -> None:
    response = website.post(
        f"{API}/complaints/",
        payload(representation="agent", complainant_type="organisation"),
        format="json",
    )
    assert response.status_code == 400
    assert set(codes(response)) == {
        ("agent_name", "invalid"),
        ("credit_code", "invalid"),
    }
    assert Complaint.objects.count() == 0


NOW = timezone.now()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"complainant_name": None}, ("complainant_name", "null")),
        ({"complainant_name": ""}, ("complainant_name", "blank")),
        ({"complainant_name": "名" * 101}, ("complainant_name", "max_length")),
        ({"complainant_name": {"a": 1}}, ("complainant_name", "invalid")),
        ({"complainant_name": True}, ("complainant_name", "invalid")),
        ({"complainant_name": 42}, ("complainant_name", "invalid")),
        ({"email": 42}, ("email", "invalid")),
        ({"product_line": 7}, ("product_line", "invalid")),
        (
            {"complainant_name": "a\x00b"},
            ("complainant_name", "null_characters_not_allowed"),
        ),
        ({"facts": "事" * 20_001}, ("facts", "max_length")),
        ({"product_line": "spaceflight"}, ("product_line", "does_not_exist")),
        ({"category": ["claims"]}, ("category", "invalid")),
        ({"id_type": "driving_licence"}, ("id_type", "invalid_choice")),
        ({"email": "not-an-address"}, ("email", "invalid")),
        ({"complainant_count": "many"}, ("complainant_count", "invalid")),
        ({"complainant_count": 0}, ("complainant_count", "min_value")),
        ({"complainant_count": 10**30}, ("complainant_count", "max_value")),
        ({"amount_in_dispute": "-1.00"}, ("amount_in_dispute", "min_value")),
        ({"amount_in_dispute": "1.234"}, ("amount_in_dispute", "max_decimal_places")),
        ({"amount_in_dispute": "NaN"}, ("amount_in_dispute", "invalid")),
        ({"received_at": "2026-02-30T10:00:00+08:00"}, ("received_at", "invalid")),
        ({"received_at": "yesterday"}, ("received_at", "invalid")),
        (
            {"received_at": (NOW + timedelta(days=1)).isoformat()},
            ("received_at", "future"),
        ),
        ({"received_at": "2020-01-01T10:00:00+08:00"}, ("received_at", "too_old")),
        ({"regulator_due": "9999-12-31"}, ("regulator_due", "out_of_range")),
        ({"regulator_due": "31/12/2026"}, ("regulator_due", "invalid")),
        ({"is_vulnerable": "perhaps"}, ("is_vulnerable", "invalid")),
    ],
)
def test_invalid_input_is_a_400_naming_field_and_code(
    website: Any, changes: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = website.post(f"{API}/complaints/", payload(**changes), format="json")
    assert response.status_code == 400, response.content
    assert expected in codes(response)
    assert all(e["message"] for e in response.json()["errors"])
    assert Complaint.objects.count() == 0


def test_missing_required_fields_are_each_named(website: Any) -> None:
    response = website.post(f"{API}/complaints/", {}, format="json")
    assert response.status_code == 400
    assert set(codes(response)) == {
        (name, "required")
        for name in ("complainant_name", "product_line", "category", "request", "facts")
    }


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"null", b"[" * 100_000 + b"]" * 100_000],
)
def test_unreadable_or_wrongly_shaped_json_is_a_400(website: Any, body: bytes) -> None:
    response = website.generic(
        "POST",
        f"{API}/complaints/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="unreadable-1",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] in {"parse_error", "invalid", "null"}


def test_a_body_over_the_limit_is_a_413(website: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = website.post(
        f"{API}/complaints/", payload(facts="事" * 5000), format="json"
    )
    assert response.status_code == 413
    assert codes(response) == [(None, "too_large")]


def test_other_content_types_and_methods_are_refused(website: Any) -> None:
    form = website.post(f"{API}/complaints/", payload())  # multipart form
    assert form.status_code == 415
    assert codes(form) == [(None, "unsupported_media_type")]
    for method in ("put", "delete", "options"):
        response = getattr(website, method)(f"{API}/complaints/")
        assert response.status_code == 405
        assert codes(response) == [(None, "method_not_allowed")]


def test_unknown_paths_answer_json_404(website: Any) -> None:
    for path in (f"{API}/nothing-here/", complaint_url("TS2026-000001", "x/")):
        response = website.get(path)
        assert response.status_code == 404
        assert codes(response) == [(None, "not_found")]


def test_messages_follow_accept_language(website: Any) -> None:
    zh = website.post(
        f"{API}/complaints/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    en = website.post(
        f"{API}/complaints/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    first = {e["field"]: e["message"] for e in zh.json()["errors"]}
    assert first["facts"] == "该字段是必填项。"  # DRF's own catalogue
    english = {e["field"]: e["message"] for e in en.json()["errors"]}
    assert english["facts"] == "This field is required."


def test_status_of_own_complaint(website: Any, registered: dict[str, Any]) -> None:
    response = website.get(complaint_url(registered["number"]))
    assert response.status_code == 200
    assert response.json() == registered


def test_list_shows_own_submissions_newest_first(
    website: Any, wechat: Any, django_assert_max_num_queries: Any
) -> None:
    numbers = [
        website.post(f"{API}/complaints/", payload(), format="json").json()["number"]
        for _ in range(3)
    ]
    wechat.post(f"{API}/complaints/", payload(), format="json")
    with django_assert_max_num_queries(8):
        response = website.get(f"{API}/complaints/", {"limit": 2})
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 2, 0)
    assert [c["number"] for c in body["results"]] == numbers[::-1][:2]
    rest = website.get(f"{API}/complaints/", {"limit": 2, "offset": 2}).json()
    assert [c["number"] for c in rest["results"]] == numbers[:1]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": 10**30}, "offset"),
    ],
)
def test_bad_paging_is_a_400(website: Any, query: dict[str, Any], field: str) -> None:
    response = website.get(f"{API}/complaints/", query)
    assert response.status_code == 400
    assert codes(response)[0][0] == field


def test_an_inactive_code_is_refused(website: Any) -> None:
    Code.objects.filter(kind="product_line", code="motor").update(is_active=False)
    response = website.post(f"{API}/complaints/", payload(), format="json")
    assert codes(response) == [("product_line", "does_not_exist")]
