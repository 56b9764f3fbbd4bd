"""Investigation tasks and supervision (督办): work around a case that does not
move its status.

A handler sends a question to a department or a person (claims, underwriting,
the agent's team) with a date for the answer, and the answer comes back into
the case file (R23). A manager supervises a stuck case with an instruction and
a date; the handler sees it on their desk until the manager ends it. Each write
is sealed into the complaint's history chain and e-mails the people it concerns
through the outbox. An archived case file takes none of them (C21).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import exceptions as E
from complaints.exceptions import ComplaintError
from complaints.messaging.notifications import render_notice
from complaints.models import Complaint, InvestigationTask, Notification, Supervision
from complaints.models.complaint import ENDED
from complaints.services._common import lock, require_may_act
from complaints.workbench import worklists
from complaints.workbench.selectors import person_name
from organisations import permissions as P
from organisations.models import Department

T = InvestigationTask
ONE_RECEIVER = gettext_lazy("Send the task either to a department or to a person.")
RECEIVER_INACTIVE = gettext_lazy("%(receiver)s does not receive tasks any more.")
DEPARTMENT_ELSEWHERE = gettext_lazy(
    "This department works for another branch: send the task to a department "
    "of the complaint's institution or of the institutions above it."
)
NOT_TO_YOURSELF = gettext_lazy("Send the task to someone else.")
DUE_IN_THE_PAST = gettext_lazy("The answer cannot be due before today.")
TASK_NOT_OPEN = gettext_lazy(
    "This task is no longer open: it was answered or withdrawn."
)
NOT_THE_RECEIVER = gettext_lazy(
    "Only the person or department the task was sent to, or a handler of the "
    "complaint, records its answer."
)
NOT_THE_SENDER = gettext_lazy(
    "Only the sender or a handler of the complaint withdraws a task."
)
NOT_IN_PROGRESS = gettext_lazy(
    "Handling of this complaint has ended: there is nothing to supervise."
)
NOT_SUPERVISED = gettext_lazy("This complaint is not under supervision.")
SUPERSEDED = gettext_lazy("Replaced by a new instruction.")


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ComplaintError({field: E.REASON_REQUIRED})
    return value


def _not_before_today(day: date) -> None:
    if day < timezone.localdate():
        raise ComplaintError({"due_on": DUE_IN_THE_PAST})


def _seal(obj: Any, actor: Any, reason: str) -> None:
    """Save a case-file record with who and why in its sealed history row."""
    obj._history_user = actor
    obj._change_reason = reason[:100]
    obj.full_clean(exclude=["complaint"])
    obj.save()


def _email(
    complaint: Complaint, kind: str, addresses: dict[str, Any], **ctx: Any
) -> None:
    """One outbox e-mail per address ({address: staff user or None})."""
    subject, body = render_notice(kind, {"complaint": complaint, **ctx})
    for address, user in addresses.items():
        if not address:
            continue
        row = Notification(
            complaint=complaint,
            kind=kind,
            audience=Notification.Audience.STAFF,
            channel=Notification.Channel.EMAIL,
            recipient=user,
            address=address,
            subject=subject,
            body=body,
        )
        row.save()


# --- Investigation tasks ---------------------------------------------------------
def may_send_tasks(user: Any, c: Complaint) -> bool:
    """Handlers of the case; the upper level's reviewers while it is reviewed."""
    if P.has(user, P.HANDLE, c.institution):
        return True
    return c.status == Complaint.Status.UNDER_REVIEW and P.has(
        user, P.REVIEW, c.review_institution
    )


def is_receiver(user: Any, task: InvestigationTask) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if task.assignee_id is not None:
        return bool(task.assignee_id == user.pk)
    return Department.objects.filter(
        pk=task.department_id or 0, members=user.pk, is_active=True
    ).exists()


def may_see_task(user: Any, task: InvestigationTask) -> bool:
    """The receiver and the sender see the task; so does whoever sees the case."""
    return (
        is_receiver(user, task)
        or task.requested_by_id == user.pk
        or P.has(user, P.VIEW, task.complaint.institution)
    )


def may_answer_task(user: Any, task: InvestigationTask) -> bool:
    return is_receiver(user, task) or P.has(user, P.HANDLE, task.complaint.institution)


def _receivers(task: InvestigationTask) -> dict[str, Any]:
    if task.assignee is not None:
        return {task.assignee.email: task.assignee}
    department = task.department
    assert department is not None
    found: dict[str, Any] = {department.email: None}
    for member in department.members.filter(is_active=True):
        found.setdefault(member.email, member)
    return found


@transaction.atomic
def task_send(
    *,
    complaint: Complaint,
    actor: Any,
    question: str,
    due_on: date,
    department: Department | None = None,
    assignee: Any = None,
) -> InvestigationTask:
    """Send a question with a date for its answer to a department or a person."""
    question = _text(question, "question")
    c = lock(complaint)
    if not may_send_tasks(actor, c):
        P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "task_send")
    if (department is None) == (assignee is None):
        raise ComplaintError({"assignee": ONE_RECEIVER})
    if (
        department is not None
        and department.is_active
        and not worklists.departments_for(complaint=c).filter(pk=department.pk).exists()
    ):
        raise ComplaintError({"department": DEPARTMENT_ELSEWHERE})
    if department is not None and not department.is_active:
        raise ComplaintError(
            {
                "department": ComplaintError(
                    RECEIVER_INACTIVE, params={"receiver": department}
                )
            }
        )
    if assignee is not None:
        if not (assignee.is_active and assignee.is_staff):
            raise ComplaintError(
                {
                    "assignee": ComplaintError(
                        RECEIVER_INACTIVE, params={"receiver": assignee}
                    )
                }
            )
        if assignee.pk == actor.pk:
            raise ComplaintError({"assignee": NOT_TO_YOURSELF})
    _not_before_today(due_on)
    task = T(
        complaint=c,
        department=department,
        assignee=assignee,
        question=question,
        due_on=due_on,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    receiver = department or assignee
    _seal(task, actor, _("Task sent to %(receiver)s") % {"receiver": receiver})
    _email(c, "task_sent", _receivers(task), task=task, sender=person_name(actor))
    return task


def _locked_task(task: InvestigationTask, actor: Any) -> InvestigationTask:
    """The task under its complaint's lock; hidden answers like missing."""
    found = (
        T.objects.select_related("complaint__institution", "department")
        .filter(pk=task.pk)
        .first()
    )
    if found is None or not may_see_task(actor, found):
        raise P.NotFound(P.NOT_FOUND)
    complaint = lock(found.complaint)
    # Only the task's row: PostgreSQL locks no row of an outer join's nullable
    # side (the department of a task sent to a person).
    locked = T.objects.select_for_update().get(pk=found.pk)
    locked.complaint = complaint
    return locked


@transaction.atomic
def task_answer(
    *, task: InvestigationTask, actor: Any, answer: str
) -> InvestigationTask:
    """Record the answer; it joins the case file and the sender is told."""
    answer = _text(answer, "answer")
    t = _locked_task(task, actor)
    if not may_answer_task(actor, t):
        raise PermissionDenied(NOT_THE_RECEIVER)
    require_may_act(t.complaint, actor, "task_answer")
    if not t.is_open:
        raise ComplaintError(TASK_NOT_OPEN, code="task_not_open")
    t.status, t.answer = T.Status.ANSWERED, answer
    t.answered_by, t.answered_at = actor, timezone.now()
    _seal(t, actor, _("Task answered"))
    requester = t.requested_by
    _email(
        t.complaint,
        "task_answered",
        {requester.email: requester},
        task=t,
        answerer=person_name(actor),
    )
    return t


@transaction.atomic
def task_withdraw(
    *, task: InvestigationTask, actor: Any, reason: str
) -> InvestigationTask:
    reason = _text(reason, "withdrawn_reason")
    t = _locked_task(task, actor)
    if not (
        t.requested_by_id == actor.pk or P.has(actor, P.HANDLE, t.complaint.institution)
    ):
        raise PermissionDenied(NOT_THE_SENDER)
    require_may_act(t.complaint, actor, "task_withdraw")
    if not t.is_open:
        raise ComplaintError(TASK_NOT_OPEN, code="task_not_open")
    t.status, t.withdrawn_reason = T.Status.WITHDRAWN, reason
    t.withdrawn_by, t.withdrawn_at = actor, timezone.now()
    _seal(t, actor, _("Task withdrawn: %(reason)s") % {"reason": reason})
    return t


# --- Supervision (督办) -------------------------------------------------------------
def may_supervise(user: Any, c: Complaint) -> bool:
    """Managers (and senior managers) over the case's institution."""
    return P.has(user, P.ASSIGN, c.institution)


@transaction.atomic
def supervision_start(
    *, complaint: Complaint, actor: Any, instruction: str, due_on: date
) -> Supervision:
    """Put a case under supervision with an instruction and a date to act by;
    a running supervision is replaced by the new instruction."""
    instruction = _text(instruction, "instruction")
    c = lock(complaint)
    P.require(actor, P.ASSIGN, c.institution)
    require_may_act(c, actor, "supervise")
    if c.status in ENDED:
        raise ComplaintError(NOT_IN_PROGRESS, code="not_in_progress")
    _not_before_today(due_on)
    now = timezone.now()
    running = Supervision.objects.select_for_update().filter(
        complaint=c, ended_at__isnull=True
    )
    for old in running:
        old.ended_at, old.ended_by, old.end_note = now, actor, str(SUPERSEDED)
        _seal(old, actor, str(SUPERSEDED))
    supervision = Supervision(
        complaint=c,
        instruction=instruction,
        due_on=due_on,
        started_by=actor,
        started_at=now,
    )
    _seal(supervision, actor, _("Supervised (督办) until %(day)s") % {"day": due_on})
    if c.handler is not None:
        handler = c.handler
        _email(
            c,
            "supervised",
            {handler.email: handler},
            supervision=supervision,
            supervisor=person_name(actor),
        )
    return supervision


@transaction.atomic
def supervision_end(*, complaint: Complaint, actor: Any, note: str) -> Supervision:
    note = _text(note, "end_note")
    c = lock(complaint)
    P.require(actor, P.ASSIGN, c.institution)
    require_may_act(c, actor, "end_supervision")
    running = (
        Supervision.objects.select_for_update()
        .filter(complaint=c, ended_at__isnull=True)
        .first()
    )
    if running is None:
        raise ComplaintError(NOT_SUPERVISED, code="not_supervised")
    running.ended_at, running.ended_by, running.end_note = timezone.now(), actor, note
    _seal(running, actor, _("Supervision ended: %(note)s") % {"note": note})
    return running
