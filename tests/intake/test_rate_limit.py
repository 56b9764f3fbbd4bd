"""Per-client and per-address limits, counted in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from intake.models import RateCounter
from intake.services import rate_limit_hit
from tests.intake.conftest import API, KeyedClient, codes

pytestmark = pytest.mark.django_db

# 20 seconds into a minute: 40 seconds left in the window.
START = datetime(2026, 11, 24, 10, 15, 20, tzinfo=UTC)


def test_the_request_after_the_limit_gets_429_until_the_next_minute(
    website: Any, wechat: Any, settings: Any
) -> None:
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 3
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            assert website.get(f"{API}/complaints/").status_code == 200
        refused = website.get(f"{API}/complaints/")
        assert refused.status_code == 429
        assert codes(refused) == [(None, "throttled")]
        assert refused["Retry-After"] == "40"
        # Every kind of request counts, and each client has its own budget.
        assert website.post(f"{API}/complaints/", {}, format="json").status_code == 429
        assert wechat.get(f"{API}/complaints/").status_code == 200
        clock.shift(timedelta(seconds=40))
        assert website.get(f"{API}/complaints/").status_code == 200


def test_requests_without_a_valid_token_are_not_counted(
    website: Any, settings: Any
) -> None:
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 1
    website.credentials(HTTP_AUTHORIZATION="Bearer cdk_wrong")
    for _ in range(3):
        assert website.get(f"{API}/complaints/").status_code == 401
    assert not RateCounter.objects.exists()


def test_the_counter_is_one_row_per_key_and_minute(db: Any) -> None:
    with time_machine.travel(START, tick=False) as clock:
        decisions = [rate_limit_hit(key="client:1", limit=2) for _ in range(3)]
        assert [d.allowed for d in decisions] == [True, True, False]
        assert RateCounter.objects.get().hits == 3
        clock.shift(timedelta(hours=2))
        assert rate_limit_hit(key="client:1", limit=2).allowed
    # Windows more than an hour old are swept when a new one opens.
    assert RateCounter.objects.count() == 1


def test_status_lookup_is_limited_per_address(db: Any, settings: Any) -> None:

    settings.INTAKE_STATUS_LOOKUP_PER_MINUTE = 2
    api = KeyedClient()
    body = {"number": "TS2026-000001", "phone_last4": "0000"}
    with time_machine.travel(START, tick=False):
        for n in range(2):
            body["number"] = f"TS2026-00000{n}"
            response = api.post(f"{API}/status-lookup/", body, format="json")
            assert response.status_code == 404
        body["number"] = "TS2026-000009"
        refused = api.post(f"{API}/status-lookup/", body, format="json")
        assert refused.status_code == 429
        assert codes(refused) == [(None, "throttled")]
        other = KeyedClient(REMOTE_ADDR="10.1.2.3")
        assert (
            other.post(f"{API}/status-lookup/", body, format="json").status_code == 404
        )


def test_status_lookup_is_limited_per_number_across_addresses(
    db: Any, settings: Any
) -> None:

    settings.INTAKE_STATUS_LOOKUP_PER_MINUTE = 2
    body = {"number": "TS2026-000001", "phone_last4": "0000"}
    with time_machine.travel(START, tick=False):
        answers = [
            KeyedClient(REMOTE_ADDR=f"10.0.0.{n}")
            .post(f"{API}/status-lookup/", body, format="json")
            .status_code
            for n in range(3)
        ]
    assert answers == [404, 404, 429]


def test_forwarded_addresses_count_only_behind_trusted_proxies(
    db: Any, settings: Any
) -> None:

    settings.INTAKE_STATUS_LOOKUP_PER_MINUTE = 1
    api = KeyedClient()
    with time_machine.travel(START, tick=False):
        for n in range(2):
            api.post(
                f"{API}/status-lookup/",
                {"number": f"TS2026-00001{n}", "phone_last4": "0000"},
                format="json",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            )
        assert RateCounter.objects.filter(key="lookup-ip:127.0.0.1").get().hits == 2
        settings.INTAKE_TRUSTED_PROXY_COUNT = 1
        api.post(
            f"{API}/status-lookup/",
            {"number": "TS2026-000020", "phone_last4": "0000"},
            format="json",
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
        )
        assert RateCounter.objects.filter(key="lookup-ip:203.0.113.9").exists()
