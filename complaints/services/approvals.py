"""Approval requests: filed by the requester with a reason, decided by an
eligible approver's own act (DOMAIN.md §5a; eligibility in complaints.rules.approvals).

Only `approval_decide` with `approve=True` by an eligible approver carries the
step out (the extension, the decline, the routing, the refusal of mediation);
a rejection returns the request with the approver's reason. Nothing else in the
code performs these steps.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.exceptions import ComplaintError
from complaints.messaging.notifications import (
    queue_complainant_notice,
    queue_staff_alert,
)
from complaints.models import (
    OPEN_STATUSES,
    ApprovalRequest,
    Complaint,
    Extension,
    Routing,
    StaffNotice,
)
from complaints.rules import approvals
from complaints.services import routing as routing_service
from complaints.services._common import (
    lock,
    refresh_deadlines,
    refuse_unless,
    require_may_act,
    save,
)
from complaints.services.aftercare import schedule_callback
from complaints.services.notices import notify_staff
from complaints.timing import deadlines
from complaints.workbench.selectors import person_name
from organisations import permissions as P

C = Complaint
K = ApprovalRequest.Kind
S = ApprovalRequest.Status
EXTENSION_LEVEL = {K.EXTENSION_1: 1, K.EXTENSION_2: 2}

REASON_REQUIRED = gettext_lazy("Give the reason.")
NOTE_REQUIRED = gettext_lazy(
    "Write your own note: an approval or a rejection is recorded with the "
    "approver's reasons."
)
ALREADY_PENDING = gettext_lazy(
    "A request for this step is already waiting for approval: it is in the "
    "approvers' queue."
)
ALREADY_DECIDED = gettext_lazy("This request has already been decided.")
OVERDUE = gettext_lazy(
    "The decision limit ended on %(due)s: this complaint is already overdue. An "
    "extension is requested and approved only while the current limit runs "
    "(Measures art. 18); the overdue stays on the record. Decide and notify the "
    "complainant as soon as possible."
)
NOT_OPEN = gettext_lazy("The decision clock of this complaint is no longer running.")
EXTENSION_MAX = gettext_lazy(
    "No further extension is allowed (Measures art. 18: 60 days at most)."
)
EXTENSION_ORDER = gettext_lazy(
    "The next extension for this complaint is the %(next)s: “%(kind)s” does not "
    "apply now."
)
MEDIATION_REASON = gettext_lazy(
    "Refusing to take part in mediation needs a legitimate reason (2022 "
    "consumer-protection Measures art. 16)."
)


def overdue_since(c: C, today: date) -> date | None:
    """The legal deadline that has passed, or None while the limit runs (a
    running pause that began in time holds the limit)."""
    due = c.legal_due
    if due is None or today <= due:
        return None
    if c.paused_since is not None and c.paused_since <= due:
        return None
    return due


def _check_extension(c: C, kind: str) -> None:
    if c.status not in OPEN_STATUSES or c.item_type != C.ItemType.COMPLAINT:
        raise ComplaintError(NOT_OPEN, code="not_open")
    level = EXTENSION_LEVEL[K(kind)]
    if c.extension_level >= deadlines.MAX_EXTENSION_LEVEL:
        raise ComplaintError(EXTENSION_MAX, code="extension_max")
    if level != c.extension_level + 1:
        nxt = K.EXTENSION_1 if c.extension_level == 0 else K.EXTENSION_2
        raise ComplaintError(
            EXTENSION_ORDER,
            code="extension_order",
            params={"next": K(nxt).label, "kind": K(kind).label},
        )
    late = overdue_since(c, timezone.localdate())
    if late is not None:
        raise ComplaintError(OVERDUE, code="overdue", params={"due": late.isoformat()})


def _check_applies(c: C, kind: str) -> None:
    """The step can still happen now (requested, and again when approved)."""
    if kind in EXTENSION_LEVEL:
        _check_extension(c, kind)
    elif kind == K.DECLINE:
        refuse_unless(c, "decline")
    elif kind in (K.ALREADY_DECIDED, K.ROUTE_OTHER):
        refuse_unless(c, "route")
    elif kind == K.REFUSE_MEDIATION:
        refuse_unless(c, "record_mediation_outcome")


def approval_file(
    c: C,
    actor: Any,
    kind: str,
    reason: str,
    *,
    routing: Routing | None = None,
) -> ApprovalRequest:
    """File a request on the locked complaint `c` (the caller checked the
    requester's permission) and tell the eligible approvers."""
    if not (reason or "").strip():
        raise ComplaintError({"reason": REASON_REQUIRED})
    _check_applies(c, kind)
    if ApprovalRequest.objects.filter(
        complaint=c, kind=kind, status=S.PENDING
    ).exists():
        raise ComplaintError(ALREADY_PENDING, code="already_pending")
    if routing is not None:
        routing_service.store(routing, actor, _("Routing proposed for approval"))
    req = ApprovalRequest(
        complaint=c,
        kind=kind,
        reason=reason.strip(),
        routing=routing,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    req._history_user = actor  # type: ignore[attr-defined]
    req._change_reason = _("Approval requested")  # type: ignore[attr-defined]
    req.full_clean(exclude=["complaint", "routing", "requested_by"])
    req.save()
    notify_approvers(req)
    return req


@transaction.atomic
def approval_request(
    *,
    complaint: C,
    actor: Any,
    kind: str,
    reason: str,
    expected_version: Any = None,
) -> ApprovalRequest:
    """File a request for an extension or for refusing mediation. (Declines and
    routings are filed by complaint_decline / complaint_route with their
    record.)"""
    c = lock(complaint, expected_version=expected_version)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "request_approval")
    if kind not in (K.EXTENSION_1, K.EXTENSION_2, K.REFUSE_MEDIATION):
        raise ComplaintError({"kind": REASON_REQUIRED})
    return approval_file(c, actor, kind, reason)


@transaction.atomic
def approval_decide(
    *, request: ApprovalRequest, actor: Any, approve: bool, note: str
) -> ApprovalRequest:
    """The approver's own act: approve (the step happens now) or reject with a
    reason. Refused for the requester, for anyone not eligible, for a
    conflicted person, and for an extension once the limit has run out."""
    c = lock(request.complaint)
    req = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    req.complaint = c
    if not P.has(actor, P.VIEW, c.institution):
        raise P.NotFound(P.NOT_FOUND)
    # The one guard (frozen file, withdrawal, 回避) before the approval rules.
    require_may_act(c, actor, "decide_approval")
    problem = approvals.decide_problem(actor, req)
    if problem:
        raise PermissionDenied(problem)
    if not req.is_pending:
        raise ComplaintError(ALREADY_DECIDED, code="decided")
    if not (note or "").strip():
        raise ComplaintError({"note": NOTE_REQUIRED})
    if approve:
        _check_applies(c, req.kind)
    req.status = S.APPROVED if approve else S.REJECTED
    req.decided_by, req.decided_at, req.decision_note = (
        actor,
        timezone.now(),
        note.strip(),
    )
    req._history_user = actor  # type: ignore[attr-defined]
    req._change_reason = str(req.get_status_display())  # type: ignore[attr-defined]
    req.save()
    if approve:
        _carry_out(c, req, actor)
    else:
        save(
            c,
            actor,
            _("Request rejected (%(kind)s): %(note)s")
            % {"kind": req.get_kind_display(), "note": req.decision_note},
        )
    notify_requester(req)
    return req


def _carry_out(c: C, req: ApprovalRequest, approver: Any) -> None:
    if req.kind in EXTENSION_LEVEL:
        _extend(c, req, approver)
    elif req.kind == K.REFUSE_MEDIATION:
        _refuse_mediation(c, req, approver)
    else:
        assert req.routing is not None
        routing_service.routing_apply(c, req.routing, approver, approved_by=approver)


def _extend(c: C, req: ApprovalRequest, approver: Any) -> Extension:
    level = EXTENSION_LEVEL[K(req.kind)]
    previous = c.legal_due
    c.extension_level = level
    refresh_deadlines(c)
    assert c.legal_due is not None  # an open complaint always has one
    extension = Extension(
        complaint=c,
        level=level,
        reason=req.reason,
        previous_due=previous or c.legal_due,
        new_due=c.legal_due,
        requested_by=req.requested_by,
        approved_by=approver,
    )
    extension._history_user = approver  # type: ignore[attr-defined]
    extension.save()
    c.reminder_level = c.escalation_level = 0  # a new deadline earns fresh reminders
    save(
        c,
        approver,
        _("Extension %(level)d to %(due)s approved: %(reason)s")
        % {"level": level, "due": c.legal_due, "reason": req.reason},
    )
    queue_complainant_notice(c, "extension", extension=extension, approval=req)
    return extension


def _refuse_mediation(c: C, req: ApprovalRequest, approver: Any) -> None:
    c.record_mediation_outcome()
    c.mediation_outcome = C.MediationOutcome.DECLINED
    c.mediation_note = req.reason
    c.closed_at = timezone.now()
    schedule_callback(c)
    save(
        c,
        approver,
        _("Mediation: %(outcome)s (approved)")
        % {"outcome": c.get_mediation_outcome_display()},
    )


# --- Staff notices -----------------------------------------------------------------
# The one place the approvers and the requester are told of a request.
def notify_approvers(req: ApprovalRequest) -> int:
    """In the application and by e-mail (the workbench's staff notices), with
    the link to the request's page where it is decided."""

    written = notify_staff(
        complaint=req.complaint,
        kind=StaffNotice.Kind.APPROVAL,
        users=approvals.eligible_approvers(req),
        actor=req.requested_by,
        url=reverse("admin:complaints_approvalrequest_change", args=[req.pk]),
        event=f"approval-{req.pk}",
        text=f"{req.get_kind_display()}：{req.reason}",
        watchers=False,
    )
    return len(written)


def notify_requester(req: ApprovalRequest) -> int:
    """The requester hears the decision and the approver's note by e-mail."""
    return queue_staff_alert(
        req.complaint,
        "approval_decided",
        [req.requested_by],
        request=req,
        approver=person_name(req.decided_by),
    )
