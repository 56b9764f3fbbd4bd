"""The status lookup's lockout (intake.lookup_guard): after repeated failures a
number is locked with an escalating delay, whether it exists or not; the
complainant still reaches the status with a one-time code sent by SMS to the
phone on record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from complaints.messaging.sms import LoggingSmsBackend
from intake import lookup_guard
from tests.intake.conftest import API, KeyedClient, codes

pytestmark = pytest.mark.django_db
URL = f"{API}/status-lookup/"
CODE_URL = f"{API}/status-lookup/code/"
FREE = lookup_guard.LOOKUP_FREE_FAILURES


@pytest.fixture(autouse=True)
def sms() -> Iterator[list[Any]]:
    LoggingSmsBackend.outbox.clear()
    yield LoggingSmsBackend.outbox
    LoggingSmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _generous_minute(settings: Any) -> None:
    # The per-minute limits are tested elsewhere; here only the lockout counts.
    settings.INTAKE_STATUS_LOOKUP_PER_MINUTE = 10_000


def ask(number: str, **body: str) -> Any:
    return KeyedClient().post(URL, {"number": number, **body}, format="json")


def ask_code(number: str) -> Any:
    return KeyedClient().post(CODE_URL, {"number": number}, format="json")


def test_the_lock_escalates_and_holds_for_unknown_numbers_alike(
    registered: dict[str, Any],
) -> None:
    known, unknown = registered["number"], "TS2026-999999"
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for number in (known, unknown):
            answers = [ask(number, phone_last4="1234").status_code for _ in range(FREE)]
            assert answers == [404] * FREE
            locked = ask(number, phone_last4="8000")  # even the right digits
            assert locked.status_code == 429
            assert codes(locked) == [(None, "throttled")]
            assert locked["Retry-After"] == "60"
        # After the first lock: one more failure doubles it.
        clock.shift(timedelta(seconds=61))
        assert ask(known, phone_last4="1234").status_code == 404
        assert ask(known, phone_last4="8000")["Retry-After"] == "120"
        clock.shift(timedelta(seconds=121))
        assert ask(known, phone_last4="8000").status_code == 200


def test_lock_seconds_escalate_to_a_cap() -> None:
    assert [lookup_guard.lock_seconds(n) for n in range(FREE - 1, FREE + 3)] == [
        0,
        60,
        120,
        240,
    ]
    assert lookup_guard.lock_seconds(FREE + 40) == lookup_guard.LOOKUP_LOCK_MAX_SECONDS


def test_the_complainant_gets_past_the_lock_with_a_code(
    registered: dict[str, Any], sms: list[Any]
) -> None:
    number = registered["number"]
    for _ in range(FREE):
        ask(number, phone_last4="1234")
    assert ask(number, phone_last4="8000").status_code == 429
    sent = ask_code(number)
    assert sent.status_code == 202
    (message,) = sms
    assert message.phone == "13800138000"  # the phone on record
    code = re.search(r": (\d{6})", message.text).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert ask(number, code=wrong).status_code == 404
    answer = ask(number, code=code)
    assert answer.status_code == 200
    assert answer.json()["status"] == "registered"
    # The lock is lifted and the code spent.
    assert ask(number, code=code).status_code == 404
    assert ask(number, phone_last4="8000").status_code == 200


def test_asking_for_a_code_answers_alike_and_is_limited(
    registered: dict[str, Any], sms: list[Any]
) -> None:
    known = KeyedClient().post(
        CODE_URL, {"number": registered["number"]}, format="json"
    )
    unknown = ask_code("TS2026-999999")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(sms) == 1  # only the known number's phone gets one
    again = KeyedClient().post(
        CODE_URL, {"number": registered["number"]}, format="json"
    )
    assert again.status_code == 429
    assert len(sms) == 1


def test_a_code_expires_after_its_tries(
    registered: dict[str, Any], sms: list[Any]
) -> None:
    number = registered["number"]
    ask_code(number)
    code = re.search(r": (\d{6})", sms[0].text).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(lookup_guard.LOOKUP_CODE_ATTEMPTS):
        assert ask(number, code=wrong).status_code == 404
    assert ask(number, code=code).status_code == 404
