"""The actions a user may take on a complaint now (for buttons and menus).

The services enforce; this only decides what to offer, using the same checks.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from complaints.models import Complaint
from complaints.models.complaint import REDRESS_PAYABLE
from organisations import permissions as P

ACTION_LABELS = {
    "accept": _("Accept"),
    "decline": _("Request decline (not lodged by the consumer)"),
    "route": _("Route elsewhere"),
    "assign": _("Assign handler"),
    "propose_decision": _("Draft decision"),
    "return_for_rework": _("Return for rework"),
    "approve": _("Approve decision"),
    "notify": _("Record decision notice"),
    "request_review": _("Log review application"),
    "complete_review": _("Complete review"),
    "notify_review": _("Record review notice"),
    "refer_to_mediation": _("Refer to mediation"),
    "record_mediation_outcome": _("Record mediation outcome"),
    "close": _("Close"),
    "withdraw": _("Record withdrawal"),
    "archive": _("Archive"),
    "extend": _("Request an extension"),
    "pause": _("Pause clock (appraisal)"),
    "resume": _("Resume clock"),
    "recuse": _("Declare conflict of interest"),
    "record_redress": _("Record redress payment"),
    "record_callback": _("Record satisfaction callback"),
    "record_proceeding_outcome": _("Record the proceeding's outcome"),
}

# The permission that offers each transition on the complaint's institution.
_PERM = {
    "accept": P.HANDLE,
    "decline": P.HANDLE,
    "route": P.HANDLE,
    "assign": P.HANDLE,
    "propose_decision": P.HANDLE,
    "return_for_rework": P.APPROVE,
    "approve": P.APPROVE,
    "notify": P.HANDLE,
    "request_review": P.HANDLE,
    "refer_to_mediation": P.HANDLE,
    "record_mediation_outcome": P.HANDLE,
    "close": P.HANDLE,
    "withdraw": P.HANDLE,
    "archive": P.HANDLE,
}


# Read by complaints.rules.refusals to say who can take a step instead.
ACTION_PERMISSIONS = _PERM


def available_actions(complaint: Complaint, user: Any) -> list[str]:
    actions = []
    for name, perm in _PERM.items():
        if can_proceed(getattr(complaint, name)) and P.has(
            user, perm, complaint.institution
        ):
            actions.append(name)
    if "propose_decision" in actions and complaint.handler_id != user.pk:
        actions.remove("propose_decision")
    if "approve" in actions and complaint.drafted_by_id == user.pk:
        actions.remove("approve")
    upper = complaint.review_institution
    if upper is not None and P.has(user, P.REVIEW, upper):
        for name in ("complete_review", "notify_review"):
            if can_proceed(getattr(complaint, name)) and name not in actions:
                actions.append(name)
    if complaint.is_open and P.has(user, P.HANDLE, complaint.institution):
        actions += ["extend", "resume" if complaint.paused_since else "pause"]
    if complaint.is_open and P.has(user, P.VIEW, complaint.institution):
        actions.append("recuse")
    actions += _aftercare(complaint, user)
    return actions


def _aftercare(complaint: Complaint, user: Any) -> list[str]:
    """Facts recorded after the decision (complaints.services.aftercare)."""
    if not P.has(user, P.HANDLE, complaint.institution):
        return []
    found = []
    if complaint.status in REDRESS_PAYABLE:
        found.append("record_redress")
    if (
        complaint.status == Complaint.Status.ROUTED
        and complaint.route_kind == Complaint.RouteKind.PROCEEDING
    ):
        found.append("record_proceeding_outcome")
    reached = complaint.callback_at is not None and (complaint.satisfaction or 0) >= 1
    if complaint.status == Complaint.Status.CLOSED and not reached:
        found.append("record_callback")
    return found
