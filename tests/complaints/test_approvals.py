"""Approvals are acts of the approver (DOMAIN.md §5a; Measures art. 18): the
requester files, an eligible approver decides with their own note, the
requester never approves, and an extension is filed and approved only while
the current limit runs. Service door: every refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from complaints import services as svc
from complaints.exceptions import ComplaintError
from complaints.models import (
    ApprovalRequest,
    Complaint,
    Extension,
    Letter,
    Notification,
    StaffNotice,
)
from complaints.rules import approvals
from complaints.services import approvals as approval_service
from complaints.workbench.selectors import person_name
from organisations.models import Membership
from organisations.permissions import NotFound
from tests.approval_steps import EXTENSION_REASON, approve, extend
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
K = ApprovalRequest.Kind
QUEUE = "/admin/complaints/approvalrequest/"
R = Membership.Role


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def accepted(register: Any, tianhe_handler: Any) -> Complaint:
    """Received 2026-03-06 at 天河 (GDGZTH): legal due 03-23."""
    return svc.complaint_accept(
        complaint=register(tianhe_handler), actor=tianhe_handler
    )


def request_extension(c: Complaint, actor: Any, level: int = 1) -> ApprovalRequest:
    req = svc.complaint_extend(
        complaint=c, actor=actor, level=level, reason=EXTENSION_REASON
    )
    assert isinstance(req, ApprovalRequest)
    return req


def complainant_notices(c: Complaint, kind: str) -> list[Notification]:
    return list(
        Notification.objects.filter(complaint=c, kind=kind, audience="complainant")
    )


def snapshot(c: Complaint) -> tuple[Any, ...]:
    c = Complaint.objects.get(pk=c.pk)
    return (
        c.status,
        c.extension_level,
        c.legal_due,
        c.history.count(),
        Extension.objects.filter(complaint=c).count(),
        Notification.objects.filter(complaint=c, audience="complainant").count(),
        Letter.objects.filter(complaint=c).count(),
        ApprovalRequest.objects.filter(complaint=c, status="pending").count(),
    )


# --- First extension --------------------------------------------------------------
@pytest.mark.parametrize("approver", ["gz_manager", "gd_manager", "senior"])
def test_first_extension_takes_effect_only_when_a_manager_approves(
    accepted: Complaint,
    tianhe_handler: Any,
    request: pytest.FixtureRequest,
    approver: str,
) -> None:
    manager = request.getfixturevalue(approver)
    req = request_extension(accepted, tianhe_handler)

    # Filed: nothing moved yet, the request waits in the approver's queue and
    # the approver was e-mailed.
    c = Complaint.objects.get(pk=accepted.pk)
    assert (c.extension_level, c.legal_due) == (0, date(2026, 3, 23))
    assert not complainant_notices(c, "extension")
    assert list(approvals.pending_for(manager)) == [req]
    assert not approvals.pending_for(tianhe_handler).exists()
    notice = StaffNotice.objects.get(recipient=manager, complaint=c)
    assert (notice.kind, notice.url) == ("approval", f"{QUEUE}{req.pk}/change/")
    assert not StaffNotice.objects.filter(recipient=tianhe_handler).exists()
    alert = Notification.objects.get(kind="staff_approval", recipient=manager)
    assert c.number in alert.subject

    before = c.history.count()
    svc.approval_decide(request=req, actor=manager, approve=True, note="同意延期")

    c.refresh_from_db()
    ext = Extension.objects.get(complaint=c)
    # 2026-03-06 + 30 = Sunday 04-05 in the Qingming holiday -> 04-07.
    assert (ext.level, ext.previous_due, ext.new_due) == (
        1,
        date(2026, 3, 23),
        date(2026, 4, 7),
    )
    assert (ext.requested_by, ext.approved_by) == (tianhe_handler, manager)
    assert (c.extension_level, c.legal_due) == (1, date(2026, 4, 7))
    assert c.history.count() == before + 1
    assert c.history.latest().history_user == manager
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.decision_note) == (
        "approved",
        manager,
        "同意延期",
    )
    # The complainant is told the reason and the new date, and the letter is kept.
    rows = complainant_notices(c, "extension")
    assert {r.channel for r in rows} == {"email", "sms"}
    for row in rows:
        assert "2026-04-07" in row.body
        assert EXTENSION_REASON in row.body
    letter = Letter.objects.get(complaint=c, kind="extension")
    assert "2026年4月7日" in letter.content
    assert not approvals.pending_for(manager).exists()
    assert Notification.objects.filter(
        kind="approval_decided", recipient=tianhe_handler
    ).exists()


@pytest.mark.parametrize(
    ("decider", "message"),
    [
        ("tianhe_handler", approvals.OWN_REQUEST),
        ("gz_handler", approvals.NOT_ELIGIBLE),
        ("gd_reviewer", approvals.NOT_ELIGIBLE),
        ("ho_compliance", approvals.NOT_ELIGIBLE),
    ],
)
def test_first_extension_refused_to_anyone_but_an_eligible_approver(
    accepted: Complaint,
    tianhe_handler: Any,
    request: pytest.FixtureRequest,
    decider: str,
    message: Any,
) -> None:
    user = request.getfixturevalue(decider)
    req = request_extension(accepted, tianhe_handler)
    before = snapshot(accepted)
    with pytest.raises(PermissionDenied) as exc:
        svc.approval_decide(request=req, actor=user, approve=True, note="同意")
    who = approvals.WHO_APPROVES[K.EXTENSION_1]
    assert str(exc.value) == str(message % {"who": who})
    assert snapshot(accepted) == before
    assert ApprovalRequest.objects.get(pk=req.pk).status == "pending"


def test_a_manager_never_approves_their_own_request(
    register: Any, gz_manager: Any, gd_manager: Any
) -> None:
    c = register(gz_manager, institution="GDGZ")
    req = request_extension(c, gz_manager)
    assert not approvals.pending_for(gz_manager).exists()
    before = snapshot(c)
    with pytest.raises(PermissionDenied):
        svc.approval_decide(request=req, actor=gz_manager, approve=True, note="同意")
    assert snapshot(c) == before
    approve(req, gd_manager)
    assert Complaint.objects.get(pk=c.pk).extension_level == 1


def test_an_outsider_cannot_see_or_decide_the_request(
    accepted: Complaint, tianhe_handler: Any, make_member: Any
) -> None:
    zj_manager = make_member("zj_manager", R.MANAGER, "ZJ")
    req = request_extension(accepted, tianhe_handler)
    assert not approvals.pending_for(zj_manager).exists()
    with pytest.raises(NotFound):
        svc.approval_decide(request=req, actor=zj_manager, approve=True, note="同意")


def test_a_conflicted_manager_approves_nothing(
    accepted: Complaint, tianhe_handler: Any, gz_manager: Any
) -> None:
    svc.recusal_declare(
        complaint=accepted, actor=gz_manager, user=gz_manager, reason="系投保人亲属"
    )
    req = request_extension(accepted, tianhe_handler)
    assert not approvals.pending_for(gz_manager).exists()
    before = snapshot(accepted)
    with pytest.raises(PermissionDenied) as exc:
        svc.approval_decide(request=req, actor=gz_manager, approve=True, note="同意")
    # The one guard on every act (services._common) refuses it, saying why.
    assert str(exc.value).startswith(person_name(gz_manager))
    assert "回避" in str(exc.value)
    assert snapshot(accepted) == before


# --- Second extension ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("institution", "approver", "allowed"),
    [
        ("GDGZTH", "senior", True),  # head-office senior manager
        ("GDGZTH", "gz_manager", True),  # GDGZ is the upper level of GDGZTH
        ("GDGZ", "gd_manager", True),  # GD is the upper level of GDGZ
        ("GDGZ", "senior", True),
        ("GDGZ", "gz_manager", False),  # the branch's own manager
        ("GDGZTH", "gd_reviewer", False),  # upper level, but no approval role
        ("GD", "gd_senior", False),  # senior_manager held at a province, not HO
        ("GD", "gd_manager", False),
        ("GD", "senior", True),
        ("GDGZ", "gd_senior", False),  # nor is it a manager of the upper level
    ],
)
def test_second_extension_by_the_upper_level_or_head_office_senior_manager(
    register: Any,
    gz_handler: Any,
    gd_manager: Any,
    senior: Any,
    make_member: Any,
    request: pytest.FixtureRequest,
    institution: str,
    approver: str,
    allowed: bool,
) -> None:
    make_member("gd_senior", R.SENIOR_MANAGER, "GD")
    make_member("gd_handler", R.HANDLER, "GD")
    requester = gz_handler if institution != "GD" else request.getfixturevalue("gd_h")
    c = register(requester, institution=institution)
    first = gd_manager if institution != "GD" else senior
    extend(c, requester, 1, first)
    user = request.getfixturevalue(approver)
    req = request_extension(c, requester, level=2)
    assert approvals.pending_for(user).filter(pk=req.pk).exists() == allowed
    assert (user in approvals.eligible_approvers(req)) == allowed
    if not allowed:
        before = snapshot(c)
        with pytest.raises(PermissionDenied):
            svc.approval_decide(request=req, actor=user, approve=True, note="同意")
        assert snapshot(c) == before
        return
    approve(req, user)
    c.refresh_from_db()
    assert c.extension_level == 2
    ext = Extension.objects.get(complaint=c, level=2)
    assert (ext.approved_by, ext.requested_by) == (user, requester)
    assert len(complainant_notices(c, "extension")) == 4


@pytest.fixture
def gd_h(django_user_model: Any) -> Any:
    return django_user_model.objects.get(username="gd_handler")


@pytest.fixture
def gd_senior(django_user_model: Any) -> Any:
    return django_user_model.objects.get(username="gd_senior")


def test_extensions_go_in_order_and_stop_at_the_second(
    accepted: Complaint, tianhe_handler: Any, gz_manager: Any, senior: Any
) -> None:
    before = snapshot(accepted)
    with pytest.raises(ComplaintError) as exc:
        request_extension(accepted, tianhe_handler, level=2)
    assert exc.value.code == "extension_order"
    assert snapshot(accepted) == before
    extend(accepted, tianhe_handler, 1, gz_manager)
    extend(accepted, tianhe_handler, 2, senior)
    for level in (1, 2):
        with pytest.raises(ComplaintError) as exc:
            request_extension(accepted, tianhe_handler, level=level)
        assert exc.value.messages == [str(approval_service.EXTENSION_MAX)]
    assert Extension.objects.filter(complaint=accepted).count() == 2


def test_one_pending_request_per_step(accepted: Complaint, tianhe_handler: Any) -> None:
    request_extension(accepted, tianhe_handler)
    with pytest.raises(ComplaintError) as exc:
        request_extension(accepted, tianhe_handler)
    assert exc.value.messages == [str(approval_service.ALREADY_PENDING)]
    assert ApprovalRequest.objects.filter(complaint=accepted).count() == 1


def test_request_needs_a_reason_an_open_clock_and_scope(
    accepted: Complaint, tianhe_handler: Any, xihu_handler: Any
) -> None:
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_extend(
            complaint=accepted, actor=tianhe_handler, level=1, reason=" "
        )
    assert exc.value.message_dict == {"reason": [str(approval_service.REASON_REQUIRED)]}
    with pytest.raises(NotFound):
        request_extension(accepted, xihu_handler)
    assert not ApprovalRequest.objects.exists()


# --- Time: only while the limit runs ------------------------------------------------
def test_a_late_request_is_refused_and_the_overdue_stays(
    accepted: Complaint, tianhe_handler: Any
) -> None:
    with time_machine.travel(datetime(2026, 3, 24, 9, 0, tzinfo=SHANGHAI), tick=False):
        before = snapshot(accepted)
        with pytest.raises(ComplaintError) as exc:
            request_extension(accepted, tianhe_handler)
    assert exc.value.code == "overdue"
    assert "2026-03-23" in exc.value.messages[0]
    assert "overdue" in exc.value.messages[0]
    assert snapshot(accepted) == before
    assert Complaint.objects.get(pk=accepted.pk).legal_due == date(2026, 3, 23)


def test_a_request_filed_in_time_cannot_be_approved_after_the_limit(
    accepted: Complaint, tianhe_handler: Any, gz_manager: Any
) -> None:
    req = request_extension(accepted, tianhe_handler)
    with time_machine.travel(datetime(2026, 3, 24, 9, 0, tzinfo=SHANGHAI), tick=False):
        before = snapshot(accepted)
        with pytest.raises(ComplaintError) as exc:
            svc.approval_decide(
                request=req, actor=gz_manager, approve=True, note="同意"
            )
        assert exc.value.code == "overdue"
        assert snapshot(accepted) == before
        # It can still be rejected, with the reason.
        svc.approval_decide(
            request=req, actor=gz_manager, approve=False, note="已超期，不予延期"
        )
    assert ApprovalRequest.objects.get(pk=req.pk).status == "rejected"
    assert Complaint.objects.get(pk=accepted.pk).legal_due == date(2026, 3, 23)


def test_a_running_pause_that_began_in_time_holds_the_limit(
    accepted: Complaint, tianhe_handler: Any, gz_manager: Any
) -> None:
    svc.complaint_pause(
        complaint=accepted,
        actor=tianhe_handler,
        started_on=date(2026, 3, 10),
        body="广州市价格认证中心",
        reason="车辆损失价格鉴定",
    )
    with time_machine.travel(datetime(2026, 3, 25, 9, 0, tzinfo=SHANGHAI), tick=False):
        approve(request_extension(accepted, tianhe_handler), gz_manager)
    assert Complaint.objects.get(pk=accepted.pk).extension_level == 1


# --- Rejection ------------------------------------------------------------------------
def test_a_rejection_returns_the_request_with_the_reason(
    accepted: Complaint, tianhe_handler: Any, gz_manager: Any
) -> None:
    req = request_extension(accepted, tianhe_handler)
    with pytest.raises(ComplaintError) as exc:
        svc.approval_decide(request=req, actor=gz_manager, approve=False, note=" ")
    assert exc.value.message_dict == {"note": [str(approval_service.NOTE_REQUIRED)]}
    before = snapshot(accepted)
    svc.approval_decide(
        request=req, actor=gz_manager, approve=False, note="材料已齐备，可按期答复"
    )
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.decision_note) == (
        "rejected",
        gz_manager,
        "材料已齐备，可按期答复",
    )
    c = Complaint.objects.get(pk=accepted.pk)
    assert (c.extension_level, c.legal_due) == (0, date(2026, 3, 23))
    assert not complainant_notices(c, "extension")
    assert c.history.count() == before[3] + 1  # the rejection is on the record
    told = Notification.objects.get(kind="approval_decided", recipient=tianhe_handler)
    assert "材料已齐备" in told.body
    with pytest.raises(ComplaintError):
        svc.approval_decide(request=req, actor=gz_manager, approve=True, note="同意")
    # A new request may be filed after a rejection.
    request_extension(accepted, tianhe_handler)


# --- Refusing mediation: compliance approves ------------------------------------
# After the decision notice (2026-03-18): dates are evidence.
@time_machine.travel(datetime(2026, 3, 19, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_refusing_mediation_needs_compliance_approval(
    at: Any, tianhe_handler: Any, gz_manager: Any, ho_compliance: Any
) -> None:
    c = at("notified")
    c = svc.complaint_refer_to_mediation(
        complaint=c,
        actor=tianhe_handler,
        body="广东保险纠纷调解中心",
        referred_on=date(2026, 3, 19),
    )
    req = svc.complaint_record_mediation_outcome(
        complaint=c, actor=tianhe_handler, outcome="declined", note="该纠纷已由法院立案"
    )
    assert isinstance(req, ApprovalRequest)
    assert req.kind == K.REFUSE_MEDIATION
    assert Complaint.objects.get(pk=c.pk).status == "in_mediation"
    with pytest.raises(PermissionDenied):
        svc.approval_decide(request=req, actor=gz_manager, approve=True, note="同意")
    assert list(approvals.pending_for(ho_compliance)) == [req]
    c = approve(req, ho_compliance)
    assert (c.status, c.mediation_outcome) == ("closed", "declined")
    assert c.history.latest().history_user == ho_compliance
