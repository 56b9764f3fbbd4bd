"""Idempotency-Key: a retry gets the first answer and writes nothing new."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from complaints.models import Complaint, Correspondence
from intake import views
from intake.models import IntakeSubmission
from tests.intake.conftest import API, api_for, codes, complaint_url, payload

pytestmark = pytest.mark.django_db


def _register(api: Any, key: str, **changes: Any) -> Any:
    return api.post(
        f"{API}/complaints/",
        payload(**changes),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_same_key_twice_gives_the_same_body_and_one_complaint(website: Any) -> None:
    first = _register(website, "2f1c9d3e-retry-1")
    again = _register(website, "2f1c9d3e-retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (first["Idempotent-Replayed"], again["Idempotent-Replayed"]) == (
        "false",
        "true",
    )
    assert Complaint.objects.count() == 1
    assert IntakeSubmission.objects.count() == 1


def test_the_replay_is_the_first_answer_even_after_changes(website: Any) -> None:
    first = _register(website, "k-1").json()
    Complaint.objects.filter(number=first["number"]).update(due_on=None)
    assert _register(website, "k-1").json() == first


def test_keys_belong_to_one_client(website: Any, wechat: Any) -> None:
    mine = _register(website, "shared-key").json()
    theirs = _register(wechat, "shared-key").json()
    assert mine["number"] != theirs["number"]
    assert Complaint.objects.count() == 2


def test_the_same_key_for_another_request_is_refused(website: Any) -> None:
    _register(website, "k-2")
    other = _register(website, "k-2", facts="另一件事")
    assert other.status_code == 422
    assert codes(other) == [(None, "idempotency_key_reused")]
    assert Complaint.objects.count() == 1


def test_a_refused_request_stores_nothing_and_may_be_retried(website: Any) -> None:
    bad = _register(website, "k-3", product_line="nope")
    assert bad.status_code == 400
    good = _register(website, "k-3")
    assert good.status_code == 201
    assert IntakeSubmission.objects.get().idempotency_key == "k-3"


@pytest.mark.parametrize("key", ["x" * 256, "has space", "中文"])
def test_a_malformed_key_is_a_400(website: Any, key: str) -> None:
    response = website.post(
        f"{API}/complaints/",
        payload(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"),
    )
    assert response.status_code == 400
    assert codes(response) == [("Idempotency-Key", "invalid")]
    assert not Complaint.objects.exists()


def test_correspondence_retries_are_idempotent_too(
    website: Any, registered: dict[str, Any]
) -> None:
    url = complaint_url(registered["number"], "correspondence/")
    body = {"summary": "客户来电补充材料"}
    first = website.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = website.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert again.json() == first.json()
    assert Correspondence.objects.count() == 1
    # The same key on another complaint's URL is another request.
    other = website.post(f"{API}/complaints/", payload(), format="json").json()
    elsewhere = website.post(
        complaint_url(other["number"], "correspondence/"),
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY="c-1",
    )
    assert elsewhere.status_code == 422


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_complaint(
    website: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every writer (transaction_mode IMMEDIATE), so the "
            "two requests cannot overlap; the race needs PostgreSQL's row locks."
        )
    real_register = views.complaint_register

    def slow_register(**kwargs: Any) -> Complaint:
        # Hold the claimed key long enough for the twin to arrive.
        time.sleep(0.5)
        return real_register(**kwargs)

    monkeypatch.setattr(views, "complaint_register", slow_register)
    barrier = threading.Barrier(2)
    responses: list[Any] = [None, None]

    def call(index: int) -> None:
        try:
            api = api_for(website.token)
            barrier.wait(timeout=10)
            responses[index] = _register(api, "concurrent-key")
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r["Idempotent-Replayed"] for r in responses) == ["false", "true"]
    assert Complaint.objects.count() == 1
    assert IntakeSubmission.objects.count() == 1


@pytest.mark.parametrize(
    "url", ["complaints/", "complaints/{number}/correspondence/", "status-lookup/"]
)
def test_a_post_without_a_key_is_refused_and_writes_nothing(
    website: Any, url: str
) -> None:
    number = _register(website, "first").json()["number"]
    before = (Complaint.objects.count(), Correspondence.objects.count())
    body = {**payload(), "summary": "来电补充", "number": number, "phone_last4": "8000"}
    plain = APIClient()
    plain.credentials(**website._credentials)
    response = plain.post(f"{API}/{url.format(number=number)}", body, format="json")
    assert response.status_code == 400
    assert codes(response) == [("Idempotency-Key", "required")]
    assert "Idempotency-Key header" in response.json()["errors"][0]["message"]
    assert (Complaint.objects.count(), Correspondence.objects.count()) == before
    with translation.override("zh-hans"):
        response = plain.post(
            f"{API}/{url.format(number=number)}",
            body,
            format="json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert "幂等键" in response.json()["errors"][0]["message"]
