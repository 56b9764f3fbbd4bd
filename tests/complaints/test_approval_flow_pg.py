"""The approval flow end to end on PostgreSQL, through the admin as people use
it: a handler requests, the request waits in the queue of those eligible, an
eligible approver approves with a note, the deadline moves and the complainant's
notice is queued; the requester, an ineligible person, a late request and a
rejection each change nothing else. Two approvers deciding at the same moment:
the request is carried out once.

Run with DATABASE_URL=postgres://... (skipped on SQLite).
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from complaints import services as svc
from complaints.models import (
    ApprovalRequest,
    Complaint,
    Extension,
    Letter,
    Notification,
)
from tests.approval_steps import EXTENSION_REASON
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_admin_transitions import act

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL run of the approval flow"
)
QUEUE = "/admin/complaints/approvalrequest/"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))


def queue(client: Any) -> list[str]:
    """The complaint numbers on the user's approval queue (its default view)."""
    response = client.get(QUEUE)
    assert response.status_code == 200
    return [r.complaint.number for r in response.context["cl"].result_list]


def decide(client: Any, req: ApprovalRequest, note: str, button: str) -> Any:
    return client.post(f"{QUEUE}{req.pk}/change/", {"note": note, button: "1"})


@pytest.mark.django_db
def test_second_extension_request_queue_approve_notice(
    client: Any,
    register: Any,
    tianhe_handler: Any,
    gz_handler: Any,
    gz_manager: Any,
    gd_manager: Any,
    senior: Any,
    make_member: Any,
) -> None:
    province_senior = make_member("gd_senior", "senior_manager", "GD")
    c = register(gz_handler, institution="GDGZ")
    c = svc.complaint_accept(complaint=c, actor=gz_handler)

    # First extension: requested on the case page, approved by the branch manager.
    client.force_login(gz_handler)
    assert act(client, c, "extend", level=1, reason=EXTENSION_REASON).status_code == 302
    first = ApprovalRequest.objects.get(complaint=c, kind="extension_1")
    client.force_login(gz_manager)
    assert queue(client) == [c.number]
    assert decide(client, first, "同意延期", "_approve").status_code == 302
    c.refresh_from_db()
    assert (c.extension_level, c.legal_due) == (1, date(2026, 4, 7))

    # Second extension: the handler files it; it waits for the upper level or
    # head office's senior manager, not for the branch's own manager.
    client.force_login(gz_handler)
    reason = "需等待司法鉴定意见，案情特别复杂"
    assert act(client, c, "extend", level=2, reason=reason).status_code == 302
    second = ApprovalRequest.objects.get(complaint=c, kind="extension_2")
    for outsider in (gz_manager, province_senior, tianhe_handler):
        client.force_login(outsider)
        assert c.number not in queue(client)
        before = (Complaint.objects.get(pk=c.pk).legal_due, Extension.objects.count())
        response = decide(client, second, "同意", "_approve")
        assert response.status_code in (200, 404)
        assert (
            Complaint.objects.get(pk=c.pk).legal_due,
            Extension.objects.count(),
        ) == (before)
    # The requester cannot approve it either.
    client.force_login(gz_handler)
    assert decide(client, second, "同意", "_approve").status_code == 200
    assert ApprovalRequest.objects.get(pk=second.pk).status == "pending"

    client.force_login(senior)
    assert queue(client) == [c.number]
    assert decide(client, second, "同意再延长三十日", "_approve").status_code == 302
    c.refresh_from_db()
    # 30 + 30 days from receipt: 2026-05-05 is in the Labour Day holiday -> 05-06.
    assert (c.extension_level, c.legal_due) == (2, date(2026, 5, 6))
    ext = Extension.objects.get(complaint=c, level=2)
    assert (ext.requested_by, ext.approved_by, ext.reason) == (
        gz_handler,
        senior,
        reason,
    )
    notices = Notification.objects.filter(complaint=c, kind="extension").order_by("pk")
    assert [n.channel for n in notices][-2:] == ["email", "sms"]
    assert "2026-05-06" in notices.last().body
    assert reason in notices.last().body
    letter = Letter.objects.filter(complaint=c, kind="extension").order_by("pk").last()
    assert "再延长至2026年5月6日" in letter.content
    assert get_user_model().objects.filter(pk=gd_manager.pk).exists()


@pytest.mark.django_db
def test_late_and_rejected_requests_change_nothing(
    client: Any, time_machine: Any, register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = svc.complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    client.force_login(tianhe_handler)
    assert act(client, c, "extend", level=1, reason=EXTENSION_REASON).status_code == 302
    req = ApprovalRequest.objects.get(complaint=c)
    client.force_login(gz_manager)
    assert decide(client, req, "可按期答复", "_reject").status_code == 302
    c.refresh_from_db()
    assert (c.extension_level, c.legal_due) == (0, date(2026, 3, 23))
    assert ApprovalRequest.objects.get(pk=req.pk).status == "rejected"

    time_machine.move_to(datetime(2026, 3, 24, 9, 0, tzinfo=SHANGHAI))
    client.force_login(tianhe_handler)
    response = act(client, c, "extend", level=1, reason=EXTENSION_REASON)
    assert response.status_code == 200
    assert "overdue" in response.content.decode()
    assert ApprovalRequest.objects.filter(complaint=c).count() == 1
    assert Complaint.objects.get(pk=c.pk).legal_due == date(2026, 3, 23)


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_carry_the_request_out_once(
    register: Any, tianhe_handler: Any, gz_manager: Any, gd_manager: Any
) -> None:
    c = svc.complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    req = svc.complaint_extend(
        complaint=c, actor=tianhe_handler, level=1, reason=EXTENSION_REASON
    )
    barrier = threading.Barrier(2)
    results: dict[int, Any] = {}

    def work(user_pk: int) -> None:
        try:
            actor = get_user_model().objects.get(pk=user_pk)
            barrier.wait(timeout=30)
            results[user_pk] = svc.approval_decide(
                request=req, actor=actor, approve=True, note="同意"
            )
        except Exception as exc:  # the loser's answer
            results[user_pk] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(u.pk,)) for u in (gz_manager, gd_manager)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Extension.objects.filter(complaint=c).count() == 1
    assert Complaint.objects.get(pk=c.pk).extension_level == 1
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["ApprovalRequest", "ComplaintError"]
