"""While the database is unreachable the API answers 503 in its own error
shape with Retry-After; nothing is half-written, and the client's retry with
the same Idempotency-Key registers the complaint exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from complaints.models import Complaint
from intake.models import IntakeSubmission
from tests.intake.conftest import API, codes, payload

KEY = {"HTTP_IDEMPOTENCY_KEY": "7f1c0c1e-3f0e-4a53-9a55-1d0b8b6a2f10"}


@pytest.fixture
def fail_on(db: Any) -> Iterator[Callable[[str], None]]:
    """fail_on(prefix): every SQL statement starting with `prefix` fails as on
    a lost connection; fail_on("") restores the database."""
    original = CursorWrapper._execute
    with pytest.MonkeyPatch.context() as patch:

        def fail(statement: str) -> None:
            def execute(self: CursorWrapper, sql: str, *args: Any) -> Any:
                if statement and sql.lstrip().upper().startswith(statement):
                    raise OperationalError("server closed the connection")
                return original(self, sql, *args)

            patch.setattr(CursorWrapper, "_execute", execute)

        yield fail


def test_a_lost_database_answers_503_in_the_api_error_shape(
    website: Any, fail_on: Callable[[str], None]
) -> None:
    fail_on("SELECT")
    response = website.post(f"{API}/complaints/", payload(), format="json", **KEY)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert codes(response) == [(None, "unavailable")]
    assert "Traceback" not in response.content.decode()


def test_a_retry_with_the_same_key_after_a_503_registers_once(
    website: Any, fail_on: Callable[[str], None]
) -> None:
    fail_on('INSERT INTO "COMPLAINTS_COMPLAINT"')
    first = website.post(f"{API}/complaints/", payload(), format="json", **KEY)
    assert first.status_code == 503
    # Nothing half-written: the claimed key went with the failed complaint.
    assert not IntakeSubmission.objects.exists()
    fail_on("")

    retry = website.post(f"{API}/complaints/", payload(), format="json", **KEY)
    again = website.post(f"{API}/complaints/", payload(), format="json", **KEY)

    assert retry.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == retry.json()["number"]
    assert Complaint.objects.filter(number=retry.json()["number"]).count() == 1
    assert IntakeSubmission.objects.count() == 1
