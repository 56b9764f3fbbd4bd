"""What every complaint write shares: the lock, the checks, the audited save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from complaints.exceptions import (
    NOT_ALLOWED_NOW,
    STALE,
    ComplaintError,
    StaleComplaint,
    TransitionRefused,
)
from complaints.models import OPEN_STATUSES, Complaint, Recusal
from complaints.services.letters import CASE_FILE_CLOSED
from complaints.timing import deadlines
from complaints.timing.workdays import DatabaseCalendar
from organisations import permissions


def lock(
    complaint: Complaint, *, expected_version: datetime | None = None
) -> Complaint:
    """Re-read the row under a lock; refuse if it changed since the user read it.

    `expected_version` is the `updated_at` the user's form was built from: a
    concurrent edit is refused, never silently overwritten.
    """
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if expected_version is not None and locked.updated_at != expected_version:
        raise StaleComplaint(STALE, code="stale")
    return locked


def start(
    complaint: Complaint,
    actor: Any,
    perm: str,
    action: str,
    *,
    expected_version: datetime | None = None,
) -> Complaint:
    """Lock, check the actor's branch permission, the guard, the transition."""
    locked = lock(complaint, expected_version=expected_version)
    permissions.require(actor, perm, locked.institution)
    refuse_unless(locked, action)
    require_may_act(locked, actor, action)
    return locked


def act_on(
    complaint: Complaint,
    actor: Any,
    action: str,
    *,
    expected_version: datetime | None = None,
) -> Complaint:
    """Lock for a service that checks its own permission; then the guard.
    The caller checks scope first where it must answer "not found"."""
    locked = lock(complaint, expected_version=expected_version)
    require_may_act(locked, actor, action)
    return locked


# --- The one guard on every act on a case (C12, C5, C21) ---------------------------
WITHDRAWN_ONLY_ARCHIVE = gettext_lazy(
    "The complainant withdrew this complaint on %(day)s: handling ended that day "
    "(Measures art. 15). The only step left is to archive it."
)
ACTOR_RECUSED = gettext_lazy(
    "%(user)s declared a conflict of interest (回避) in this complaint and takes no "
    "action on it (“%(action)s” refused). Another handler or a manager of "
    "%(institution)s acts instead."
)
ACTOR_IS_SUBJECT = gettext_lazy(
    "%(user)s is the staff member complained about and takes no action on this "
    "complaint (“%(action)s” refused, 回避). Another handler or a manager of "
    "%(institution)s acts instead."
)
OTHER_LABELS = {
    "correspondence": gettext_lazy("Record correspondence"),
    "attachment": gettext_lazy("Upload attachment"),
    "new_facts": gettext_lazy("Record new facts"),
    "task_send": gettext_lazy("Send investigation task"),
    "task_answer": gettext_lazy("Answer investigation task"),
    "task_withdraw": gettext_lazy("Withdraw investigation task"),
    "supervise": gettext_lazy("Supervise (督办)"),
    "end_supervision": gettext_lazy("End supervision"),
    "request_approval": gettext_lazy("Request approval"),
    "decide_approval": gettext_lazy("Decide an approval request"),
    "route_outcome": gettext_lazy("Record the proceeding's outcome"),
}
ARCHIVE = "archive"


def require_may_act(complaint: Complaint, actor: Any, action: str) -> None:
    """Refuse any act on `complaint` that its state or the actor's conflict forbids.

    Every service that writes to a case calls this under the complaint's lock:
    - an archived case file is frozen (C21);
    - after a withdrawal handling has ended on the day it was received: only
      archiving remains (Measures art. 15, C5);
    - a person with a conflict of interest (a declared recusal, or the staff
      member complained about, matched on the staff record) takes no action
      at all: no transition, extension, approval, correspondence, routing or
      withdrawal (Measures; C12).
    A system job (no actor) is bound by the first two only.
    """
    S = Complaint.Status
    if complaint.status == S.ARCHIVED:
        raise ComplaintError(CASE_FILE_CLOSED, code="archived")
    if complaint.status == S.WITHDRAWN and action != ARCHIVE:
        day = complaint.withdrawn_on.isoformat() if complaint.withdrawn_on else ""
        raise ComplaintError(
            WITHDRAWN_ONLY_ARCHIVE, code="withdrawn", params={"day": day}
        )
    if actor is None or not getattr(actor, "pk", None):
        return
    problem = actor_conflict(complaint, actor, action)
    if problem:
        raise PermissionDenied(problem)


def actor_conflict(complaint: Complaint, user: Any, action: str) -> str:
    """Why `user` may not act on `complaint` (回避), or ""."""
    from complaints.rules.transitions import ACTION_LABELS
    from complaints.workbench.selectors import person_name

    label = ACTION_LABELS.get(action) or OTHER_LABELS.get(action) or action
    params: dict[str, Any] = {
        "user": person_name(user),
        "action": str(label),
        "institution": complaint.institution,
    }
    if is_subject(complaint, user):
        return str(ACTOR_IS_SUBJECT) % params
    if Recusal.objects.filter(complaint=complaint, user=user).exists():
        return str(ACTOR_RECUSED) % params
    return ""


def is_subject(complaint: Complaint, user: Any) -> bool:
    """Whether `user` is the staff member complained about: the linked staff
    record, or (none linked) the name given matching a staff member of the
    institution complained about or handling the case."""
    if complaint.subject_staff_user_id is not None:
        return bool(complaint.subject_staff_user_id == user.pk)
    named = (complaint.subject_staff or "").strip()
    if not named:
        return False
    return user_named(named, user) and any(
        inst is not None and permissions.has(user, permissions.VIEW, inst)
        for inst in (complaint.subject_institution, complaint.institution)
    )


def user_named(name: str, user: Any) -> bool:
    from complaints.workbench.selectors import person_name

    compact = "".join(name.split())
    return bool(compact) and compact in {
        "".join(person_name(user).split()),
        "".join(f"{user.first_name}{user.last_name}".split()),
        user.username,
    }


def refuse_unless(complaint: Complaint, action: str) -> None:
    if not can_proceed(getattr(complaint, action)):
        raise TransitionRefused(
            NOT_ALLOWED_NOW,
            code="not_allowed_now",
            params={
                "action": action_label(action),
                "status": complaint.get_status_display(),
            },
        )


def action_label(action: str) -> str:
    from complaints.rules.transitions import ACTION_LABELS

    return str(ACTION_LABELS.get(action, action))


def save(complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """The one audited write: one history row with who and why."""
    complaint._history_user = actor  # type: ignore[attr-defined]
    complaint._change_reason = reason[:100]  # type: ignore[attr-defined]
    # The protected status field refuses even a same-value assignment.
    complaint.full_clean(exclude=["number", "status", *checked_relations(complaint)])
    new = complaint._state.adding
    complaint.save()
    if not new:  # nobody follows a case that did not exist a moment ago
        from complaints.services.notices import notify_watchers

        notify_watchers(complaint, actor, reason)
    return complaint


def checked_relations(obj: Any) -> list[str]:
    """Foreign keys that need no query to validate: unchanged since the row was
    read, or set to an object read from the database whose list (code kind)
    is the one the field allows. Validating each would cost a query per field
    on every write (fifteen on a complaint)."""
    loaded = getattr(obj, "_loaded_values", {})
    trusted = []
    for f in obj._meta.concrete_fields:
        if not f.is_relation:
            continue
        value = getattr(obj, f.attname)
        if (
            value is None
            or loaded.get(f.attname, object()) == value
            or f.is_cached(obj)
            and _allowed(f, getattr(obj, f.name))
        ):
            trusted.append(f.name)
    return trusted


def _allowed(field: Any, related: Any) -> bool:
    if related is None or related._state.adding:
        return False
    limits = field.remote_field.limit_choices_to or {}
    return isinstance(limits, dict) and all(
        getattr(related, key) == value for key, value in limits.items()
    )


def refresh_deadlines(complaint: Complaint, calendar: Any = None) -> None:
    """Recompute the stored due dates from the clock's inputs (sets fields only)."""
    calendar = calendar or DatabaseCalendar()
    if complaint.item_type != Complaint.ItemType.COMPLAINT:
        return
    start_on = complaint.clock_start
    legal = deadlines.decision_due(
        start_on,
        calendar,
        extension_level=complaint.extension_level,
        paused_days=complaint.paused_days,
    )
    internal = None
    if settings.COMPLAINT_INTERNAL_TARGET:
        internal = deadlines.internal_target(
            start_on,
            extension_level=complaint.extension_level,
            paused_days=complaint.paused_days,
        )
    complaint.legal_due = legal
    complaint.internal_due = internal
    complaint.due_on = deadlines.binding_due(legal, internal, complaint.regulator_due)
    complaint.due_provisional = deadlines.is_provisional(start_on, legal, calendar)


def today() -> Any:
    return timezone.localdate()


def is_clock_running(complaint: Complaint) -> bool:
    return complaint.status in OPEN_STATUSES
