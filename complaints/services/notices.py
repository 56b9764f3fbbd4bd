"""Work that finds the person: staff notices, followed cases, internal notes
with mentions.

`notify_staff` is the one door: every service that puts work in front of
someone calls it inside its own transaction. It keeps to people who may see
the case and have no conflict (回避: recused, or the staff member complained
about), never tells the actor of their own act, and writes one notice per
person per event (`dedup_key`): a repeated sweep or a second call for the
same event writes nothing. A notice is shown in the application and, except
for news on a followed case, e-mailed through the outbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.exceptions import ComplaintError
from complaints.messaging.notifications import render_notice, save_outbox_rows
from complaints.models import (
    CaseWatch,
    Complaint,
    InternalNote,
    Notification,
    Recusal,
    StaffNotice,
)
from organisations import permissions as P

K = StaffNotice.Kind
NOTE_EMPTY = gettext_lazy("Write the note.")
NOTE_NOT_ALLOWED = gettext_lazy(
    "Internal notes are written by the case's handlers, approvers and reviewers."
)
NOTE_CONFLICT = gettext_lazy(
    "You have a conflict of interest (回避) on this case: you may not write on it."
)
WATCH_CONFLICT = gettext_lazy(
    "You have a conflict of interest (回避) on this case: you may not follow it."
)


def case_url(complaint: Complaint, action: str = "", anchor: str = "") -> str:
    """The exact place to act: the case page, or one action's page on it."""
    if action:
        url = reverse("admin:complaints_complaint_act", args=[complaint.pk, action])
    else:
        url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    return f"{url}#{anchor}" if anchor else url


def event_of(complaint: Complaint) -> str:
    """One save of the case is one event: its version stamp names it."""
    return complaint.updated_at.strftime("%Y%m%d%H%M%S%f")


def may_be_told(complaint: Complaint, users: Iterable[Any]) -> list[Any]:
    """The people among `users` who may see the case and have no conflict."""
    people = {u.pk: u for u in users if u is not None and u.is_active and u.is_staff}
    if not people:
        return []
    inst = complaint.institution
    in_scope = set(
        P.users_with(P.VIEW, inst).filter(pk__in=people).values_list("pk", flat=True)
    )
    review_at = complaint.review_institution
    if review_at is not None:
        in_scope |= set(
            P.users_with(P.REVIEW, review_at)
            .filter(pk__in=people)
            .values_list("pk", flat=True)
        )
    in_scope |= {pk for pk, u in people.items() if u.is_superuser}
    conflicted = set(
        Recusal.objects.filter(complaint=complaint, user__in=people).values_list(
            "user_id", flat=True
        )
    )
    if complaint.subject_staff_user_id:
        conflicted.add(complaint.subject_staff_user_id)
    return [u for pk, u in people.items() if pk in in_scope and pk not in conflicted]


def notify_staff(
    *,
    complaint: Complaint,
    kind: str,
    users: Iterable[Any],
    actor: Any = None,
    url: str = "",
    event: str = "",
    text: str = "",
    email: bool = True,
    watchers: bool = True,
) -> list[StaffNotice]:
    """Tell `users` (and, unless `watchers` is False, the people following the
    case) of one event on `complaint`; returns the notices written.

    `event` names the event (default: this save of the case); a person hears
    of one event once, whatever the kinds: a follower who is also the new
    handler gets "assigned", not both.
    """
    event = event or event_of(complaint)
    url = url or case_url(complaint)
    actor_pk = getattr(actor, "pk", None)
    targets = {u.pk: (u, kind) for u in users if u is not None and u.pk != actor_pk}
    if watchers:
        for w in CaseWatch.objects.filter(complaint=complaint).select_related("user"):
            if w.user_id != actor_pk and w.user_id not in targets:
                targets[w.user_id] = (w.user, K.WATCHED)
    allowed = {u.pk for u in may_be_told(complaint, [u for u, _k in targets.values()])}
    keys = {pk: f"{complaint.pk}:{event}:{pk}" for pk in targets if pk in allowed}
    if not keys:
        return []
    existing = {
        n.dedup_key: n for n in StaffNotice.objects.filter(dedup_key__in=keys.values())
    }
    written, to_email = [], []
    for pk, key in keys.items():
        user, user_kind = targets[pk]
        old = existing.get(key)
        if old is not None:
            # The follower's generic notice becomes the specific one.
            if old.kind == K.WATCHED and user_kind != K.WATCHED:
                old.kind, old.url, old.text = user_kind, url, text[:300]
                old.save(update_fields=["kind", "url", "text"])
                written.append(old)
                to_email.append(old)
            continue
        notice = StaffNotice(
            recipient=user,
            complaint=complaint,
            kind=user_kind,
            actor=actor if actor_pk else None,
            text=text[:300],
            url=url,
            dedup_key=key,
        )
        notice.save()
        written.append(notice)
        if user_kind != K.WATCHED:
            to_email.append(notice)
    if email:
        _email(complaint, to_email)
    return written


def _email(complaint: Complaint, notices: list[StaffNotice]) -> None:
    """The same notice by e-mail, through the outbox (once per notice)."""
    for n in notices:
        if not n.recipient.email:
            continue
        subject, body = render_notice(
            "staff_notice",
            {"complaint": complaint, "notice": n, "label": K(n.kind).label},
        )
        # Saved one by one: each outbox row is sealed into the case's chain.
        save_outbox_rows(
            [
                Notification(
                    complaint=complaint,
                    kind=f"staff_{n.kind}",
                    audience=Notification.Audience.STAFF,
                    channel=Notification.Channel.EMAIL,
                    recipient=n.recipient,
                    address=n.recipient.email,
                    subject=subject,
                    body=body,
                    dedup_key=f"notice:{n.dedup_key}",
                )
            ]
        )


def notify_watchers(complaint: Complaint, actor: Any, reason: str) -> None:
    """Followers hear of every recorded step of the case."""
    if CaseWatch.objects.filter(complaint=complaint).exists():
        notify_staff(
            complaint=complaint, kind=K.WATCHED, users=[], actor=actor, text=reason
        )


# --- Reading and marking ---------------------------------------------------------
def notices_unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return StaffNotice.objects.filter(recipient=user, read_at__isnull=True).count()


def notices_mark_read(
    *, user: Any, pks: Iterable[int] | None = None, complaint: Any = None
) -> int:
    """Mark the user's notices read (these, those of one case, or all)."""
    qs = StaffNotice.objects.filter(recipient=user, read_at__isnull=True)
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    if complaint is not None:
        qs = qs.filter(complaint=complaint)
    return qs.update(read_at=timezone.now())


# --- Following a case -------------------------------------------------------------
@transaction.atomic
def complaint_watch(*, complaint: Complaint, user: Any, on: bool = True) -> bool:
    """Follow (or stop following) a case one may see and has no conflict on."""
    P.require(user, P.VIEW, complaint.institution)
    if on:
        if not may_be_told(complaint, [user]):
            raise ComplaintError(WATCH_CONFLICT)
        CaseWatch.objects.get_or_create(user=user, complaint=complaint)
    else:
        CaseWatch.objects.filter(user=user, complaint=complaint).delete()
    return on


def is_watching(*, complaint: Complaint, user: Any) -> bool:
    return CaseWatch.objects.filter(user=user, complaint=complaint).exists()


def desk_marks(user: Any) -> dict[str, Exists]:
    """Whether `user` follows a case and has unread notices about it, as
    annotations: the case page reads them with the case (issue 19) and only
    marks notices read when there are some (`has_unread`, `watching`)."""
    case = OuterRef("pk")
    return {
        "watching": Exists(CaseWatch.objects.filter(user=user, complaint=case)),
        "has_unread": Exists(
            StaffNotice.objects.filter(
                recipient=user, complaint=case, read_at__isnull=True
            )
        ),
    }


# --- Internal notes and mentions ---------------------------------------------------
def mentioned(complaint: Complaint, text: str) -> list[Any]:
    """The people an internal note names as @username or @姓名 (Chinese order,
    e.g. @陈晓敏, which may run straight into the sentence: "@陈晓敏请看"), among
    the staff who may see the case."""
    from complaints.workbench.selectors import person_name, staff_in_scope_of

    if "@" not in text:
        return []
    found = []
    for user in staff_in_scope_of(complaint=complaint):
        name = person_name(user)
        by_username = re.search(rf"@{re.escape(user.username)}(?![\w.\-])", text)
        if by_username or (name and f"@{name}" in text):
            found.append(user)
    return found


def may_write_note(user: Any, complaint: Complaint) -> bool:
    """The case's handlers, approvers and reviewers write internal notes."""
    return (
        P.has(user, P.HANDLE, complaint.institution)
        or P.has(user, P.APPROVE, complaint.institution)
        or P.has(user, P.REVIEW, complaint.review_institution)
    )


@transaction.atomic
def note_add(*, complaint: Complaint, actor: Any, text: str) -> InternalNote:
    """An internal note on the case file; the people it mentions are told."""
    text = (text or "").strip()
    if not text:
        raise ComplaintError({"text": NOTE_EMPTY})
    if not may_write_note(actor, complaint):
        P.require(actor, P.VIEW, complaint.institution)  # outside scope: not found
        raise ComplaintError(NOTE_NOT_ALLOWED)
    if not may_be_told(complaint, [actor]) and not actor.is_superuser:
        raise ComplaintError(NOTE_CONFLICT)
    if complaint.status == Complaint.Status.ARCHIVED:
        # Notes are links of the sealed chain: the archived file is frozen (C21).
        from complaints.services.letters import CASE_FILE_CLOSED

        raise ComplaintError(CASE_FILE_CLOSED, code="archived")
    note = InternalNote(complaint=complaint, text=text, author=actor)
    note._history_user = actor  # type: ignore[attr-defined]
    note._change_reason = _("Internal note")  # type: ignore[attr-defined]
    note.full_clean(exclude=["complaint"])
    note.save()
    notify_staff(
        complaint=complaint,
        kind=K.MENTION,
        users=mentioned(complaint, text),
        actor=actor,
        url=case_url(complaint, anchor=f"note-{note.pk}"),
        event=f"note{note.pk}",
        text=text,
    )
    return note
