"""What every complaint write shares: the lock, the checks, the audited save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_fsm import can_proceed

from complaints import deadlines
from complaints.exceptions import (
    NOT_ALLOWED_NOW,
    STALE,
    StaleComplaint,
    TransitionRefused,
)
from complaints.models import OPEN_STATUSES, Complaint
from complaints.workdays import DatabaseCalendar
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
    """Lock, check the actor's branch permission, check the transition applies."""
    locked = lock(complaint, expected_version=expected_version)
    permissions.require(actor, perm, locked.institution)
    refuse_unless(locked, action)
    return locked


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
    from complaints.transitions import ACTION_LABELS

    return str(ACTION_LABELS.get(action, action))


def save(complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """The one audited write: one history row with who and why."""
    complaint._history_user = actor  # type: ignore[attr-defined]
    complaint._change_reason = reason[:100]  # type: ignore[attr-defined]
    # The protected status field refuses even a same-value assignment.
    complaint.full_clean(exclude=["number", "status", *checked_relations(complaint)])
    complaint.save()
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
