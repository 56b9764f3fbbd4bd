"""What waits for a person: the landing page's counts and the lists behind them.

Each count is `queryset.count()` of the very queryset its list shows
(`desk_list(user=..., key=...)`), so a count and its list cannot disagree.
Approvals and returned drafts come first: they block someone else's work.

"Overdue", "due today" and "due this week" mean what they mean on every page
(complaints.timing.deadline_terms): overdue is past the legal deadline (法定期限);
due today / this week is by the earlier of the legal deadline and the
internal target (内部时限); the clock running (a complaint, open, not paused).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, DateField, F, Q, QuerySet, When
from django.db.models import Count as CountRows
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from complaints.models import OPEN_STATUSES, Complaint, Recusal
from complaints.timing import deadline_terms as terms
from organisations import permissions as P

S = Complaint.Status


def _approvals_pending(user: Any) -> QuerySet[Complaint]:
    """Decisions waiting for the user's approval: never one the user drafted
    (four-eyes), never one the user is recused from or complained about."""
    qs = Complaint.objects.filter(status=S.AWAITING_APPROVAL).exclude(drafted_by=user)
    return _not_conflicted(P.scope(qs, user, P.APPROVE), user)


def _not_conflicted(qs: QuerySet[Complaint], user: Any) -> QuerySet[Complaint]:
    recused = Recusal.objects.filter(user=user).values("complaint_id")
    return qs.exclude(pk__in=recused).exclude(subject_staff_user=user)


def _running() -> Q:
    """The clock runs: a complaint, open, not paused (as the deadline badge)."""
    return Q(
        item_type=Complaint.ItemType.COMPLAINT,
        status__in=OPEN_STATUSES,
        paused_since__isnull=True,
    )


def _binding_due(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return qs.annotate(
        work_due=Case(
            When(status=S.UNDER_REVIEW, then=F("review_due")),
            default=F("due_on"),
            output_field=DateField(),
        )
    )


def _mine(user: Any) -> QuerySet[Complaint]:
    return P.scope(Complaint.objects.filter(_running(), handler=user), user, P.VIEW)


def _team(user: Any) -> QuerySet[Complaint]:
    """Open cases in the subtrees where the user assigns (managers)."""
    return P.scope(Complaint.objects.filter(_running()), user, P.ASSIGN)


def week_end(today: date) -> date:
    """The Sunday of today's week: "this week" ends there."""
    return today + timedelta(days=6 - today.weekday())


def _due(qs: QuerySet[Complaint], when: str, today: date) -> QuerySet[Complaint]:
    """The words of complaints.timing.deadline_terms: overdue is past the legal
    deadline; due today / this week is by the earlier date (due_on)."""
    return qs.filter(_due_condition(when, today))


def _returned(user: Any) -> QuerySet[Complaint]:
    """Drafts sent back for rework on cases the user handles: the draft stays
    recorded (drafted_by) while the case is back under investigation."""
    return P.scope(
        Complaint.objects.filter(
            handler=user, status=S.INVESTIGATING, drafted_by__isnull=False
        ),
        user,
        P.VIEW,
    )


def _new_to_me(user: Any) -> QuerySet[Complaint]:
    """Cases given to the user that the user has not opened since (the
    assignment's notice is unread)."""
    from complaints.models import StaffNotice

    unread = StaffNotice.objects.filter(
        recipient=user, kind=StaffNotice.Kind.ASSIGNED, read_at__isnull=True
    ).values("complaint_id")
    return P.scope(
        Complaint.objects.filter(handler=user, status__in=OPEN_STATUSES, pk__in=unread),
        user,
        P.VIEW,
    )


def _unassigned(user: Any) -> QuerySet[Complaint]:
    """Open cases nobody has taken, in the branches the user handles."""
    return P.scope(
        Complaint.objects.filter(handler__isnull=True, status__in=OPEN_STATUSES),
        user,
        P.HANDLE,
    )


def _reviews(user: Any) -> QuerySet[Complaint]:
    """Reviews (核查) at an institution where the user reviews, on cases the
    user did not act on (the review is decided by someone who did not)."""
    qs = P.scope(
        Complaint.objects.filter(status=S.UNDER_REVIEW),
        user,
        P.REVIEW,
        via="review_institution",
    ).exclude(Q(handler=user) | Q(drafted_by=user) | Q(approved_by=user))
    return _not_conflicted(qs, user)


def _team_unassigned(user: Any) -> QuerySet[Complaint]:
    return P.scope(
        Complaint.objects.filter(handler__isnull=True, status__in=OPEN_STATUSES),
        user,
        P.ASSIGN,
    )


@dataclass(frozen=True)
class Line:
    key: str
    label: str | Promise
    team: bool  # the subtree's, shown to those who assign
    rows: Callable[[Any, date], QuerySet[Complaint]]


# The landing page's order: what blocks someone else first.
LINES: tuple[Line, ...] = (
    Line(
        "approve",
        _("Waiting for my approval"),
        False,
        lambda u, d: _approvals_pending(u),
    ),
    Line("returned", _("Returned to me for rework"), False, lambda u, d: _returned(u)),
    Line("review", _("Reviews (核查) waiting"), False, lambda u, d: _reviews(u)),
    Line("overdue", terms.OVERDUE, False, lambda u, d: _due(_mine(u), "overdue", d)),
    Line("today", _("Due today"), False, lambda u, d: _due(_mine(u), "today", d)),
    Line("week", _("Due this week"), False, lambda u, d: _due(_mine(u), "week", d)),
    Line("new", _("New to me"), False, lambda u, d: _new_to_me(u)),
    Line("unassigned", _("Not yet taken"), False, lambda u, d: _unassigned(u)),
    Line(
        "team_overdue", terms.OVERDUE, True, lambda u, d: _due(_team(u), "overdue", d)
    ),
    Line("team_today", _("Due today"), True, lambda u, d: _due(_team(u), "today", d)),
    Line("team_week", _("Due this week"), True, lambda u, d: _due(_team(u), "week", d)),
    Line("team_unassigned", _("Not yet taken"), True, lambda u, d: _team_unassigned(u)),
)
BY_KEY = {line.key: line for line in LINES}


def shows_team(user: Any) -> bool:
    return P.has_anywhere(user, P.ASSIGN)


def desk_list(*, user: Any, key: str, today: date | None = None) -> QuerySet[Complaint]:
    """The complaints behind one count of the landing page, the earliest due
    first; empty for an unknown key or one the user's roles do not show."""
    line = BY_KEY.get(key)
    if (
        line is None
        or not user.is_authenticated
        or (line.team and not shows_team(user))
    ):
        return Complaint.objects.none()
    qs = _binding_due(line.rows(user, today or timezone.localdate()))
    return qs.select_related("institution", "handler", "category").order_by(
        F("work_due").asc(nulls_last=True), "received_at"
    )


@dataclass(frozen=True)
class Count:
    key: str
    label: str | Promise
    count: int
    url: str
    team: bool = False


# Lines counted together: the same cases (mine, or the subtree's) by due date.
# One pass over them instead of one per line (the subtree of a provincial
# manager holds thousands of open cases). Each count is the line's own
# condition, so it equals the length of the list it links to.
DUE_GROUPS: dict[bool, tuple[Callable[[Any], QuerySet[Complaint]], dict[str, str]]] = {
    False: (_mine, {"overdue": "overdue", "today": "today", "week": "week"}),
    True: (
        _team,
        {"team_overdue": "overdue", "team_today": "today", "team_week": "week"},
    ),
}


def _due_condition(when: str, today: date) -> Q:
    if when == "overdue":
        return terms.overdue_q(today)
    last = today if when == "today" else week_end(today)
    return terms.due_between_q(today, last)


def _due_counts(user: Any, today: date, team: bool) -> dict[str, int]:
    out: dict[str, int] = {}
    for is_team, (cases, lines) in DUE_GROUPS.items():
        if is_team and not team:
            continue
        qs = cases(user).order_by()
        distinct = qs.query.distinct
        out.update(
            qs.aggregate(
                **{
                    key: CountRows(
                        "pk", filter=_due_condition(when, today), distinct=distinct
                    )
                    for key, when in lines.items()
                }
            )
        )
    return out


def desk_counts(*, user: Any, today: date | None = None) -> list[Count]:
    """One count per line the user's roles show, each with its list's link."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    team = shows_team(user)
    base = reverse("admin:complaints_complaint_my_work")
    known = _due_counts(user, today, team)
    counts = []
    for line in LINES:
        if line.team and not team:
            continue
        count = known.get(line.key)
        if count is None:
            count = line.rows(user, today).order_by().count()
        counts.append(
            Count(
                line.key,
                line.label,
                count,
                f"{base}?{urlencode({'show': line.key})}",
                line.team,
            )
        )
        if line.key == "approve":
            counts.append(approval_requests_count(user))
    return counts


def approval_requests_count(user: Any) -> Count:
    """Requests (extensions, declines, routings, refusing mediation) waiting
    for the user's decision: the approvers' queue (complaints.rules.approvals)."""
    from complaints.rules.approvals import pending_for

    queue = reverse("admin:complaints_approvalrequest_changelist")
    return Count(
        "approval_requests",
        _("Requests waiting for my approval"),
        pending_for(user).order_by().count(),
        f"{queue}?for=me",
    )
