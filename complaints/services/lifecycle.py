"""One service per transition of the lifecycle in DESIGN.md.

Each: locks the row, checks the actor's branch permission and role, checks the
transition applies, calls it, saves once with who and why (one history row),
and queues the notices owed to the complainant in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import exceptions as E
from complaints.exceptions import ComplaintError
from complaints.messaging.notifications import queue_complainant_notice
from complaints.models import (
    ApprovalRequest,
    Code,
    Complaint,
    Correspondence,
    Recusal,
    Routing,
    StaffNotice,
)
from complaints.services._common import (
    is_subject,
    lock,
    refuse_unless,
    require_may_act,
    save,
    start,
)
from complaints.services.aftercare import schedule_callback
from complaints.services.independence import review_problem
from complaints.services.notices import case_url, notify_staff
from complaints.services.routing import (
    NOT_STANDING_ROUTE,
    approval_kind,
    routing_apply,
    routing_build,
)
from complaints.services.routing import store as routing_store
from complaints.timing import deadlines, evidence
from complaints.timing.workdays import DatabaseCalendar
from organisations import permissions

C = Complaint
P = permissions
K = StaffNotice.Kind


E_DECLARE_NO_CONFLICT = gettext_lazy(
    "Not taken: taking a case requires your declaration that you have no "
    "conflict of interest in it (回避); tick the declaration and take it again. "
    "If you have one, declare it instead (申明回避): a colleague or a manager "
    "takes the case."
)


def _require_text(text: str, field: str = "note") -> None:
    if not (text or "").strip():
        raise ComplaintError({field: E.REASON_REQUIRED})


@transaction.atomic
def complaint_accept(
    *,
    complaint: C,
    actor: Any,
    note: str = "",
    expected_version: datetime | None = None,
) -> C:
    c = start(complaint, actor, P.HANDLE, "accept", expected_version=expected_version)
    if c.representation != C.Representation.SELF and not c.authority_verified:
        raise ComplaintError({"authority_verified": E.AUTHORITY_MISSING})
    c.accept()
    c.accepted_at = timezone.now()
    save(c, actor, note or _("Accepted"))
    queue_complainant_notice(c, "acceptance")
    return c


@transaction.atomic
def complaint_decline(
    *,
    complaint: C,
    actor: Any,
    standing_ground: str,
    checked: str,
    note: str,
    expected_version: datetime | None = None,
) -> ApprovalRequest:
    """Request the one refusal the Measures allow: not lodged by the consumer,
    their statutory or authorised agent or heir (arts. 14, 18), with what was
    checked. It takes effect when a manager approves it (DOMAIN.md §5a);
    everything else is routing."""
    from complaints.services.approvals import approval_file

    c = start(complaint, actor, P.HANDLE, "decline", expected_version=expected_version)
    routing = routing_build(
        c,
        actor,
        kind=Routing.Kind.DECLINED,
        note=note,
        standing_ground=standing_ground,
        checked=checked,
    )
    return approval_file(c, actor, ApprovalRequest.Kind.DECLINE, note, routing=routing)


@transaction.atomic
def complaint_route(
    *,
    complaint: C,
    actor: Any,
    kind: str,
    reason: Code,
    note: str,
    item_type: str = "",
    merged_into: C | None = None,
    forwarded_to: str = "",
    forum: str = "",
    forum_name: str = "",
    case_number: str = "",
    proceeding_on: date | None = None,
    expected_version: datetime | None = None,
) -> C | ApprovalRequest:
    """Reclassify, forward, link to a proceeding, merge, or answer by an earlier
    decision, each with its target. Answering by an earlier decision, and any
    routing for an "other" reason, wait for a manager's approval: the request
    is returned instead of the routed complaint."""
    from complaints.services.approvals import approval_file

    c = start(complaint, actor, P.HANDLE, "route", expected_version=expected_version)
    if kind == Routing.Kind.DECLINED:
        raise ComplaintError({"reason": NOT_STANDING_ROUTE})
    routing = routing_build(
        c,
        actor,
        kind=kind,
        reason=reason,
        note=note,
        item_type=item_type,
        merged_into=merged_into,
        forwarded_to=forwarded_to,
        forum=forum,
        forum_name=forum_name,
        case_number=case_number,
        proceeding_on=proceeding_on,
    )
    needs = approval_kind(routing)
    if needs:
        return approval_file(c, actor, needs, note, routing=routing)
    routing_store(routing, actor, _("Routing recorded"))
    return routing_apply(c, routing, actor)


def _add_to_file(entry: Correspondence, actor: Any) -> None:
    """Save a case-file entry with its author in its history row (C21)."""
    entry._history_user = actor  # type: ignore[attr-defined]
    entry.full_clean()
    entry.save()


def took_part(c: C, user: Any) -> bool:
    """Whether `user` handled, drafted or approved `c`, now or at any earlier
    point: a re-assigned handler or a returned draft stays in the history."""
    if user.pk in {c.handler_id, c.drafted_by_id, c.approved_by_id}:
        return True
    return c.history.filter(
        Q(handler_id=user.pk) | Q(drafted_by_id=user.pk) | Q(approved_by_id=user.pk)
    ).exists()


def handler_problem(c: C, user: Any) -> str:
    """Why `user` may not handle `c`, or "" (recusal, subject, scope)."""
    from complaints.workbench.selectors import person_name

    if not (user.is_staff and P.has(user, P.HANDLE, c.institution)):
        return str(E.HANDLER_NOT_ELIGIBLE) % {
            "user": person_name(user),
            "institution": c.institution,
        }
    return conflict_problem(c, user)


def conflict_problem(c: C, user: Any) -> str:
    """Why `user` has a direct interest in `c` (回避, C12), or "". A conflicted
    person is never given the case, whoever assigns it: the staff member
    complained about (the staff record, or the name given, as everywhere:
    _common.is_subject) or a person with a declared recusal."""
    from complaints.workbench.selectors import person_name

    params = {"user": person_name(user), "institution": c.institution}
    if is_subject(c, user):
        return str(E.HANDLER_IS_SUBJECT) % params
    if Recusal.objects.filter(complaint=c, user=user).exists():
        return str(E.HANDLER_RECUSED) % params
    return ""


@transaction.atomic
def complaint_assign(
    *,
    complaint: C,
    actor: Any,
    handler: Any,
    declares_no_conflict: bool | None = None,
    expected_version: datetime | None = None,
) -> C:
    """Give the case to `handler` (a handler may take it; a manager assigns).

    Taking the case oneself (claiming) is declaring no conflict of interest in
    it (回避, DOMAIN.md §2, C12): the service refuses a claim unless
    `declares_no_conflict` is True, whichever door it comes through, and the
    declaration is recorded in the history row of the assignment.

    A manager giving the case to someone else cannot declare for them: the
    assignee must not be conflicted (a declared recusal, or the staff member
    complained about, matched on the staff record or the name given), else the
    assignment is refused; the assignee who finds a conflict declares it
    (recusal_declare), which takes the case off them."""
    c = lock(complaint, expected_version=expected_version)
    # Taking an unassigned case is a handler's own act; giving it to someone else or
    # taking it from a colleague is re-assignment, a manager's (DESIGN.md).
    takes_free_case = handler == actor and c.handler_id in (None, actor.pk)
    P.require(actor, P.HANDLE if takes_free_case else P.ASSIGN, c.institution)
    refuse_unless(c, "assign")
    problem = handler_problem(c, handler)
    if problem:
        raise ComplaintError({"handler": problem})
    require_may_act(c, actor, "assign")
    if handler == actor and declares_no_conflict is not True:
        raise ComplaintError({"declares_no_conflict": E_DECLARE_NO_CONFLICT})
    c.assign()
    c.handler = handler
    reason = _("Assigned to %(user)s") % {"user": handler.get_full_name() or handler}
    if handler == actor and declares_no_conflict:
        reason = _("Taken by %(user)s, who declared no conflict of interest") % {
            "user": handler.get_full_name() or handler
        }
    save(c, actor, reason)
    notify_staff(complaint=c, kind=K.ASSIGNED, users=[handler], actor=actor)
    return c


@transaction.atomic
def complaint_propose_decision(
    *,
    complaint: C,
    actor: Any,
    outcome: str,
    decision_text: str,
    cause: Code | None = None,
    redress_amount: Decimal | None = None,
    expected_version: datetime | None = None,
) -> C:
    c = start(
        complaint,
        actor,
        P.HANDLE,
        "propose_decision",
        expected_version=expected_version,
    )
    if c.handler_id != actor.pk:
        raise PermissionDenied(E.ONLY_HANDLER_DRAFTS)
    decided = {C.Outcome.SUPPORTED, C.Outcome.PARTLY, C.Outcome.NOT_SUPPORTED}
    if outcome not in decided or not decision_text.strip():
        raise ComplaintError({"decision_text": E.OUTCOME_REQUIRED})
    c.cause = cause or c.cause
    if c.cause is None:
        raise ComplaintError({"cause": E.CAUSE_REQUIRED})
    c.propose_decision()
    c.outcome, c.decision_text, c.redress_amount = (
        outcome,
        decision_text,
        redress_amount,
    )
    c.drafted_by = actor
    save(
        c,
        actor,
        _("Decision drafted: %(outcome)s") % {"outcome": C.Outcome(outcome).label},
    )
    notify_staff(
        complaint=c,
        kind=K.APPROVAL,
        users=_approvers_to_tell(c),
        actor=actor,
        url=case_url(c, "approve"),
    )
    return c


def _approvers_to_tell(c: C) -> list[Any]:
    from complaints.messaging.jobs import nearest_managers

    return [u for u in nearest_managers(c.institution) if u.pk != c.drafted_by_id]


@transaction.atomic
def complaint_return_for_rework(
    *, complaint: C, actor: Any, note: str, expected_version: datetime | None = None
) -> C:
    _require_text(note)
    c = start(
        complaint,
        actor,
        P.APPROVE,
        "return_for_rework",
        expected_version=expected_version,
    )
    c.return_for_rework()
    save(c, actor, _("Returned for rework: %(note)s") % {"note": note})
    notify_staff(
        complaint=c,
        kind=K.RETURNED,
        users=[c.drafted_by, c.handler],
        actor=actor,
        url=case_url(c, "propose_decision"),
        text=note,
    )
    return c


@transaction.atomic
def complaint_approve(
    *,
    complaint: C,
    actor: Any,
    note: str = "",
    expected_version: datetime | None = None,
) -> C:
    """Four-eyes: the approver is never the drafter (enforced here, not only hidden)."""
    c = start(complaint, actor, P.APPROVE, "approve", expected_version=expected_version)
    if c.drafted_by_id == actor.pk:
        raise PermissionDenied(E.FOUR_EYES)
    c.approve()
    c.approved_by = actor
    c.decided_at = timezone.now()
    save(c, actor, note or _("Decision approved"))
    return c


def _method_label(method: str) -> str:
    try:
        return str(Correspondence.Method(method).label)
    except ValueError:
        return method


def _record_notice(
    c: C, actor: Any, method: str, occurred_at: datetime, summary: str
) -> None:
    _add_to_file(
        Correspondence(
            complaint=c,
            direction=Correspondence.Direction.OUTBOUND,
            method=method,
            occurred_at=occurred_at,
            summary=summary,
            is_notice=True,
            recorded_by=actor,
        ),
        actor,
    )


@transaction.atomic
def complaint_notify_decision(
    *,
    complaint: C,
    actor: Any,
    method: str,
    occurred_at: datetime,
    summary: str,
    received_on: date | None = None,
    expected_version: datetime | None = None,
) -> C:
    """Record how and when the decision reached the complainant (Measures art. 21);
    the written decision with the routes of redress goes out through the outbox."""
    _require_text(summary, "summary")
    c = start(complaint, actor, P.HANDLE, "notify", expected_version=expected_version)
    evidence.check_event(c, occurred_at, "occurred_at", _("The notice"))
    evidence.not_before(
        occurred_at, c.decided_at, "occurred_at", _("The notice"), _("the decision")
    )
    evidence.not_in_future(received_on, "received_on", _("The day of receipt"))
    evidence.not_before(
        received_on,
        occurred_at,
        "received_on",
        _("The day of receipt"),
        _("the notice was sent"),
    )
    c.notify()
    c.notified_at = occurred_at
    c.decision_received_on = received_on or timezone.localdate(occurred_at)
    save(
        c,
        actor,
        _("Decision notified by %(method)s") % {"method": _method_label(method)},
    )
    _record_notice(c, actor, method, occurred_at, summary)
    queue_complainant_notice(c, "decision")
    return c


@transaction.atomic
def complaint_request_review(
    *,
    complaint: C,
    actor: Any,
    applied_on: date,
    note: str,
    late_reason: str = "",
    expected_version: datetime | None = None,
) -> C:
    """Log the complainant's application for review (核查) by the upper level."""
    _require_text(note)
    c = lock(complaint, expected_version=expected_version)
    upper = c.institution.parent
    # Scope first: outside it the complaint answers as missing, without a reason.
    if not (P.has(actor, P.HANDLE, c.institution) or P.has(actor, P.REVIEW, upper)):
        P.require(actor, P.HANDLE, c.institution)
    if upper is None:
        raise ComplaintError(E.NO_UPPER_LEVEL, code="no_upper_level")
    refuse_unless(c, "request_review")
    require_may_act(c, actor, "request_review")
    evidence.check_event(c, applied_on, "applied_on", _("The review application"))
    evidence.not_before(
        applied_on,
        c.notified_at,
        "applied_on",
        _("The review application"),
        _("the decision notice"),
    )
    calendar = DatabaseCalendar()
    received = c.decision_received_on or timezone.localdate(c.notified_at)
    window_end = deadlines.review_application_due(received, calendar)
    if applied_on > window_end and not late_reason.strip():
        raise ComplaintError(
            {
                "late_reason": ComplaintError(
                    E.REVIEW_LATE, params={"days": deadlines.REVIEW_APPLICATION_DAYS}
                )
            }
        )
    c.request_review()
    c.review_institution = upper
    c.review_applied_on = applied_on
    c.review_due = deadlines.review_decision_due(applied_on, calendar)
    save(
        c,
        actor,
        _("Review requested: %(note)s") % {"note": (note + " " + late_reason).strip()},
    )
    queue_complainant_notice(c, "review_received")
    notify_staff(
        complaint=c,
        kind=K.REVIEW,
        users=[u for u in P.users_with(P.REVIEW, upper) if not took_part(c, u)],
        actor=actor,
        url=case_url(c, "complete_review"),
    )
    return c


@transaction.atomic
def complaint_complete_review(
    *,
    complaint: C,
    actor: Any,
    result: str,
    text: str,
    expected_version: datetime | None = None,
) -> C:
    """Review is decided at the upper-level institution by someone who did not
    handle the case (Measures arts. 17, 20)."""
    _require_text(text, "review_text")
    c = lock(complaint, expected_version=expected_version)
    upper = c.review_institution or c.institution.parent
    if not P.has(actor, P.REVIEW, upper):
        if not P.has(actor, P.VIEW, c.institution):
            raise P.NotFound(P.NOT_FOUND)
        raise PermissionDenied(E.REVIEWER_NOT_UPPER % {"institution": upper})
    refuse_unless(c, "complete_review")
    require_may_act(c, actor, "complete_review")
    problem = review_problem(c, actor, upper)
    if problem:
        raise PermissionDenied(problem)
    c.complete_review()
    c.review_result, c.review_text = result, text
    c.reviewer, c.reviewed_at = actor, timezone.now()
    save(
        c,
        actor,
        _("Review completed: %(result)s") % {"result": c.get_review_result_display()},
    )
    return c


@transaction.atomic
def complaint_notify_review(
    *,
    complaint: C,
    actor: Any,
    method: str,
    occurred_at: datetime,
    summary: str,
    expected_version: datetime | None = None,
) -> C:
    _require_text(summary, "summary")
    c = lock(complaint, expected_version=expected_version)
    upper = c.review_institution
    if not (P.has(actor, P.REVIEW, upper) or P.has(actor, P.HANDLE, c.institution)):
        P.require(actor, P.HANDLE, c.institution)
    refuse_unless(c, "notify_review")
    require_may_act(c, actor, "notify_review")
    evidence.check_event(c, occurred_at, "occurred_at", _("The notice"))
    evidence.not_before(
        occurred_at,
        c.reviewed_at,
        "occurred_at",
        _("The notice"),
        _("the review decision"),
    )
    c.notify_review()
    c.closed_at = occurred_at
    schedule_callback(c)
    save(
        c,
        actor,
        _("Review decision notified by %(method)s") % {"method": _method_label(method)},
    )
    _record_notice(c, actor, method, occurred_at, summary)
    queue_complainant_notice(c, "review_decision")
    return c


@transaction.atomic
def complaint_refer_to_mediation(
    *,
    complaint: C,
    actor: Any,
    body: str,
    referred_on: date,
    note: str = "",
    expected_version: datetime | None = None,
) -> C:
    _require_text(body, "mediation_body")
    c = start(
        complaint,
        actor,
        P.HANDLE,
        "refer_to_mediation",
        expected_version=expected_version,
    )
    evidence.check_event(c, referred_on, "referred_on", _("The referral"))
    evidence.not_before(
        referred_on,
        c.notified_at,
        "referred_on",
        _("The referral"),
        _("the decision notice"),
    )
    c.refer_to_mediation()
    c.mediation_body, c.mediation_referred_on, c.mediation_note = (
        body,
        referred_on,
        note,
    )
    save(c, actor, _("Referred to mediation: %(body)s") % {"body": body})
    queue_complainant_notice(c, "mediation")
    return c


@transaction.atomic
def complaint_record_mediation_outcome(
    *,
    complaint: C,
    actor: Any,
    outcome: str,
    note: str,
    redress_amount: Decimal | None = None,
    expected_version: datetime | None = None,
) -> C | ApprovalRequest:
    """Record how the mediation ended. The insurer's refusal to take part needs
    a legitimate reason and compliance's approval (2022 consumer-protection
    Measures art. 16): it is filed as a request, returned instead."""
    from complaints.services.approvals import approval_file

    _require_text(note)
    c = start(
        complaint,
        actor,
        P.HANDLE,
        "record_mediation_outcome",
        expected_version=expected_version,
    )
    MO = C.MediationOutcome
    if outcome == MO.DECLINED:
        return approval_file(c, actor, ApprovalRequest.Kind.REFUSE_MEDIATION, note)
    c.record_mediation_outcome()
    c.mediation_outcome, c.mediation_note = outcome, note
    if outcome == MO.AGREED:
        c.outcome = C.Outcome.MEDIATED
        c.redress_amount = (
            redress_amount if redress_amount is not None else c.redress_amount
        )
    c.closed_at = timezone.now()
    schedule_callback(c)
    save(
        c,
        actor,
        _("Mediation: %(outcome)s") % {"outcome": c.get_mediation_outcome_display()},
    )
    return c


def _review_window_end(c: C) -> date | None:
    """Last day to apply for review, or None where no review exists (head office)."""
    if c.institution.parent_id is None or c.decision_received_on is None:
        return None
    return deadlines.review_application_due(c.decision_received_on, DatabaseCalendar())


@transaction.atomic
def complaint_close(
    *,
    complaint: C,
    actor: Any,
    note: str = "",
    expected_version: datetime | None = None,
) -> C:
    """Close after the decision: the review window lapsed or the complainant accepts.

    While the complainant may still apply for review (Measures art. 20), closing
    needs a note recording that they accept the decision: a silent early close
    would take away their right to review.
    """
    c = start(complaint, actor, P.HANDLE, "close", expected_version=expected_version)
    window_end = _review_window_end(c)
    if window_end and timezone.localdate() <= window_end and not note.strip():
        raise ComplaintError(
            {"note": ComplaintError(E.REVIEW_WINDOW_OPEN, params={"day": window_end})}
        )
    c.close()
    c.closed_at = timezone.now()
    schedule_callback(c)
    save(c, actor, note or _("Closed"))
    return c


@transaction.atomic
def complaint_withdraw(
    *,
    complaint: C,
    actor: Any,
    received_on: date,
    note: str,
    expected_version: datetime | None = None,
) -> C:
    """Handling ends on the day the withdrawal is received (Measures art. 15)."""
    _require_text(note)
    c = start(complaint, actor, P.HANDLE, "withdraw", expected_version=expected_version)
    if received_on < c.received_on:
        raise ComplaintError({"received_on": E.WITHDRAWAL_DATE})
    evidence.check_event(c, received_on, "received_on", _("The withdrawal"))
    c.withdraw()
    c.withdrawn_on = received_on
    c.closed_at = timezone.now()
    save(
        c,
        actor,
        _("Withdrawn on %(day)s: %(note)s") % {"day": received_on, "note": note},
    )
    queue_complainant_notice(c, "withdrawal")
    return c


@transaction.atomic
def complaint_archive(
    *, complaint: C, actor: Any, expected_version: datetime | None = None
) -> C:
    c = start(complaint, actor, P.HANDLE, "archive", expected_version=expected_version)
    c.archive()
    c.archived_at = timezone.now()
    save(c, actor, _("Archived"))
    return c
