"""verify_audit compares the live rows with their history (issue 14 point 6):
each kind of tampering done with SQL outside the application is reported.
The outbox is part of the sealed chain; people in the history are never
deleted. Run on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError

from complaints.integrity import audit
from complaints.models import Complaint, Correspondence, Notification
from tests.complaints.test_audit_chain import (
    H_COMPLAINT,
    H_CORRESPONDENCE,
    chain,
    letter,
    raw,
    table,
    verify,
    verify_fails,
)

pytestmark = pytest.mark.django_db
S = Complaint.Status
H_NOTIFICATION: Any = Notification.history.model  # type: ignore[attr-defined]


@pytest.fixture
def case(at: Any, tianhe_handler: Any) -> Complaint:
    c = at(S.CLOSED)
    letter(c, tianhe_handler)
    return Complaint.objects.get(pk=c.pk)


def test_the_untouched_case_verifies(case: Complaint) -> None:
    assert "Audit trail intact" in verify()


def test_a_live_complaint_changed_with_sql_is_reported(case: Complaint) -> None:
    raw(
        f"UPDATE {table(Complaint)} SET outcome = %s WHERE id = %s",
        "supported",
        case.pk,
    )
    out = verify_fails()
    assert f"{case.number} [live_differs]" in out
    assert "differs from its latest history in outcome" in out


def test_a_complaint_that_lost_its_history_is_reported(case: Complaint) -> None:
    raw(f"DELETE FROM {table(H_COMPLAINT)} WHERE id = %s", case.pk)
    out = verify_fails()
    assert f"{case.number} [no_history]" in out


def test_correspondence_that_lost_its_history_is_reported(case: Complaint) -> None:
    entry = Correspondence.objects.get(complaint=case, direction="in")
    raw(f"DELETE FROM {table(H_CORRESPONDENCE)} WHERE id = %s", entry.pk)
    out = verify_fails()
    assert "[no_history]" in out
    assert f"row {entry.pk} has no history" in out


def test_a_deleted_correspondence_row_is_reported(case: Complaint) -> None:
    entry = Correspondence.objects.get(complaint=case, direction="in")
    raw(f"DELETE FROM {table(Correspondence)} WHERE id = %s", entry.pk)
    out = verify_fails()
    assert f"{case.number} [deleted]" in out
    assert f"row {entry.pk} was deleted" in out


def test_changed_correspondence_is_reported(case: Complaint) -> None:
    entry = Correspondence.objects.get(complaint=case, direction="in")
    raw(
        f"UPDATE {table(Correspondence)} SET summary = %s WHERE id = %s", "改", entry.pk
    )
    assert "differs from its latest history in summary" in verify_fails()


def test_the_outbox_is_a_link_of_the_chain(case: Complaint) -> None:
    rows = chain(case)
    notices = [r for r in rows if isinstance(r, H_NOTIFICATION)]
    assert len(notices) == Notification.objects.filter(complaint=case).count() > 0
    assert "notification" in audit.SEALED_LATER
    raw(
        f"UPDATE {table(H_NOTIFICATION)} SET subject = %s WHERE id = %s",
        "改过的标题",
        notices[0].id,
    )
    out = verify_fails()
    assert f"[personal] {H_NOTIFICATION._meta.label_lower}" in out


def test_a_person_in_the_history_is_deactivated_not_deleted(
    case: Complaint, tianhe_handler: Any, client: Any
) -> None:
    with pytest.raises(ProtectedError):
        tianhe_handler.delete()
    admin = get_user_model().objects.create_superuser("root", "r@example.com", "x")
    client.force_login(admin)
    url = f"/admin/auth/user/{tianhe_handler.pk}/delete/"
    response = client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    tianhe_handler.refresh_from_db()
    assert tianhe_handler.is_active is False
    assert "Audit trail intact" in verify()


def test_an_account_in_no_history_is_deleted(case: Complaint) -> None:
    from complaints.integrity.staff_accounts import staff_account_remove

    nobody = get_user_model().objects.create_user("nobody", "n@example.com", "x")
    assert staff_account_remove(user=nobody) is True
    assert not get_user_model().objects.filter(username="nobody").exists()


def test_an_approval_record_is_a_link_of_the_chain(at: Any) -> None:
    """The approver's decision is evidence: its history row is sealed, and a
    note rewritten with SQL breaks the chain (issue 14 point 6)."""
    from complaints.models import ApprovalRequest

    h_approval: Any = ApprovalRequest.history.model  # type: ignore[attr-defined]
    c = at(S.DECLINED)  # the decline took effect on a manager's approval
    decided = h_approval.objects.filter(
        complaint_id=c.pk, status=ApprovalRequest.Status.APPROVED
    ).latest("history_date")
    assert "Audit trail intact" in verify()
    raw(
        f"UPDATE {table(h_approval)} SET decision_note = %s WHERE history_id = %s",
        "改过的审批意见",
        decided.history_id,
    )
    assert h_approval._meta.label_lower in verify_fails()
