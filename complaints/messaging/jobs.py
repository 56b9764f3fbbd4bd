"""The two background jobs: the deadline sweep and outbox delivery.

`sweep` (command `sweep_deadlines`, daily or more often) writes due-soon,
overdue and escalation alerts into the outbox; `deliver` (command
`send_notifications`, every minute or so) sends what the outbox holds. Both are
idempotent and safe to run on several nodes at once.

Reminders are the product's, not the Measures' (DOMAIN.md §4): due-soon at 5, 3
and 1 working days before the earlier date (`due_on`); on the first working day
after the internal target, while the legal deadline still runs, the handler and
the branch managers hear that the internal target has passed (已过内部时限, a
warning); overdue (超期) means past the legal deadline (deadline_terms): it goes
to the handler and the branch managers on the first working day after the legal
deadline, and to the next level up (plus the head-office senior managers) once
ESCALATE_UP_AFTER_WORKING_DAYS working days have passed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from complaints.messaging.notifications import queue_mailbox_alert, queue_staff_alert
from complaints.messaging.sms import SmsBackend, get_sms_backend
from complaints.models import (
    OPEN_STATUSES,
    Complaint,
    InvestigationTask,
    Notification,
    StaffNotice,
)
from complaints.services.letters import letter_attachment
from complaints.services.notices import notify_staff
from complaints.timing import deadline_terms as terms
from complaints.timing.deadlines import (
    ESCALATE_UP_AFTER_WORKING_DAYS,
    REMINDER_WORKING_DAYS,
    add_working_days,
    working_days_left,
)
from complaints.timing.workdays import DatabaseCalendar
from organisations import permissions
from organisations.models import Institution

logger = logging.getLogger(__name__)

# --- The sweep ------------------------------------------------------------------
# Key of the PostgreSQL advisory lock that makes one sweep run at a time across
# every node ("CMPL" "SWP" in ASCII); any fixed bigint not used elsewhere works.
SWEEP_LOCK_KEY = 0x434D504C_535750
SWEEP_CHUNK_SIZE = 500
# Thresholds from the widest to the tightest: reminder_level k means the first k
# have been dealt with.
_THRESHOLDS = tuple(sorted(REMINDER_WORKING_DAYS, reverse=True))
# escalation_level: 1 = told the internal target passed, 2 = overdue (past the
# legal deadline), 3 = overdue escalated to the next level up.
PAST_TARGET_LEVEL = 1
OVERDUE_LEVEL = 2
ESCALATED_LEVEL = 3
# Large text fields the alerts never read.
_NOT_NEEDED = ("request", "facts", "decision_text", "review_text", "route_note")


@dataclass
class SweepResult:
    checked: int = 0
    due_soon: int = 0
    past_target: int = 0
    overdue: int = 0
    escalated: int = 0
    callbacks: int = 0
    tasks: int = 0
    notifications: int = 0
    adjusted: int = 0
    skipped: str = ""
    dry_run: bool = False

    def summary(self) -> str:
        if self.skipped:
            return self.skipped
        text = gettext(
            "Deadline sweep: %(checked)d complaints checked, %(due_soon)d due soon, "
            "%(past_target)d past the internal target, %(overdue)d overdue, "
            "%(escalated)d escalated, %(callbacks)d callbacks "
            "due, %(tasks)d investigation tasks overdue, %(notifications)d alerts "
            "queued, %(adjusted)d markers adjusted."
        ) % {
            "checked": self.checked,
            "due_soon": self.due_soon,
            "past_target": self.past_target,
            "overdue": self.overdue,
            "escalated": self.escalated,
            "callbacks": self.callbacks,
            "tasks": self.tasks,
            "notifications": self.notifications,
            "adjusted": self.adjusted,
        }
        if self.dry_run:
            text = gettext("Dry run, nothing written. %(summary)s") % {"summary": text}
        return text


@dataclass(frozen=True)
class _Alert:
    kind: str  # the notice template
    dedup: str
    users: Sequence[Any]
    context: dict[str, Any]
    counter: str  # the SweepResult field it counts in


class _Recipients:
    """Who hears about a complaint, cached per institution for one run.

    `permissions.users_with(APPROVE, x)` includes everyone above x as well, so
    "the managers" are the holders of the nearest level that has its own, and
    "the next level up" is the nearest level above theirs that has its own.
    """

    def __init__(self) -> None:
        self._own: dict[int, list[Any]] = {}
        self._managers: dict[int, tuple[Institution | None, list[Any]]] = {}
        self._upper: dict[int, list[Any]] = {}

    def _own_approvers(self, node: Institution) -> list[Any]:
        if node.pk not in self._own:
            users = permissions.users_with(permissions.APPROVE, node)
            if node.parent is not None:
                above = permissions.users_with(permissions.APPROVE, node.parent)
                users = users.exclude(pk__in=above.values("pk"))
            self._own[node.pk] = list(users.order_by("pk"))
        return self._own[node.pk]

    def _nearest(
        self, node: Institution | None
    ) -> tuple[Institution | None, list[Any]]:
        while node is not None:
            users = self._own_approvers(node)
            if users:
                return node, users
            node = node.parent
        return None, []

    def managers(self, institution: Institution) -> list[Any]:
        if institution.pk not in self._managers:
            self._managers[institution.pk] = self._nearest(institution)
        return self._managers[institution.pk][1]

    def upper(self, institution: Institution) -> list[Any]:
        if institution.pk not in self._upper:
            self.managers(institution)
            level, _users = self._managers[institution.pk]
            _above, users = self._nearest(level.parent if level else None)
            seniors = permissions.users_with(permissions.APPROVE_FURTHER, institution)
            self._upper[institution.pk] = _unique([*users, *seniors.order_by("pk")])
        return self._upper[institution.pk]


def nearest_managers(institution: Institution) -> list[Any]:
    """The approvers of the nearest level with its own: who hears that a
    decision waits (not every senior manager above)."""
    return _Recipients().managers(institution)


def _unique(users: Sequence[Any]) -> list[Any]:
    by_pk: dict[int, Any] = {}
    for user in users:
        by_pk.setdefault(user.pk, user)
    return list(by_pk.values())


@contextmanager
def _advisory_lock(key: int) -> Iterator[bool]:
    """Yield whether this process holds the cluster-wide lock `key`.

    Session-level on PostgreSQL, released at the end (or when the connection
    drops, if the process dies). Other databases have no such lock: yield True
    and rely on the markers' conditional update and the outbox dedup keys.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        obtained = bool(cursor.fetchone()[0])
    try:
        yield obtained
    finally:
        if obtained:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def sweep(*, today: date | None = None, dry_run: bool = False) -> SweepResult:
    """Queue the due-soon, overdue and escalation alerts owed today.

    Open complaints only (OPEN_STATUSES, item type complaint, clock not
    paused). Each alert is sent once per threshold and due date: the markers
    `reminder_level`/`escalation_level` are moved with a conditional UPDATE
    (they are left out of the history, so a sweep writes no history row) and
    every alert row carries a dedup key. A deadline that moved later (an
    extension, a calendar change) lowers the markers again so the new date
    earns its own alerts.

    On PostgreSQL the whole run holds an advisory lock; a second run started
    meanwhile returns at once with `skipped` set.
    """
    today = today or timezone.localdate()
    with _advisory_lock(SWEEP_LOCK_KEY) as obtained:
        if not obtained:
            return SweepResult(
                skipped=gettext("Another deadline sweep is running; skipped.")
            )
        return _sweep(today, dry_run)


def _sweep(today: date, dry_run: bool) -> SweepResult:
    result = SweepResult(dry_run=dry_run)
    calendar = DatabaseCalendar()
    recipients = _Recipients()
    # A complaint with more than the widest threshold left needs nothing today,
    # unless its markers were set for an earlier due date.
    horizon = add_working_days(today, _THRESHOLDS[0], calendar)
    candidates = (
        Complaint.objects.filter(
            status__in=OPEN_STATUSES,
            item_type=Complaint.ItemType.COMPLAINT,
            paused_since__isnull=True,
            due_on__isnull=False,
        )
        .filter(
            Q(due_on__lte=horizon) | Q(reminder_level__gt=0) | Q(escalation_level__gt=0)
        )
        .select_related("institution", "institution__parent", "handler")
        .defer(*_NOT_NEEDED)
        .order_by("pk")
    )
    for complaint in candidates.iterator(chunk_size=SWEEP_CHUNK_SIZE):
        result.checked += 1
        _sweep_one(complaint, today, calendar, recipients, result)
    _sweep_callbacks(today, calendar, recipients, result)
    _sweep_tasks(today, calendar, result)
    return result


# --- Investigation tasks ----------------------------------------------------------
# An open task not answered by its day is reminded on the first working day
# after it (the same counting as an overdue complaint) to its receivers (the
# person, or the department's members and mailbox), with its sender in copy:
# once per task and answer day, so a new day set on the task earns its own.
def _sweep_tasks(today: date, calendar: DatabaseCalendar, result: SweepResult) -> None:
    T = InvestigationTask
    late = (
        T.objects.filter(status=T.Status.OPEN, due_on__lt=today)
        .select_related("complaint__institution", "department", "assignee")
        .select_related("requested_by")
        .order_by("pk")
    )
    for task in late.iterator(chunk_size=SWEEP_CHUNK_SIZE):
        days_over = -working_days_left(today, task.due_on, calendar)
        if days_over < 1:
            continue  # a rest day right after the day: nobody is at work
        dedup = f"task_overdue:{task.pk}:{task.due_on}"
        if task.assignee is not None:
            receivers = [task.assignee]
        else:
            assert task.department is not None  # a task goes to one or the other
            receivers = list(task.department.members.filter(is_active=True))
        users = _unique([*receivers, task.requested_by])
        alert = _Alert("task_overdue", dedup, users, {}, "tasks")
        pending = _not_yet_queued([alert])
        mailbox = task.department.email if task.department is not None else ""
        mailbox_due = (
            bool(mailbox)
            and not Notification.objects.filter(dedup_key=f"{dedup}:mailbox").exists()
        )
        if not pending and not mailbox_due:
            continue
        result.tasks += 1
        context = {"task": task, "days_over": days_over}
        if result.dry_run:
            queued = sum(len(u) for _a, u in pending) + int(mailbox_due)
            result.notifications += queued
            continue
        with transaction.atomic():
            for _alert, to in pending:
                result.notifications += queue_staff_alert(
                    task.complaint, "task_overdue", to, dedup=dedup, **context
                )
            if mailbox_due:
                result.notifications += queue_mailbox_alert(
                    task.complaint, "task_overdue", mailbox, dedup=dedup, **context
                )


# --- Satisfaction callbacks (回访) -----------------------------------------------
# A callback not made by its due day is reminded to the handler (the branch
# managers when nobody handled the case), and to the handler and the managers
# once this many working days have passed; none after the window (the
# reminders have been sent by then, and the sweep reads only recent rows).
CALLBACK_ESCALATE_WORKING_DAYS = 3
CALLBACK_REMINDER_WINDOW = timedelta(days=30)


def _sweep_callbacks(
    today: date,
    calendar: DatabaseCalendar,
    recipients: _Recipients,
    result: SweepResult,
) -> None:
    due = (
        Complaint.objects.filter(
            status=Complaint.Status.CLOSED,
            callback_at__isnull=True,
            callback_due__lte=today,
            callback_due__gte=today - CALLBACK_REMINDER_WINDOW,
        )
        .select_related("institution", "institution__parent", "handler")
        .defer(*_NOT_NEEDED)
        .order_by("pk")
    )
    for c in due.iterator(chunk_size=SWEEP_CHUNK_SIZE):
        assert c.callback_due is not None  # filtered above
        days_over = (
            -working_days_left(today, c.callback_due, calendar)
            if today > c.callback_due
            else 0
        )
        handler = [c.handler] if c.handler else []
        context: dict[str, Any] = {"days_over": days_over}
        alerts = [
            _Alert(
                "callback_due",
                f"callback_due:{c.pk}:{c.callback_due}",
                handler or recipients.managers(c.institution),
                context,
                "callbacks",
            )
        ]
        if days_over >= CALLBACK_ESCALATE_WORKING_DAYS:
            users = _unique([*handler, *recipients.managers(c.institution)])
            key = f"callback_overdue:{c.pk}:{c.callback_due}"
            alerts.append(_Alert("callback_overdue", key, users, context, "callbacks"))
        pending = _not_yet_queued(alerts)
        if not pending:
            continue
        result.callbacks += 1
        if result.dry_run:
            result.notifications += sum(len(users) for _alert, users in pending)
            continue
        with transaction.atomic():
            for alert, users in pending:
                result.notifications += queue_staff_alert(
                    c, alert.kind, users, dedup=alert.dedup, **alert.context
                )


def _not_yet_queued(alerts: list[_Alert]) -> list[tuple[_Alert, list[Any]]]:
    """Each alert with the recipients (with an e-mail address) not yet sent it."""
    keys = {f"{a.dedup}:{u.pk}" for a in alerts for u in a.users}
    queued = set(
        Notification.objects.filter(dedup_key__in=keys).values_list(
            "dedup_key", flat=True
        )
    )
    pending = []
    for alert in alerts:
        users = [
            u for u in alert.users if u.email and f"{alert.dedup}:{u.pk}" not in queued
        ]
        if users:
            pending.append((alert, users))
    return pending


def _sweep_one(
    c: Complaint,
    today: date,
    calendar: DatabaseCalendar,
    recipients: _Recipients,
    result: SweepResult,
) -> None:
    if c.due_on is None:  # excluded by the query; keeps the type checker honest
        return
    # Two dates (deadline_terms): reminders count to the earlier (due_on); 超期
    # (overdue) is only past the legal deadline; passing the stricter internal
    # target first is its own, differently worded warning.
    legal = terms.legal_deadline(c) or c.due_on
    left = working_days_left(today, c.due_on, calendar)
    # Counted in working days after the day: on a rest day right after it,
    # nobody is at work to read the alert, and "0 days overdue" says nothing.
    days_past = -left if today > c.due_on else 0
    days_over = -working_days_left(today, legal, calendar) if today > legal else 0
    if days_over > 0:
        escalation = (
            ESCALATED_LEVEL
            if days_over >= ESCALATE_UP_AFTER_WORKING_DAYS
            else OVERDUE_LEVEL
        )
    elif days_past > 0 and c.due_on < legal:
        escalation = max(c.escalation_level, PAST_TARGET_LEVEL)
    elif today > c.due_on:
        escalation = c.escalation_level
    else:
        escalation = 0
    if today > c.due_on:
        reminder = len(_THRESHOLDS)  # the later alerts replace the reminders
    else:
        reminder = sum(1 for t in _THRESHOLDS if left <= t)
    if (reminder, escalation) == (c.reminder_level, c.escalation_level):
        return

    alerts: list[_Alert] = []
    if today <= c.due_on and reminder > c.reminder_level:
        # Only the tightest threshold crossed is announced: after a missed run
        # or on registration close to the due date, one alert says it all.
        threshold = _THRESHOLDS[reminder - 1]
        users = [c.handler] if c.handler else recipients.managers(c.institution)
        key = f"due_soon:{c.pk}:{c.due_on}:{threshold}"
        context: dict[str, Any] = {"days_left": left, "legal_due": legal}
        alerts.append(_Alert("due_soon", key, users, context, "due_soon"))
    handler = [c.handler] if c.handler else []
    if escalation == PAST_TARGET_LEVEL > c.escalation_level:
        users = _unique([*handler, *recipients.managers(c.institution)])
        key = f"past_target:{c.pk}:{c.due_on}"
        context = {"days_past": days_past, "legal_due": legal}
        alerts.append(_Alert("past_target", key, users, context, "past_target"))
    if escalation >= OVERDUE_LEVEL > c.escalation_level:
        users = _unique([*handler, *recipients.managers(c.institution)])
        key, context = f"overdue:{c.pk}:{legal}", {"days_over": days_over}
        context["legal_due"] = legal
        alerts.append(_Alert("overdue", key, users, context, "overdue"))
    if escalation >= ESCALATED_LEVEL > c.escalation_level:
        users = recipients.upper(c.institution)
        key = f"overdue_up:{c.pk}:{legal}"
        context = {"days_over": days_over, "escalated": True, "legal_due": legal}
        alerts.append(_Alert("overdue", key, users, context, "escalated"))

    if result.dry_run:
        _count(result, alerts)
        result.notifications += sum(1 for a in alerts for u in a.users if u.email)
        return
    with transaction.atomic():
        # Conditional on what was read: a concurrent extension (new due date,
        # markers reset) or a concurrent sweep makes this a no-op, and the
        # alerts for the stale reading are not queued.
        moved = Complaint.objects.filter(
            pk=c.pk,
            due_on=c.due_on,
            statutory_due=c.statutory_due,
            reminder_level=c.reminder_level,
            escalation_level=c.escalation_level,
            status__in=OPEN_STATUSES,
            paused_since__isnull=True,
        ).update(reminder_level=reminder, escalation_level=escalation)
        if not moved:
            return
        _count(result, alerts)
        for alert in alerts:
            result.notifications += queue_staff_alert(
                c, alert.kind, alert.users, dedup=alert.dedup, **alert.context
            )
            # The same alert in the application (e-mailed just above).
            notify_staff(
                complaint=c,
                kind=STAFF_KINDS[alert.kind],
                users=alert.users,
                event=alert.dedup,
                email=False,
                watchers=False,
            )


STAFF_KINDS = {
    "due_soon": StaffNotice.Kind.DUE_SOON,
    "past_target": StaffNotice.Kind.PAST_TARGET,
    "overdue": StaffNotice.Kind.OVERDUE,
}


def _count(result: SweepResult, alerts: list[_Alert]) -> None:
    for alert in alerts:
        setattr(result, alert.counter, getattr(result, alert.counter) + 1)
    if not alerts:
        result.adjusted += 1


# --- Delivery ---------------------------------------------------------------------
# Minutes to wait after the 1st, 2nd, ... failure; the last failure gives up.
BACKOFF_MINUTES = (1, 5, 30, 120)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
# A claim older than this belongs to a worker that died: it may be taken over.
# Senders must time out well before (SMTP: EMAIL_TIMEOUT).
STALE_CLAIM = timedelta(minutes=10)


class Undeliverable(Exception):
    """A row that no retry can deliver (no address, a channel not sent here)."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retry_later: int = 0
    gave_up: int = 0
    lost_claims: int = 0
    due: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        if self.dry_run:
            return gettext("Dry run, nothing sent: %(due)d notifications are due.") % {
                "due": self.due
            }
        return gettext(
            "Notifications: %(sent)d sent, %(retry)d to retry, %(failed)d given up, "
            "%(lost)d taken by another worker."
        ) % {
            "sent": self.sent,
            "retry": self.retry_later,
            "failed": self.gave_up,
            "lost": self.lost_claims,
        }


def due_notifications(now: datetime) -> QuerySet[Notification]:
    """Rows to send now: not sent, not given up, due, not claimed by a live worker.

    Letters are printed and posted by staff (they appear in the outbox admin),
    so they never come here.
    """
    return (
        Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
        .exclude(channel=Notification.Channel.LETTER)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM))
        .order_by("pk")
    )


def claim(pk: int, seen_claimed_at: datetime | None, now: datetime) -> bool:
    """Take row `pk` for this worker, if nobody else took it since it was read.

    The UPDATE matches only while claimed_at still holds the value read, so of
    two workers (or a worker and a take-over of a stale claim) exactly one wins.
    """
    return bool(
        Notification.objects.filter(
            pk=pk, claimed_at=seen_claimed_at, sent_at__isnull=True
        ).update(claimed_at=now)
    )


def deliver(
    *, limit: int | None = None, now: datetime | None = None, dry_run: bool = False
) -> DeliveryResult:
    """Send due e-mail and SMS rows of the outbox; each row at most once.

    A failure is recorded on the row (attempts, last_error) and retried after
    BACKOFF_MINUTES; after MAX_ATTEMPTS the row is given up (failed_at) and
    shows as failed in the admin, where "retry now" puts it back. Must not run
    inside a transaction: each row's outcome is committed as it happens.
    """

    def clock() -> datetime:
        # Claims are stamped when taken, so a long run's late claims are not
        # mistaken for stale ones by other workers.
        return now or timezone.now()

    result = DeliveryResult(dry_run=dry_run)
    rows = due_notifications(clock()).values_list("pk", "claimed_at")
    if limit is not None:
        rows = rows[:limit]
    if dry_run:
        result.due = rows.count()
        return result
    sender = _Sender()
    try:
        for pk, seen_claimed_at in list(rows):
            if not claim(pk, seen_claimed_at, clock()):
                result.lost_claims += 1
                continue
            row = Notification.objects.select_related("letter__complaint").get(pk=pk)
            try:
                sender.send(row)
            except Exception as exc:  # any failure of any gateway is retried
                logger.warning("Notification %s failed: %s", pk, exc)
                _record_failure(row, exc, clock(), result)
            else:
                Notification.objects.filter(pk=pk).update(
                    sent_at=clock(), attempts=F("attempts") + 1, last_error=""
                )
                result.sent += 1
    finally:
        sender.close()
    return result


def _record_failure(
    row: Notification, exc: Exception, now: datetime, result: DeliveryResult
) -> None:
    attempts = row.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if attempts >= MAX_ATTEMPTS or isinstance(exc, Undeliverable):
        changes: dict[str, Any] = {"failed_at": now, "next_attempt_at": None}
        result.gave_up += 1
    else:
        wait = timedelta(minutes=BACKOFF_MINUTES[attempts - 1])
        changes = {"next_attempt_at": now + wait}
        result.retry_later += 1
    Notification.objects.filter(pk=row.pk).update(
        attempts=attempts, last_error=error, claimed_at=None, **changes
    )


class _Sender:
    """One SMTP connection and one SMS backend for the whole run, opened lazily."""

    def __init__(self) -> None:
        self._mail: Any = None
        self._sms: SmsBackend | None = None

    def send(self, row: Notification) -> None:
        if not row.address:
            raise Undeliverable("no address")
        if row.channel == Notification.Channel.EMAIL:
            if self._mail is None:
                self._mail = mail.get_connection()
                self._mail.open()  # one SMTP session for the run, not one per row
            message = mail.EmailMessage(
                subject=row.subject,
                body=row.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[row.address],
                connection=self._mail,
            )
            if row.letter is not None:  # the formal letter goes with its notice
                message.attach(*letter_attachment(letter=row.letter))
            message.send()
        elif row.channel == Notification.Channel.SMS:
            if self._sms is None:
                self._sms = get_sms_backend()
            self._sms.send(row.address, row.body)
        else:
            raise Undeliverable(f"channel {row.channel!r} is not sent automatically")

    def close(self) -> None:
        if self._mail is not None:
            self._mail.close()


def notification_retry(*, notifications: QuerySet[Notification]) -> int:
    """Put given-up rows back in the queue for an immediate, fully backed-off
    retry (admin action "retry now"). Returns how many rows were reset."""
    return notifications.filter(failed_at__isnull=False, sent_at__isnull=True).update(
        failed_at=None, next_attempt_at=None, claimed_at=None, attempts=0
    )


def notification_mark_printed(
    *, notifications: QuerySet[Notification], now: datetime | None = None
) -> int:
    """Record that pending letters were printed and posted (admin action)."""
    return notifications.filter(
        channel=Notification.Channel.LETTER, sent_at__isnull=True
    ).update(sent_at=now or timezone.now(), attempts=F("attempts") + 1)
