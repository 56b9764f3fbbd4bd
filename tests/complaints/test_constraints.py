"""Constraint validation that skips the query when Python sees it holds
(complaints.rules.constraints): it must agree with the database, and never pass a
row the database would refuse."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from complaints.rules.constraints import evaluate, holds

pytestmark = pytest.mark.django_db
S = Complaint.Status


def complaint(**fields: Any) -> Complaint:
    return Complaint(**{"number": "TS2026-000001", **fields})


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (Q(status="registered"), True),
        (Q(status__exact="closed"), False),
        (~Q(status="registered"), False),
        (Q(status__in=["decided", "registered"]), True),
        (Q(status__in=("decided", "closed")), False),
        (Q(status="registered") & Q(outcome=""), True),
        (Q(status="registered") & Q(outcome="upheld"), False),
        (Q(status="closed") | Q(outcome=""), True),
        (~(Q(status="closed") | Q(outcome="x")), True),
        # Undecided: another lookup, a relation, a null, a value of another kind.
        (Q(status__startswith="reg"), None),
        (Q(institution__code="GD"), None),
        (Q(channel=1), None),
        (Q(received_on=date(2026, 3, 6)), None),
        (Q(closed_at=None), None),
        (Q(extension_level="0"), None),
        (Q(status=1), None),
        (Q(nonexistent="x"), None),
        # An unknown part cannot hide a decided one, and cannot be guessed.
        (Q(status="closed") & Q(status__startswith="reg"), False),
        (Q(status="registered") | Q(status__startswith="x"), True),
        (Q(status="registered") & Q(status__startswith="reg"), None),
    ],
)
def test_evaluate(q: Q, expected: bool | None) -> None:
    c = complaint(status="registered", outcome="", received_on=date(2026, 3, 6))
    assert evaluate(q, c) is expected


def test_the_outcome_check_holds_without_a_query_for_an_open_complaint() -> None:
    (check,) = [
        c for c in Complaint._meta.constraints if c.name.endswith("has_outcome")
    ]
    assert holds(check, complaint(status=S.REGISTERED))
    assert not holds(check, complaint(status=S.CLOSED, outcome=""))
    assert holds(check, complaint(status=S.CLOSED, outcome="upheld"))


def test_a_row_the_check_refuses_is_still_refused() -> None:
    c = complaint(status=S.CLOSED, outcome="", route_kind="", mediation_outcome="")
    with pytest.raises(ValidationError) as exc:
        c.validate_constraints()
    assert "complaints_complaint_decided_has_outcome" in str(exc.value)


def test_an_empty_regulator_reference_is_not_looked_up() -> None:
    with CaptureQueriesContext(connection) as ctx:
        complaint(status=S.REGISTERED, regulator_reference="").validate_constraints()
    assert ctx.captured_queries == []


def test_a_regulator_reference_is_looked_up(register: Any, tianhe_handler: Any) -> None:
    register(tianhe_handler, regulator_reference="GDJG-2026-03-0300")
    with pytest.raises(ValidationError):
        complaint(regulator_reference="GDJG-2026-03-0300").validate_constraints()
    complaint(regulator_reference="GDJG-2026-03-0301").validate_constraints()
