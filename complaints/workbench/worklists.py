"""Reads of the work around cases: investigation tasks, supervision (督办)
and the satisfaction callbacks (回访) due.

The landing page and "my work" show what waits for a user through
`casework_counts(user=...)` (one count per list, each with its link) and the
lists below; the case page reads one complaint's tasks and supervision, and
its timeline `casework_events(complaint)` (letters, tasks, supervision).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, InvestigationTask, Letter, Supervision
from complaints.workbench import case_rows
from organisations import permissions as P
from organisations.models import Department

T = InvestigationTask


def tasks_to_answer(*, user: Any) -> QuerySet[InvestigationTask]:
    """Open tasks sent to the user or to a department the user belongs to,
    the earliest due first."""
    if not user.is_authenticated:
        return T.objects.none()
    mine = Q(assignee=user) | Q(department__members=user, department__is_active=True)
    ids = T.objects.filter(mine, status=T.Status.OPEN).values("pk")
    return (
        T.objects.filter(pk__in=ids)
        .select_related(
            "complaint", "department__institution", "requested_by", "assignee"
        )
        .order_by("due_on", "requested_at")
    )


def departments_for(*, complaint: Complaint) -> QuerySet[Department]:
    """The departments a task about `complaint` may go to: those of its
    institution, of the institutions above it (the provincial claims
    department, head office's underwriting) and below it; a sibling
    branch's departments are not its business."""
    path = complaint.institution.path
    return (
        Department.objects.filter(is_active=True)
        .filter(
            Q(institution__path__in=P.ancestor_paths(path))
            | Q(institution__path__startswith=path)
        )
        .select_related("institution")
        .order_by("institution__path", "name")
    )


def receives_tasks(*, user: Any) -> bool:
    """Whether tasks can reach the user (a department's member, or a person
    sent one): they then have a desk even without a role on complaints."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return (
        Department.objects.filter(members=user, is_active=True).exists()
        or T.objects.filter(assignee=user).exists()
    )


def tasks_awaiting_answer(*, user: Any) -> QuerySet[InvestigationTask]:
    """Open tasks the user sent, the earliest due first."""
    if not user.is_authenticated:
        return T.objects.none()
    return (
        T.objects.filter(requested_by=user, status=T.Status.OPEN)
        .select_related("complaint", "department__institution", "assignee")
        .order_by("due_on", "requested_at")
    )


def tasks_on_desk(
    *, user: Any, limit: int
) -> tuple[list[InvestigationTask], list[InvestigationTask]]:
    """tasks_to_answer and tasks_awaiting_answer (the first `limit` of each),
    in one read: "my work" keeps its query budget (issue 19)."""
    if not user.is_authenticated:
        return [], []
    mine = Q(assignee=user) | Q(department__members=user, department__is_active=True)
    answering = T.objects.filter(mine, status=T.Status.OPEN).values("pk")
    found = list(
        T.objects.filter(
            Q(pk__in=answering) | Q(requested_by=user, status=T.Status.OPEN)
        )
        .annotate(answering=Exists(answering.filter(pk=OuterRef("pk"))))
        .select_related(
            "complaint", "department__institution", "requested_by", "assignee"
        )
        .order_by("due_on", "requested_at")
    )
    to_answer = [t for t in found if t.answering][:limit]  # type: ignore[attr-defined]
    sent = [t for t in found if t.requested_by_id == user.pk][:limit]
    return to_answer, sent  # type: ignore[return-value]


def supervisions_on_my_cases(*, user: Any) -> QuerySet[Supervision]:
    """Running supervisions of the cases the user handles, and of the cases
    nobody has taken yet in the branches the user handles."""
    if not user.is_authenticated:
        return Supervision.objects.none()
    running = Supervision.objects.filter(ended_at__isnull=True).exclude(
        complaint__status=Complaint.Status.ARCHIVED
    )
    handled = running.filter(complaint__handler=user)
    unassigned = P.scope(
        running.filter(complaint__handler__isnull=True),
        user,
        P.HANDLE,
        via="complaint__institution",
    )
    return (
        (handled | unassigned)
        .select_related("complaint__institution", "started_by")
        .order_by("due_on", "started_at")
    )


def supervisions_in_my_branches(*, user: Any) -> QuerySet[Supervision]:
    """Running supervisions of the cases in the subtree where the user
    supervises (a manager's or senior manager's view of what they and their
    colleagues put under 督办), the earliest act-by date first."""
    if not user.is_authenticated:
        return Supervision.objects.none()
    running = Supervision.objects.filter(ended_at__isnull=True).exclude(
        complaint__status=Complaint.Status.ARCHIVED
    )
    return (
        P.scope(running, user, P.ASSIGN, via="complaint__institution")
        .select_related("complaint__institution", "complaint__handler", "started_by")
        .order_by("due_on", "started_at")
    )


def callbacks_due(*, user: Any, today: date | None = None) -> QuerySet[Complaint]:
    """Closed cases whose satisfaction callback (回访) fell due and is not yet
    made (or reached nobody yet): those the user handled, and those nobody
    handled in the branches the user handles; the earliest due first.
    The deadline sweep reminds the same people (complaints.messaging.jobs)."""
    if not user.is_authenticated:
        return Complaint.objects.none()
    today = today or timezone.localdate()
    due = Complaint.objects.filter(
        status=Complaint.Status.CLOSED, callback_due__lte=today
    ).filter(
        Q(callback_at__isnull=True) | Q(satisfaction=Complaint.Satisfaction.UNREACHABLE)
    )
    handled = P.scope(due.filter(handler=user), user, P.VIEW)
    unassigned = P.scope(due.filter(handler__isnull=True), user, P.HANDLE)
    return (
        (handled | unassigned)
        .select_related("institution")
        .order_by("callback_due", "pk")
    )


def supervisions_by_complaint(complaint_ids: list[int]) -> dict[int, Supervision]:
    """The running supervision of each of these complaints (one query)."""
    rows = Supervision.objects.filter(
        complaint_id__in=complaint_ids, ended_at__isnull=True
    ).select_related("started_by")
    return {s.complaint_id: s for s in rows}


def complaint_supervision(complaint: Complaint) -> Supervision | None:
    if case_rows.remembered(complaint):  # the case page: its rows, once
        running = (s for s in case_rows.rows(complaint, Supervision) if not s.ended_at)
        return next(running, None)
    return (
        Supervision.objects.filter(complaint=complaint, ended_at__isnull=True)
        .select_related("started_by")
        .first()
    )


def complaint_open_tasks(complaint: Complaint) -> Any:
    if case_rows.remembered(complaint):  # the case page: its rows, once
        tasks = case_rows.rows(complaint, T)
        return sorted(
            (t for t in tasks if t.status == T.Status.OPEN), key=lambda t: t.due_on
        )
    return (
        T.objects.filter(complaint=complaint, status=T.Status.OPEN)
        .select_related("department__institution", "assignee")
        .order_by("due_on")
    )


@dataclass(frozen=True)
class CaseworkEvent:
    """One moment of the work around a case, for the case page's timeline."""

    at: datetime
    actor: Any
    kind: str  # letter_sent, task_sent, task_answered, task_withdrawn,
    # supervision_started, supervision_ended
    label: str | Promise
    record: Any


def casework_events(complaint: Complaint) -> list[CaseworkEvent]:
    """The letters sent, the tasks sent, answered or withdrawn and the
    supervisions started or ended on `complaint`, oldest first (three
    queries). The case page's timeline merges these with the status history."""
    events: list[CaseworkEvent] = []
    for letter in case_rows.rows(complaint, Letter):
        events.append(
            CaseworkEvent(
                letter.sent_at, letter.created_by, "letter_sent", letter.title, letter
            )
        )
    for task in case_rows.rows(complaint, T):
        events.append(
            CaseworkEvent(
                task.requested_at,
                task.requested_by,
                "task_sent",
                _("Investigation task sent"),
                task,
            )
        )
        if task.answered_at is not None:
            events.append(
                CaseworkEvent(
                    task.answered_at,
                    task.answered_by,
                    "task_answered",
                    _("Investigation task answered"),
                    task,
                )
            )
        if task.withdrawn_at is not None:
            events.append(
                CaseworkEvent(
                    task.withdrawn_at,
                    task.withdrawn_by,
                    "task_withdrawn",
                    _("Investigation task withdrawn"),
                    task,
                )
            )
    for s in case_rows.rows(complaint, Supervision):
        events.append(
            CaseworkEvent(
                s.started_at, s.started_by, "supervision_started", _("Supervised"), s
            )
        )
        if s.ended_at is not None:
            events.append(
                CaseworkEvent(
                    s.ended_at,
                    s.ended_by,
                    "supervision_ended",
                    _("Supervision ended"),
                    s,
                )
            )
    return sorted(events, key=lambda e: e.at)


@dataclass(frozen=True)
class WorkCount:
    """One line of the landing page's "what waits for me": a count and its list."""

    key: str
    label: str | Promise
    count: int
    url: str


def casework_counts(*, user: Any) -> list[WorkCount]:
    """The casework on the user's desk, for the landing page's counts: tasks to
    answer, tasks awaiting an answer, supervised cases, callbacks due; for a
    manager, the supervisions running in their branches."""
    work = reverse("admin:complaints_complaint_my_work")
    tasks = reverse("admin:complaints_investigationtask_changelist")
    counts = [
        WorkCount(
            "tasks_to_answer",
            _("Tasks to answer"),
            tasks_to_answer(user=user).count(),
            f"{tasks}?for=me",
        ),
        WorkCount(
            "tasks_awaiting_answer",
            _("Tasks awaiting an answer"),
            tasks_awaiting_answer(user=user).count(),
            f"{tasks}?for=sent",
        ),
        WorkCount(
            "supervised",
            _("Supervised cases (督办)"),
            supervisions_on_my_cases(user=user).count(),
            f"{work}#supervised",
        ),
        WorkCount(
            "callbacks_due",
            _("Satisfaction callbacks due"),
            callbacks_due(user=user).count(),
            f"{work}#callbacks-due",
        ),
    ]
    if P.has_anywhere(user, P.ASSIGN):
        counts.append(
            WorkCount(
                "supervising",
                _("Supervision in my branches"),
                supervisions_in_my_branches(user=user).count(),
                f"{work}#supervising",
            )
        )
    return counts
