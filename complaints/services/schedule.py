"""Changes to the decision clock: extensions, pauses, restarts, calendar edits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import exceptions as E
from complaints.exceptions import ComplaintError
from complaints.messaging.notifications import queue_complainant_notice
from complaints.models import OPEN_STATUSES, ApprovalRequest, Complaint, Pause
from complaints.rules import identifiers
from complaints.services._common import (
    lock,
    refresh_deadlines,
    require_may_act,
    save,
)
from complaints.timing import evidence
from complaints.timing.workdays import DatabaseCalendar
from organisations import permissions as P

PAUSE_UNTOLD = gettext_lazy(
    "The clock stops for an appraisal only when the complainant is told "
    "(Measures art. 18), and this complaint has no e-mail, mobile number or "
    "postal address to tell them through. Record a contact first (correct "
    "the registration), then pause."
)


def has_channel(c: Complaint) -> bool:
    """Whether a notice can reach the complainant: e-mail, SMS or post."""
    return bool(c.email.strip() or identifiers.sms_number(c.phone) or c.address.strip())


def _require_open(c: Complaint) -> None:
    if c.status not in OPEN_STATUSES or c.item_type != Complaint.ItemType.COMPLAINT:
        raise ComplaintError(E.NOT_OPEN, code="not_open")


@transaction.atomic
def complaint_extend(
    *,
    complaint: Complaint,
    actor: Any,
    level: int,
    reason: str,
    expected_version: datetime | None = None,
) -> ApprovalRequest:
    """Request an extension of the decision limit to 30 days (level 1) or by a
    further 30 (level 2). It waits for an eligible approver (DOMAIN.md §5a);
    only their approval moves the deadline and tells the complainant the new
    date and the reason (complaints.services.approvals)."""
    from complaints.services.approvals import approval_file

    c = lock(complaint, expected_version=expected_version)
    P.require(actor, P.HANDLE, c.institution)
    _require_open(c)
    require_may_act(c, actor, "extend")
    if level not in (1, 2):
        raise ComplaintError({"level": E.EXTENSION_MAX})
    kind = (
        ApprovalRequest.Kind.EXTENSION_1
        if level == 1
        else ApprovalRequest.Kind.EXTENSION_2
    )
    return approval_file(c, actor, kind, reason)


@transaction.atomic
def complaint_pause(
    *, complaint: Complaint, actor: Any, started_on: date, body: str, reason: str
) -> Pause:
    """Stop the clock for outside appraisal, testing or valuation (Measures art. 18);
    the complainant is told, which is the condition for not counting the time."""
    if not (body.strip() and reason.strip()):
        raise ComplaintError({"reason": E.REASON_REQUIRED})
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    _require_open(c)
    require_may_act(c, actor, "pause")
    if c.paused_since:
        raise ComplaintError(E.ALREADY_PAUSED, code="already_paused")
    evidence.check_event(c, started_on, "started_on", _("The pause"))
    if not has_channel(c):
        raise ComplaintError(PAUSE_UNTOLD, code="no_channel")
    pause = Pause(
        complaint=c, started_on=started_on, body=body, reason=reason, recorded_by=actor
    )
    pause._history_user = actor  # type: ignore[attr-defined]
    pause.save()
    c.paused_since = started_on
    save(c, actor, _("Clock paused for %(body)s") % {"body": body})
    queue_complainant_notice(c, "pause", pause=pause)
    return pause


@transaction.atomic
def complaint_resume(*, complaint: Complaint, actor: Any, ended_on: date) -> Pause:
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "resume")
    if not c.paused_since:
        raise ComplaintError(E.NOT_PAUSED, code="not_paused")
    if ended_on < c.paused_since:
        raise ComplaintError({"ended_on": E.PAUSE_DATES})
    evidence.check_event(c, ended_on, "ended_on", _("The end of the pause"))
    pause = c.pauses.get(ended_on__isnull=True)
    pause.ended_on = ended_on
    pause._history_user = actor  # type: ignore[attr-defined]
    pause.save()
    # A clock restarted by new facts during the pause counts only the days since.
    c.paused_days += max(0, (ended_on - max(pause.started_on, c.clock_start)).days)
    c.paused_since = None
    refresh_deadlines(c)
    save(c, actor, _("Clock resumed; new deadline %(due)s") % {"due": c.legal_due})
    if c.status in OPEN_STATUSES:
        # The pause notice promised the new limit once the appraisal ends.
        queue_complainant_notice(c, "resume", pause=pause)
    return pause


def restart_clock(c: Complaint, actor: Any, received_on: date) -> None:
    """New facts or grounds restart the limit from the day they arrive (Measures
    art. 18); the caller holds the lock. Material dated before the running clock's
    start (a late-recorded letter) never moves the clock back."""
    if received_on <= c.clock_start:
        return
    c.clock_start = received_on
    c.paused_days = 0
    c.reminder_level = c.escalation_level = 0
    refresh_deadlines(c)
    save(
        c,
        actor,
        _("New facts received on %(day)s: the clock restarts") % {"day": received_on},
    )


def recompute_open_deadlines(
    *, years: set[int] | None = None, actor: Any = None
) -> int:
    """After a calendar change: recompute the stored due dates of open complaints
    whose clock runs through one of `years` (all open ones when None). Idempotent.

    Only the complaints the change can affect are read and locked, one at a time,
    so a calendar edit never holds every open complaint.
    """
    calendar = DatabaseCalendar()
    changed = 0
    open_qs = Complaint.objects.filter(status__in=OPEN_STATUSES, item_type="complaint")
    if years:
        # The clock window [clock_start, legal_due] must meet the changed years.
        first, last = date(min(years), 1, 1), date(max(years), 12, 31)
        open_qs = open_qs.filter(clock_start__lte=last).filter(
            Q(legal_due__gte=first) | Q(legal_due__isnull=True)
        )
    for pk in open_qs.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            c = Complaint.objects.select_for_update().get(pk=pk)
            before = (c.legal_due, c.internal_due, c.due_on, c.due_provisional)
            refresh_deadlines(c, calendar)
            if before != (c.legal_due, c.internal_due, c.due_on, c.due_provisional):
                save(c, actor, _("Deadline recomputed after a calendar change"))
                changed += 1
    return changed
