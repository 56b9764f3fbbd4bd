"""The call centre's door to the satisfaction callback (回访): the callbacks due
in its institution's subtree, and the result of each call."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from complaints.models import Complaint, PersonalDataAccess
from intake.models import IntakeSubmission
from intake.services import client_set_callbacks
from tests.complaints.conftest import SHANGHAI
from tests.complaints.conftest import at as at  # noqa: F401
from tests.complaints.conftest import persona as persona  # noqa: F401
from tests.intake.conftest import API, api_for, codes

pytestmark = pytest.mark.django_db
S = Complaint.Status
NOW = datetime(2026, 4, 28, 10, 0, tzinfo=SHANGHAI)
WHEN = "2026-04-28T09:30:00+08:00"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def call_centre(make_client: Any) -> APIClient:
    """The call centre of 广州中心支公司, which makes the callbacks below it."""
    client, token = make_client(name="客服中心", channel="hotline", institution="GDGZ")
    client_set_callbacks(client=client, records_callbacks=True)
    api = api_for(token)
    api.channel_client = client  # type: ignore[attr-defined]
    return api


@pytest.fixture
def closed(at: Any, time_machine: Any) -> Complaint:
    """A 天河 case closed on 2026-04-20: its callback is due on 04-27."""
    c = at(S.CLOSED)
    time_machine.move_to(NOW)
    return c


def callback_url(c: Complaint) -> str:
    return f"{API}/complaints/{c.number}/callback/"


def post(api: APIClient, c: Complaint, key: str = "k-1", **body: Any) -> Any:
    data = {
        "occurred_at": WHEN,
        "satisfaction": 4,
        "called_by": "王晓敏（坐席1032）",
        "words": "赔款收到了，处理还算及时。",
        **body,
    }
    return api.post(callback_url(c), data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_list_shows_whom_to_call_and_logs_the_showing(
    call_centre: APIClient, closed: Complaint, at: Any
) -> None:
    assert closed.callback_due == date(2026, 4, 27)
    response = call_centre.get(f"{API}/callbacks/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["number"], row["complainant_name"], row["phone"]) == (
        closed.number,
        closed.complainant_name,
        closed.phone,
    )
    assert (row["callback_due"], row["institution"]) == ("2026-04-27", "GDGZTH")
    logged = PersonalDataAccess.objects.get(complaint=closed)
    assert logged.surface == PersonalDataAccess.Surface.CALLBACKS_API


def test_the_list_leaves_out_what_is_not_due_or_not_ours(
    call_centre: APIClient,
    closed: Complaint,
    register: Any,
    xihu_handler: Any,
    tianhe_handler: Any,
) -> None:
    post(call_centre, closed)  # made: no longer due
    register(xihu_handler, institution="ZJHZXH")  # not closed, and another province
    assert call_centre.get(f"{API}/callbacks/").json()["count"] == 0


def test_an_unreachable_complainant_stays_on_the_list(
    call_centre: APIClient, closed: Complaint
) -> None:
    response = post(call_centre, closed, satisfaction=0, words="")
    assert response.status_code == 201
    row = call_centre.get(f"{API}/callbacks/").json()["results"][0]
    assert row["previous_attempt_at"] == WHEN


def test_the_call_is_recorded_once_per_key(
    call_centre: APIClient, closed: Complaint
) -> None:
    response = post(call_centre, closed)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "complaint": closed.number,
        "callback_at": WHEN,
        "satisfaction": 4,
        "satisfaction_label": "Satisfied",
        "called_by": "王晓敏（坐席1032）",
    }
    c = Complaint.objects.get(pk=closed.pk)
    assert (c.satisfaction, c.callback_by, c.callback_note) == (
        4,
        "王晓敏（坐席1032）",
        "赔款收到了，处理还算及时。",
    )
    last = c.history.first()
    assert last.history_user == call_centre.channel_client.service_user  # type: ignore[attr-defined]
    rows = c.history.count()
    again = post(call_centre, closed)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert c.history.count() == rows
    assert IntakeSubmission.objects.filter(kind="callback").count() == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"words": ""}, ("words", "invalid")),  # reached: their words are needed
        ({"occurred_at": "2026-04-19T09:00:00+08:00"}, ("occurred_at", "invalid")),
        ({"occurred_at": "2026-04-29T09:00:00+08:00"}, ("occurred_at", "future")),
        ({"satisfaction": 6}, ("satisfaction", "max_value")),
        ({"satisfaction": "4"}, ("satisfaction", "invalid")),
        ({"called_by": ""}, ("called_by", "blank")),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    call_centre: APIClient, closed: Complaint, body: dict[str, Any], expected: Any
) -> None:
    before = Complaint.objects.get(pk=closed.pk).history.count()
    response = post(call_centre, closed, **body)
    assert response.status_code == 400
    assert codes(response) == [expected]
    c = Complaint.objects.get(pk=closed.pk)
    assert (c.callback_at, c.history.count()) == (None, before)


def test_a_case_not_closed_is_refused(
    call_centre: APIClient, at: Any, time_machine: Any
) -> None:
    c = at(S.NOTIFIED)
    time_machine.move_to(NOW)
    response = post(call_centre, c)
    assert response.status_code == 400
    assert codes(response) == [(None, "not_closed")]
    assert Complaint.objects.get(pk=c.pk).callback_at is None


def test_outside_the_subtree_is_not_found(
    call_centre: APIClient, at: Any, register: Any, xihu_handler: Any
) -> None:
    other = register(xihu_handler, institution="ZJHZXH")
    assert post(call_centre, other).status_code == 404
    missing = call_centre.post(
        f"{API}/complaints/TS2026-999999/callback/", {}, format="json"
    )
    assert missing.status_code == 404


def test_a_client_not_allowed_gets_403_everywhere(
    website: APIClient, closed: Complaint
) -> None:
    listed = website.get(f"{API}/callbacks/")
    assert listed.status_code == 403
    assert (
        "does not record satisfaction callbacks"
        in listed.json()["errors"][0]["message"]
    )
    assert post(website, closed).status_code == 403
    assert Complaint.objects.get(pk=closed.pk).callback_at is None


def test_the_schema_documents_both_operations(client: Any) -> None:
    schema = client.get(f"{API}/schema/").json()
    assert "/api/v1/callbacks/" in schema["paths"]
    operation = schema["paths"]["/api/v1/complaints/{number}/callback/"]["post"]
    assert operation["operationId"] == "complaints_callback_record"
