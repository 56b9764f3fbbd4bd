"""The whole lifecycle, registration to archive, through the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import time_machine

from complaints.models import Complaint, Notification
from complaints.services import (
    complaint_accept,
    complaint_approve,
    complaint_archive,
    complaint_assign,
    complaint_close,
    complaint_notify_decision,
    complaint_propose_decision,
)
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db
S = Complaint.Status


def test_registration_to_archive(
    register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = register(tianhe_handler)
    assert c.number == "TS2026-000001"
    assert c.status == S.REGISTERED
    # DOMAIN.md §4 example: received 2026-03-06, day 15 is a Saturday -> Monday.
    assert c.legal_due == date(2026, 3, 23)
    assert c.internal_due == date(2026, 3, 20)
    assert c.due_on == date(2026, 3, 20)

    c = complaint_accept(complaint=c, actor=tianhe_handler)
    c = complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    c = complaint_propose_decision(
        complaint=c,
        actor=tianhe_handler,
        outcome=Complaint.Outcome.PARTLY,
        decision_text="按定损金额补足差额，其余请求不予支持，理由如下……",
        cause=code("cause", "claim_amount"),
    )
    # Decided before the notice below is dated (dates are evidence).
    with time_machine.travel(datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI)):
        c = complaint_approve(complaint=c, actor=gz_manager)
    c = complaint_notify_decision(
        complaint=c,
        actor=tianhe_handler,
        method="phone",
        occurred_at=datetime(2026, 3, 18, 15, 0, tzinfo=SHANGHAI),
        summary="电话告知处理结果及核查、调解、仲裁、诉讼途径",
    )
    c = complaint_close(complaint=c, actor=tianhe_handler)
    c = complaint_archive(complaint=c, actor=tianhe_handler)

    assert c.status == S.ARCHIVED
    statuses = list(c.history.order_by("history_id").values_list("status", flat=True))
    assert statuses == [
        "registered",
        "accepted",
        "investigating",
        "awaiting_approval",
        "decided",
        "notified",
        "closed",
        "archived",
    ]
    to_complainant = Notification.objects.filter(complaint=c, audience="complainant")
    kinds = set(to_complainant.values_list("kind", flat=True))
    assert kinds == {"acceptance", "decision"}
    # The manager heard that the decision waited for approval.
    staff = Notification.objects.filter(complaint=c, audience="staff")
    assert set(staff.values_list("kind", flat=True)) == {"staff_approval"}
    decision = Notification.objects.filter(complaint=c, kind="decision").first()
    assert "广州中心支公司" in decision.body  # the review route names the upper level
