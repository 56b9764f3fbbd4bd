"""What a refused action page says instead of a confirm button: why this
action is not open to the user now, and who can take it instead.

The services still decide (and refuse a forced POST with their reason); this
only explains, with the same permission table as the buttons
(complaints.rules.transitions).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django_fsm import can_proceed

from complaints.models import Complaint
from complaints.rules.transitions import ACTION_PERMISSIONS
from organisations import permissions as P
from organisations.names import display_name

NAMES_SHOWN = 5


def _people(users: Any, exclude: set[int]) -> str:
    people = [u for u in users[: NAMES_SHOWN + len(exclude)] if u.pk not in exclude]
    names = "、".join(display_name(u) for u in people[:NAMES_SHOWN])
    if len(people) > NAMES_SHOWN:
        names += _(" and others")
    return names


def who_can(action: str, complaint: Complaint) -> str:
    """The people who may take `action` on `complaint` now, by name ("" when
    nobody can in its present state)."""
    if action == "propose_decision":
        return display_name(complaint.handler)
    if action in ("complete_review", "notify_review"):
        upper = complaint.review_institution
        if upper is None:
            return ""
        return _people(P.users_with(P.REVIEW, upper).order_by("pk"), set())
    perm = ACTION_PERMISSIONS.get(action, P.HANDLE)
    exclude = set()
    if action in ("approve", "return_for_rework") and complaint.drafted_by_id:
        exclude.add(complaint.drafted_by_id)  # four-eyes: never the drafter
    return _people(P.users_with(perm, complaint.institution).order_by("pk"), exclude)


def refusal(action: str, complaint: Complaint, user: Any) -> str:
    """Why `user` cannot take `action` now, and who can instead."""
    transition = getattr(complaint, action, None)
    is_transition = callable(transition) and hasattr(transition, "_django_fsm")
    if is_transition and not can_proceed(transition):
        return _("This step is not open while the complaint is “%(status)s”.") % {
            "status": complaint.get_status_display()
        }
    if action == "approve" and complaint.drafted_by_id == user.pk:
        why = _("You drafted this decision: it is approved by someone else.")
    elif action == "propose_decision" and complaint.handler_id != user.pk:
        why = _("The decision is drafted by the complaint's handler.")
    else:
        why = _("Your roles on %(institution)s do not include this step.") % {
            "institution": complaint.institution.name
        }
    people = who_can(action, complaint)
    if not people:
        return why
    return _("%(why)s It can be taken by: %(people)s.") % {
        "why": why,
        "people": people,
    }
