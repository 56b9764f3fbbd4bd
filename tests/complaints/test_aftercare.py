"""Redress payments and satisfaction callbacks: facts after the decision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from complaints.exceptions import ComplaintError
from complaints.models import Complaint
from complaints.services import (
    complaint_accept,
    complaint_approve,
    complaint_assign,
    complaint_close,
    complaint_notify_decision,
    complaint_propose_decision,
    complaint_record_callback,
    complaint_record_redress,
)
from organisations.permissions import NotFound
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(register: Any, tianhe_handler: Any, gz_manager: Any) -> Complaint:
    c = register(tianhe_handler)
    c = complaint_accept(complaint=c, actor=tianhe_handler)
    c = complaint_assign(complaint=c, actor=tianhe_handler, handler=tianhe_handler)
    c = complaint_propose_decision(
        complaint=c,
        actor=tianhe_handler,
        outcome=Complaint.Outcome.SUPPORTED,
        decision_text="支持补足赔款。",
        cause=code("cause", "claim_amount"),
    )
    return complaint_approve(complaint=c, actor=gz_manager)


def test_redress_is_recorded_with_history(
    decided: Complaint, tianhe_handler: Any
) -> None:
    before = decided.history.count()
    c = complaint_record_redress(
        complaint=decided,
        actor=tianhe_handler,
        amount=Decimal("3200.00"),
        paid_on=timezone.localdate(),
    )
    assert (c.redress_amount, c.redress_paid_on) == (
        Decimal("3200.00"),
        timezone.localdate(),
    )
    assert c.history.count() == before + 1
    assert c.history.first().history_user == tianhe_handler


def test_redress_needs_a_decision(register: Any, tianhe_handler: Any) -> None:
    with pytest.raises(ComplaintError):
        complaint_record_redress(
            complaint=register(tianhe_handler),
            actor=tianhe_handler,
            amount=Decimal("1"),
            paid_on=date(2026, 3, 10),
        )


def test_redress_out_of_scope_is_not_found(
    decided: Complaint, xihu_handler: Any
) -> None:
    with pytest.raises(NotFound):
        complaint_record_redress(
            complaint=decided,
            actor=xihu_handler,
            amount=Decimal("1"),
            paid_on=timezone.localdate(),
        )


def test_callback_follows_closure(decided: Complaint, tianhe_handler: Any) -> None:
    when = datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI)
    with pytest.raises(ComplaintError):
        complaint_record_callback(
            complaint=decided, actor=tianhe_handler, satisfaction=5, occurred_at=when
        )
    c = complaint_notify_decision(
        complaint=decided,
        actor=tianhe_handler,
        method="phone",
        occurred_at=when,
        summary="电话告知",
    )
    c = complaint_close(complaint=c, actor=tianhe_handler)
    c = complaint_record_callback(
        complaint=c, actor=tianhe_handler, satisfaction=4, occurred_at=when, note="满意"
    )
    assert c.satisfaction == Complaint.Satisfaction.SATISFIED
    assert c.status == Complaint.Status.CLOSED
