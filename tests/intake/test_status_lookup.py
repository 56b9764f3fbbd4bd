"""The public status lookup: number + last four phone digits → status only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from complaints.models import Complaint
from tests.intake.conftest import API, KeyedClient, codes, payload

pytestmark = pytest.mark.django_db

URL = f"{API}/status-lookup/"


def _lookup(number: str, last4: str, **headers: Any) -> Any:
    return KeyedClient().post(
        URL, {"number": number, "phone_last4": last4}, format="json", **headers
    )


def test_the_right_factor_reveals_the_status_and_dates_only(
    registered: dict[str, Any],
) -> None:
    response = _lookup(registered["number"], "8000")  # phone 138-0013-8000
    assert response.status_code == 200
    assert response.json() == {
        "status": "registered",
        "status_label": "Registered",
        "received_on": registered["received_on"],
        "due_on": registered["due_on"],
        "decision_notified_on": None,
    }
    assert "no-store" in response["Cache-Control"]


def test_the_decision_notified_date_is_the_local_date(
    registered: dict[str, Any],
) -> None:
    # Only the output mapping is under test here; the notify service sets it.
    late_evening_utc = datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("UTC"))
    Complaint.objects.filter(number=registered["number"]).update(
        notified_at=late_evening_utc
    )
    body = _lookup(registered["number"], "8000").json()
    assert body["decision_notified_on"] == "2026-03-21"  # Asia/Shanghai


def test_a_wrong_factor_answers_exactly_like_an_unknown_number(
    registered: dict[str, Any],
) -> None:
    wrong = _lookup(registered["number"], "1234")
    unknown = _lookup("TS2026-999999", "8000")
    malformed_number = _lookup("12345", "8000")
    assert wrong.status_code == unknown.status_code == malformed_number.status_code
    assert wrong.status_code == 404
    assert wrong.json() == unknown.json() == malformed_number.json()
    assert codes(wrong) == [(None, "not_found")]
    assert dict(wrong.headers).keys() == dict(unknown.headers).keys()


def test_a_complaint_without_a_phone_cannot_be_looked_up(website: Any) -> None:
    number = website.post(
        f"{API}/complaints/", payload(phone=""), format="json"
    ).json()["number"]
    assert _lookup(number, "0000").status_code == 404


def test_the_number_is_matched_whatever_its_case(registered: dict[str, Any]) -> None:
    number = registered["number"].lower()
    assert _lookup(number, "8000").status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {("number", "required")}),
        # The digits or a one-time code (tests/intake/test_status_lookup_lockout.py).
        ({"number": "TS2026-000001"}, {("phone_last4", "required")}),
        (
            {"number": "TS2026-000001", "phone_last4": "12"},
            {("phone_last4", "invalid")},
        ),
        (
            {"number": "TS2026-000001", "phone_last4": ["1234"]},
            {("phone_last4", "invalid")},
        ),
        (
            {"number": "TS2026-000001", "phone_last4": 1234},
            {("phone_last4", "invalid")},
        ),
        ({"number": "x" * 21, "phone_last4": "1234"}, {("number", "max_length")}),
    ],
)
def test_malformed_lookups_are_a_400(
    db: Any, body: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    response = KeyedClient().post(URL, body, format="json")
    assert response.status_code == 400
    assert set(codes(response)) == expected


def test_the_lookup_needs_no_token_and_ignores_one(registered: dict[str, Any]) -> None:
    response = KeyedClient().post(
        URL,
        {"number": registered["number"], "phone_last4": "8000"},
        format="json",
        HTTP_AUTHORIZATION="Bearer cdk_not_a_token",
    )
    assert response.status_code == 200
