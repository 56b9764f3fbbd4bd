"""One chronological timeline of a case, for the case page.

Every kind of event of the case file, merged and in order: the complaint's own
history (registration, each state change with its reason, approvals,
assignments), contacts with the complainant (calls, letters, e-mails),
attachments, approval requests and decisions, extensions, pauses and
resumptions, recusals, internal notes, notices sent, the
letters as sent, investigation tasks and supervision. Labels and values are
translated, people shown by name (organisations.names), times local to the
minute. A fixed number of queries however long the file is (one per source).
Personal text is masked for a user without the personal-data permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.messaging import notice_kinds
from complaints.models import (
    ApprovalRequest,
    Attachment,
    Complaint,
    Correspondence,
    Extension,
    InternalNote,
    Notification,
    Pause,
    Recusal,
)
from complaints.workbench import case_rows, selectors, worklists
from organisations.names import display_name


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # a CSS class: status, contact, attachment, extension, ...
    label: str
    actor: str = ""
    detail: str = ""
    change: str = ""  # "已受理 → 调查中"
    url: str = ""
    date_only: bool = False  # pauses are recorded by day

    @property
    def shown_at(self) -> str:
        local = timezone.localtime(self.at)
        return f"{local:%Y-%m-%d}" if self.date_only else f"{local:%Y-%m-%d %H:%M}"


def _day(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def _status(value: str) -> str:
    try:
        return str(Complaint.Status(value).label)
    except ValueError:
        return value


def complaint_timeline(complaint: Complaint, *, user: Any) -> list[TimelineEvent]:
    """Everything that happened on `complaint`, oldest first."""
    personal = selectors.can_see_personal_data(user, complaint)

    def text(value: str) -> str:
        return value if personal else selectors.mask_text(value)

    events: list[TimelineEvent] = []
    events += _history(complaint)
    for c in case_rows.rows(complaint, Correspondence):
        label = f"{c.get_direction_display()} · {c.get_method_display()}"
        if c.is_notice:
            label += " · " + _("formal notice")
        if c.new_facts:
            label += " · " + _("new facts or grounds")
        events.append(
            TimelineEvent(
                c.occurred_at,
                "contact",
                label,
                display_name(c.recorded_by),
                text(c.summary),
            )
        )
    for a in case_rows.rows(complaint, Attachment):
        events.append(
            TimelineEvent(
                a.uploaded_at,
                "attachment",
                _("Attachment: %(kind)s") % {"kind": a.get_kind_display()},
                display_name(a.uploaded_by),
                text(a.original_name),
            )
        )
    for e in case_rows.rows(complaint, Extension):
        events.append(
            TimelineEvent(
                e.created_at,
                "extension",
                _("Deadline extended (level %(level)s), approved by %(approver)s")
                % {"level": e.level, "approver": display_name(e.approved_by)},
                display_name(e.requested_by),
                e.reason,
                f"{e.previous_due:%Y-%m-%d} → {e.new_due:%Y-%m-%d}",
            )
        )
    for p in case_rows.rows(complaint, Pause):
        events.append(
            TimelineEvent(
                _day(p.started_on),
                "pause",
                _("Clock paused: %(body)s") % {"body": p.body},
                display_name(p.recorded_by),
                p.reason,
                date_only=True,
            )
        )
        if p.ended_on:
            events.append(
                TimelineEvent(
                    _day(p.ended_on), "pause", _("Clock resumed"), date_only=True
                )
            )
    for r in case_rows.rows(complaint, Recusal):
        events.append(
            TimelineEvent(
                r.created_at,
                "recusal",
                _("Conflict of interest declared: %(person)s")
                % {"person": display_name(r.user)},
                display_name(r.declared_by),
                r.reason,
            )
        )
    for q in case_rows.rows(complaint, ApprovalRequest):
        events.append(
            TimelineEvent(
                q.requested_at,
                "approval",
                _("Approval requested: %(kind)s") % {"kind": q.get_kind_display()},
                display_name(q.requested_by),
                q.reason,
            )
        )
        if q.decided_at is not None:
            events.append(
                TimelineEvent(
                    q.decided_at,
                    "approval",
                    _("%(kind)s: %(status)s")
                    % {"kind": q.get_kind_display(), "status": q.get_status_display()},
                    display_name(q.decided_by),
                    q.decision_note,
                )
            )
    for note in case_rows.rows(complaint, InternalNote):
        events.append(
            TimelineEvent(
                note.created_at,
                "note",
                _("Internal note"),
                display_name(note.author),
                text(note.text),
            )
        )
    events += _notices(complaint)
    events += _casework(complaint, text)
    return sorted(events, key=lambda e: e.at)


def _history(complaint: Complaint) -> list[TimelineEvent]:
    """The complaint's own history: registration and every change, with the
    reason recorded and, where the state moved, from which to which."""
    events, previous = [], None
    for row in case_rows.rows(complaint, case_rows.History):
        change = ""
        if previous is not None and row.status != previous:
            change = f"{_status(previous)} → {_status(row.status)}"
        label = row.history_change_reason or (
            _("Registered") if previous is None else _("Changed")
        )
        events.append(
            TimelineEvent(
                row.history_date,
                "status" if change or previous is None else "change",
                label,
                display_name(row.history_user),
                change=change,
            )
        )
        previous = row.status
    return events


def _notices(complaint: Complaint) -> list[TimelineEvent]:
    """Notices to the complainant through the outbox: sent, waiting or failed."""
    events = []
    for n in case_rows.rows(complaint, Notification):
        if n.audience != Notification.Audience.COMPLAINANT:
            continue
        if n.sent_at:
            state, at = _("sent"), n.sent_at
        elif n.failed_at:
            state, at = _("not delivered"), n.failed_at
        else:
            state, at = _("waiting to be sent"), n.created_at
        events.append(
            TimelineEvent(
                at,
                "notice",
                _("%(kind)s by %(channel)s: %(state)s")
                % {
                    "kind": notice_kinds.kind_label(n.kind),
                    "channel": n.get_channel_display(),
                    "state": state,
                },
            )
        )
    return events


def _casework(complaint: Complaint, text: Any) -> list[TimelineEvent]:
    """Letters as sent, investigation tasks and supervision (worklists)."""
    events = []
    for e in worklists.casework_events(complaint):
        url, detail = "", ""
        if e.kind == "letter_sent":
            url = reverse("complaints:letter", args=[e.record.pk])
        elif e.kind.startswith("task_"):
            url = reverse(
                "admin:complaints_investigationtask_change", args=[e.record.pk]
            )
            detail = text(
                e.record.answer if e.kind == "task_answered" else e.record.question
            )
        elif e.kind == "supervision_started":
            detail = text(e.record.instruction)
        events.append(
            TimelineEvent(
                e.at, e.kind, str(e.label), display_name(e.actor), detail, url=url
            )
        )
    return events
