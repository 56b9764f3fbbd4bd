"""The one refusal and the routings, with what each needs (DOMAIN.md §5, C6).

Declining rests on the one ground the Measures allow (standing: not lodged by
the consumer, their statutory or authorised agent, or heir), with what was
checked, and always needs a manager's approval. Every other reason is routing
and names its target: the institution a complaint was forwarded to, the forum,
case number and date of a proceeding, the new item type. A routing for an
"other" reason, and answering by an earlier decision, need approval too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.exceptions import ComplaintError
from complaints.messaging.notifications import queue_complainant_notice
from complaints.models import ApprovalRequest, Code, Complaint, Correspondence, Routing
from complaints.services._common import lock, refuse_unless, require_may_act, save
from complaints.workbench.selectors import person_name
from organisations import permissions as P

C = Complaint
RK = Routing.Kind
SG = Routing.StandingGround
# The reason code that goes with each kind (codelists "route_reason"); "other"
# goes with any kind but needs approval.
REASON_OF_KIND = {
    RK.DECLINED: "not_consumer",
    RK.RECLASSIFIED: "not_a_complaint",
    RK.FORWARDED: "forwarded",
    RK.PROCEEDING: "proceeding",
    RK.MERGED: "merged",
    RK.ALREADY_DECIDED: "already_decided",
}
OTHER = "other"
# Which missing link each way of lodging can have (Measures art. 14): a person
# lodging in their own name is either the consumer or not; an agent or guardian
# lacks the agency; an heir lacks the proof of inheritance.
GROUNDS_FOR: dict[str, set[str]] = {
    C.Representation.SELF: {SG.NOT_THE_CONSUMER},
    C.Representation.GUARDIAN: {SG.NO_AGENCY, SG.NOT_THE_CONSUMER},
    C.Representation.AGENT: {SG.NO_AGENCY, SG.NOT_THE_CONSUMER},
    C.Representation.HEIR: {SG.NOT_AN_HEIR, SG.NOT_THE_CONSUMER},
}

NOTE_REQUIRED = gettext_lazy("Give the reason.")
ROUTE_KIND = gettext_lazy(
    "Choose how the complaint leaves the process: reclassify, forward, link to a "
    "proceeding, merge, or answer by an earlier decision."
)
STANDING_GROUND = gettext_lazy(
    "A complaint is declined only because it was not lodged by the consumer, their "
    "statutory or authorised agent, or heir (Measures arts. 14, 18): choose which "
    "of these is missing. For any other reason, route it or handle it."
)
GROUND_MISMATCH = gettext_lazy(
    "This ground does not fit how the complaint was lodged (%(representation)s): "
    "correct the registration first if it was lodged otherwise."
)
CHECKED_REQUIRED = gettext_lazy(
    "Record what was checked (identity document, power of attorney, proof of "
    "inheritance) that shows the ground."
)
NOT_STANDING_ROUTE = gettext_lazy(
    "“Not lodged by the consumer” is the one refusal: use Decline, which needs the "
    "standing ground, what was checked and a manager's approval."
)
REASON_MISMATCH = gettext_lazy(
    "The reason does not fit this routing: choose “%(reason)s”, or “Other” with a "
    "manager's approval."
)
FORWARD_TARGET = gettext_lazy("Name the institution the complaint was forwarded to.")
PROCEEDING_FIELDS = gettext_lazy(
    "A proceeding is named by its forum (court or arbitration body), the body's "
    "name, the case number and the date."
)
FUTURE_DATE = gettext_lazy("A day that has not come yet cannot be recorded.")
RECLASSIFY_TYPE = gettext_lazy(
    "Choose what the item is instead: enquiry, suggestion or report."
)
MERGE_TARGET = gettext_lazy(
    "Merge into an open complaint of the same scope, not into itself."
)
OUTCOME_NOT_PROCEEDING = gettext_lazy(
    "Only a complaint linked to a court or arbitration proceeding has a proceeding "
    "outcome to record."
)


def _reason(code: str) -> Code:
    return Code.objects.get(kind=Code.Kind.ROUTE_REASON, code=code)


def routing_build(
    c: C,
    actor: Any,
    *,
    kind: str,
    note: str,
    reason: Code | None = None,
    standing_ground: str = "",
    checked: str = "",
    item_type: str = "",
    merged_into: C | None = None,
    forwarded_to: str = "",
    forum: str = "",
    forum_name: str = "",
    case_number: str = "",
    proceeding_on: date | None = None,
) -> Routing:
    """Check a refusal or routing and return its (unsaved) record."""
    errors: dict[str, Any] = {}
    if not (note or "").strip():
        errors["note"] = NOTE_REQUIRED
    if kind not in RK.values:
        raise ComplaintError({"route_kind": ROUTE_KIND})
    if kind == RK.DECLINED:
        reason = _reason(REASON_OF_KIND[RK.DECLINED])
        if standing_ground not in SG.values:
            errors["standing_ground"] = STANDING_GROUND
        elif standing_ground not in GROUNDS_FOR.get(c.representation, set()):
            errors["standing_ground"] = ComplaintError(
                GROUND_MISMATCH,
                params={"representation": c.get_representation_display()},
            )
        if not (checked or "").strip():
            errors["checked"] = CHECKED_REQUIRED
    elif reason is None or reason.code == REASON_OF_KIND[RK.DECLINED]:
        errors["reason"] = NOT_STANDING_ROUTE
    elif reason.code not in (REASON_OF_KIND[RK(kind)], OTHER):
        label = _reason(REASON_OF_KIND[RK(kind)]).label
        errors["reason"] = ComplaintError(REASON_MISMATCH, params={"reason": label})
    if kind == RK.RECLASSIFIED and item_type not in {
        C.ItemType.ENQUIRY,
        C.ItemType.SUGGESTION,
        C.ItemType.REPORT,
    }:
        errors["item_type"] = RECLASSIFY_TYPE
    if kind == RK.FORWARDED and not forwarded_to.strip():
        errors["forwarded_to"] = FORWARD_TARGET
    if kind == RK.PROCEEDING:
        if not (
            forum in Routing.Forum.values
            and forum_name.strip()
            and case_number.strip()
            and proceeding_on
        ):
            errors["case_number"] = PROCEEDING_FIELDS
        elif proceeding_on > timezone.localdate():
            errors["proceeding_on"] = FUTURE_DATE
    if kind == RK.MERGED and not _merge_target_ok(c, merged_into, actor):
        errors["merged_into"] = MERGE_TARGET
    if errors:
        raise ComplaintError(errors)
    assert reason is not None
    keep = {
        RK.DECLINED: {"standing_ground", "checked"},
        RK.RECLASSIFIED: {"item_type"},
        RK.FORWARDED: {"forwarded_to"},
        RK.PROCEEDING: {"forum", "forum_name", "case_number", "proceeding_on"},
        RK.MERGED: {"merged_into"},
    }.get(RK(kind), set())
    given: dict[str, Any] = {
        "standing_ground": standing_ground,
        "checked": checked.strip(),
        "item_type": item_type,
        "merged_into": merged_into,
        "forwarded_to": forwarded_to.strip(),
        "forum": forum,
        "forum_name": forum_name.strip(),
        "case_number": case_number.strip(),
        "proceeding_on": proceeding_on,
    }
    blank = {"merged_into": None, "proceeding_on": None}
    return Routing(
        complaint=c,
        kind=kind,
        reason=reason,
        note=note.strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
        **{k: (v if k in keep else blank.get(k, "")) for k, v in given.items()},
    )


def _merge_target_ok(c: C, target: C | None, actor: Any) -> bool:
    return bool(
        target is not None
        and target.pk != c.pk
        and target.is_open
        and P.has(actor, P.HANDLE, target.institution)
    )


def approval_kind(routing: Routing) -> str:
    """The approval a refusal or routing needs, or "" when it needs none."""
    if routing.kind == RK.DECLINED:
        return ApprovalRequest.Kind.DECLINE
    if routing.kind == RK.ALREADY_DECIDED:
        return ApprovalRequest.Kind.ALREADY_DECIDED
    if routing.reason.code == OTHER:
        return ApprovalRequest.Kind.ROUTE_OTHER
    return ""


def store(routing: Routing, actor: Any, reason: str) -> Routing:
    routing._history_user = actor  # type: ignore[attr-defined]
    routing._change_reason = reason[:100]  # type: ignore[attr-defined]
    routing.full_clean(exclude=["complaint", "reason", "merged_into", "proposed_by"])
    routing.save()
    return routing


def routing_apply(c: C, routing: Routing, actor: Any, *, approved_by: Any = None) -> C:
    """Carry out a refusal or routing on the locked complaint `c`: the transition,
    one audited save, the merge into the open case, the letter to the
    complainant naming the ground or the target."""
    if routing.kind == RK.DECLINED:
        refuse_unless(c, "decline")
        c.decline()
    else:
        refuse_unless(c, "route")
        if routing.kind == RK.MERGED and not (
            routing.merged_into is not None and routing.merged_into.is_open
        ):
            raise ComplaintError({"merged_into": MERGE_TARGET})
        c.route()
        c.route_kind = routing.kind
        if routing.kind == RK.RECLASSIFIED:
            c.item_type = routing.item_type
        if routing.kind == RK.MERGED:
            c.merged_into = routing.merged_into
    c.route_reason, c.route_note = routing.reason, routing.note
    c.closed_at = timezone.now()
    by = ""
    if approved_by is not None:
        by = _(" (approved by %(user)s)") % {"user": person_name(approved_by)}
    if routing.kind == RK.DECLINED:
        text = _("Declined on standing: %(ground)s") % {
            "ground": routing.get_standing_ground_display()
        }
    else:
        text = _("Routed (%(kind)s): %(note)s") % {
            "kind": routing.get_kind_display(),
            "note": routing.note,
        }
    save(c, actor, text + by)
    routing.applied_at = timezone.now()
    store(routing, actor, text)
    if routing.merged_into is not None:
        _record_merge(routing.merged_into, c, actor)
    kind = "decline" if routing.kind == RK.DECLINED else "routed"
    queue_complainant_notice(c, kind, routing=routing)
    return c


def _record_merge(target: C, merged: C, actor: Any) -> None:
    # The repeat submission joins the open case's file; its deadline stays.
    entry = Correspondence(
        complaint=target,
        direction=Correspondence.Direction.INBOUND,
        method=Correspondence.Method.OTHER,
        occurred_at=merged.received_at,
        summary=_("Repeat complaint %(number)s merged into this case: %(request)s")
        % {"number": merged.number, "request": merged.request[:500]},
        recorded_by=actor,
    )
    entry._history_user = actor  # type: ignore[attr-defined]
    entry.full_clean()
    entry.save()


@transaction.atomic
def routing_record_outcome(
    *, complaint: C, actor: Any, outcome: str, recorded_on: date
) -> Routing:
    """The outcome of the court or arbitration proceeding a complaint was linked
    to, recorded when the insurer learns of it (R43)."""
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "route_outcome")
    routing = (
        c.routings.filter(kind=RK.PROCEEDING, applied_at__isnull=False)
        .order_by("-applied_at")
        .first()
    )
    if routing is None or c.status != C.Status.ROUTED:
        raise ComplaintError(OUTCOME_NOT_PROCEEDING, code="not_proceeding")
    errors: dict[str, Any] = {}
    if not outcome.strip():
        errors["outcome"] = NOTE_REQUIRED
    if recorded_on > timezone.localdate():
        errors["recorded_on"] = FUTURE_DATE
    elif routing.proceeding_on and recorded_on < routing.proceeding_on:
        errors["recorded_on"] = gettext_lazy(
            "The outcome cannot be dated before the proceeding."
        )
    if errors:
        raise ComplaintError(errors)
    routing.proceeding_outcome = outcome.strip()
    routing.outcome_recorded_on = recorded_on
    store(routing, actor, _("Proceeding outcome recorded"))
    return routing
