"""Schema-driven fuzzing: every operation of the served OpenAPI schema, fed
generated input by schemathesis, never answers 500 and always answers as
the schema says (status codes, content type, body schema, headers).

schemathesis calls the Django WSGI handler in-process, in the test's thread
and on its database connection. Django closes connections when a request
starts or ends, which would break the test's transaction; the Django test
client avoids that by disconnecting `close_old_connections` while it runs a
request, and this module does the same for the whole fuzz run. So the fuzz
runs inside the ordinary rolled-back test transaction (no flush, no
serialized rollback), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

from tests.intake.conftest import API, payload

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 30
# Generated code-list values are almost never real codes: half of them are
# swapped for real ones so registrations also succeed with odd other fields.
REAL_CODES = {"product_line": "motor", "category": "claims"}
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.ignored_auth,
]


@pytest.fixture
def fuzz_target(website: Any, settings: Any) -> Iterator[dict[str, Any]]:
    """A client with one complaint of its own, limits out of the way."""
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 10**9
    settings.INTAKE_STATUS_LOOKUP_PER_MINUTE = 10**9
    number = website.post(f"{API}/complaints/", payload(), format="json").json()[
        "number"
    ]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"token": website.token, "number": number}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded when the module is collected: serving the schema touches no table.
# (schemathesis.pytest.from_fixture would load it lazily, but its loader sets
# `Function._nodeid`, which pytest 9.2 no longer has.)
schema = schemathesis.openapi.from_wsgi(f"{API}/schema/", WSGIHandler())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example database written into the shared checkout
)
def test_api_conforms_to_its_schema(case: Any, fuzz_target: dict[str, Any]) -> None:
    number = (case.path_parameters or {}).get("number")
    # Half the generated numbers are swapped for a real one of the client's,
    # so the happy paths of the per-complaint operations are fuzzed too.
    positive_path = not case.meta.is_negative_at(ParameterLocation.PATH)
    if positive_path and isinstance(number, str) and number[-1:] in "02468":
        case.path_parameters["number"] = fuzz_target["number"]
    if isinstance(case.body, dict) and not case.meta.is_negative_at(
        ParameterLocation.BODY
    ):
        for name, real in REAL_CODES.items():
            value = case.body.get(name)
            if isinstance(value, str) and len(value) % 2 == 0:
                case.body[name] = real
    # The generated bearer token is replaced by the client's real one, unless
    # the headers are the negative part of the case (then 401 is the answer).
    if "Authorization" in (case.headers or {}) and not case.meta.is_negative_at(
        ParameterLocation.HEADER
    ):
        case.headers["Authorization"] = f"Bearer {fuzz_target['token']}"
    case.call_and_validate(checks=CHECKS)
