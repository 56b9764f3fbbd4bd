"""Outbox writes for notices (to complainants) and alerts (to staff).

Rows are written inside the caller's transaction and delivered later by
`send_notifications`; a rolled-back transaction therefore never sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from complaints.models import Complaint, Notification
from complaints.rules import identifiers

N = Notification


def render_notice(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of templates/complaints/notices/<kind>.txt: first line is
    the subject. Notices to consumers are always written in Chinese."""
    with translation.override("zh-hans"):
        text = render_to_string(f"complaints/notices/{kind}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def queue_complainant_notice(
    complaint: Complaint, kind: str, **context: Any
) -> list[Notification]:
    """Queue a notice owed to the complainant by every contact they gave;
    a printed letter when they gave neither e-mail nor a mobile number (an SMS
    reaches a mainland mobile only, not a landline or a number abroad).

    The formal letter of the same step is written into the case file here too
    (complaints.services.letters), so every service that owes a notice also
    keeps the letter as sent. The caller's save() has just set the actor.
    """
    from complaints.services.letters import letter_store

    subject, body = render_notice(kind, {"complaint": complaint, **context})
    rows = []
    if complaint.email:
        rows.append(N(channel=N.Channel.EMAIL, address=complaint.email))
    mobile = identifiers.sms_number(complaint.phone)
    if mobile:
        rows.append(N(channel=N.Channel.SMS, address=mobile))
    if not rows:
        rows.append(N(channel=N.Channel.LETTER, address=complaint.address))
    letter = letter_store(
        complaint=complaint,
        kind=kind,
        notices=rows,
        actor=getattr(complaint, "_history_user", None),
        **context,
    )
    for row in rows:
        row.complaint = complaint
        row.kind = kind
        row.audience = N.Audience.COMPLAINANT
        row.subject = subject
        row.body = body
        row.letter = letter
        row.save()
    return rows


def queue_staff_alert(
    complaint: Complaint,
    kind: str,
    users: Iterable[Any],
    *,
    dedup: str = "",
    **context: Any,
) -> int:
    """Queue an e-mail alert to each of `users`; with `dedup`, at most one row per
    (dedup, user) ever exists, so a repeated sweep queues nothing new."""
    subject, body = render_notice(kind, {"complaint": complaint, **context})
    rows = [
        N(
            complaint=complaint,
            kind=kind,
            audience=N.Audience.STAFF,
            channel=N.Channel.EMAIL,
            recipient=user,
            address=user.email,
            subject=subject,
            body=body,
            dedup_key=f"{dedup}:{user.pk}" if dedup else "",
        )
        for user in users
        if user.email
    ]
    return save_outbox_rows(rows)


def save_outbox_rows(rows: list[Notification]) -> int:
    """Save each row, so each is sealed into the case file's history; a row
    whose dedup key exists already is skipped (in its own savepoint, for a
    concurrent sweep). How many were queued."""
    queued = 0
    for row in rows:
        if row.dedup_key and N.objects.filter(dedup_key=row.dedup_key).exists():
            continue
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # a concurrent sweep queued it first
            continue
        queued += 1
    return queued


def queue_mailbox_alert(
    complaint: Complaint, kind: str, address: str, *, dedup: str, **context: Any
) -> int:
    """Queue an e-mail alert to a shared mailbox (a department's), at most once
    per `dedup`; how many rows were queued (0 or 1)."""
    subject, body = render_notice(kind, {"complaint": complaint, **context})
    row = N(
        complaint=complaint,
        kind=kind,
        audience=N.Audience.STAFF,
        channel=N.Channel.EMAIL,
        address=address,
        subject=subject,
        body=body,
        dedup_key=f"{dedup}:mailbox",
    )
    return save_outbox_rows([row])
