"""Lists behind the dashboards: a handler's work, the overdue list, rectification
and quality-check status, frequent causes. Each is a bounded number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from complaints.models import OPEN_STATUSES, Complaint
from complaints.timing import deadline_terms as terms
from organisations import permissions as P
from organisations.models import Institution
from reporting.models import (
    QUALITY_SCORE_MAX,
    QualityCheck,
    QualityScore,
    Rectification,
    RootCause,
)
from reporting.periods import Period
from reporting.rates import percent
from reporting.selectors.kpis import (
    Actor,
    complaints_in,
    metric_q,
    require_reports,
    window,
)

S = Complaint.Status
# After the decision the handler still closes, refers or records the review.
AFTER_DECISION = [S.NOTIFIED, S.UNDER_REVIEW, S.REVIEWED, S.IN_MEDIATION]
LIST_LIMIT = 50


def report_roots(user: Actor) -> list[Institution]:
    """Institutions the user may report on (the subtree filter's choices)."""
    return list(P.institutions_for(user, P.REPORTS).order_by("path"))


# --- Handler -------------------------------------------------------------------
def handler_work(*, user: Any, today: date | None = None) -> dict[str, Any]:
    """The handler's open cases by how soon they are due, the cases after
    decision still needing a step, and the unassigned new cases of the branches
    the handler serves. "Overdue" is past the legal deadline, the other
    buckets go by the earlier of the two dates (complaints.timing.deadline_terms)."""
    today = today or timezone.localdate()
    mine = P.scope(Complaint.objects, user, P.VIEW).filter(
        handler=user, item_type=Complaint.ItemType.COMPLAINT
    )
    running = Q(status__in=OPEN_STATUSES)
    not_overdue = running & ~terms.overdue_q(today)
    buckets = {
        "overdue": terms.overdue_q(today) & running,
        "past_internal": terms.past_internal_target_q(today),
        "today": not_overdue & Q(due_on=today),
        "in_3_days": not_overdue
        & Q(due_on__gt=today, due_on__lte=today + timedelta(3)),
        "in_7_days": not_overdue
        & Q(due_on__gt=today + timedelta(3), due_on__lte=today + timedelta(7)),
        "later": not_overdue & Q(due_on__gt=today + timedelta(7)),
        "after_decision": Q(status__in=AFTER_DECISION),
    }
    counts = mine.aggregate(**{k: Count("pk", filter=q) for k, q in buckets.items()})
    open_cases = list(
        mine.filter(running)
        .select_related("institution", "category", "channel")
        .order_by("due_on", "received_at")[:LIST_LIMIT]
    )
    for c in open_cases:
        c.is_overdue = terms.legal_deadline(c) is not None and (  # type: ignore[attr-defined]
            terms.legal_deadline(c) < today and not c.paused_since  # type: ignore[operator]
        )
    unassigned = list(
        P.scope(Complaint.objects, user, P.HANDLE)
        .filter(
            handler__isnull=True,
            status__in=[S.REGISTERED, S.ACCEPTED],
            item_type=Complaint.ItemType.COMPLAINT,
        )
        .select_related("institution", "category")
        .order_by("due_on")[:LIST_LIMIT]
    )
    return {"counts": counts, "open": open_cases, "unassigned": unassigned}


# --- Manager ---------------------------------------------------------------------
def overdue_list(
    *, user: Actor, institution: Institution, today: date | None = None
) -> list[Complaint]:
    """Open complaints past their deadline today, the longest overdue first."""
    today = today or timezone.localdate()
    w = window(Period(today, today, "custom"), today)
    qs: QuerySet[Complaint] = (
        complaints_in(user, institution)
        .filter(metric_q("overdue_open", w))
        .annotate(binding_due=F("statutory_due"))
    )
    rows: list[Complaint] = list(
        qs.select_related("institution", "handler", "category").order_by(
            "binding_due",  # type: ignore[misc]
            "received_at",
        )[:LIST_LIMIT]
    )
    for c in rows:
        c.days_over = (today - c.binding_due).days  # type: ignore[attr-defined]
    return rows


def rectifications_in(user: Actor, institution: Institution) -> QuerySet[Rectification]:
    require_reports(user, institution)
    qs = Rectification.objects.filter(
        owner_institution__path__startswith=institution.path
    )
    if user is not None:
        qs = P.scope(qs, user, P.REPORTS, via="owner_institution")
    return qs


def rectification_summary(
    *, user: Actor, institution: Institution, today: date | None = None
) -> dict[str, Any]:
    """Counts by status, the overdue ones, and the open items soonest due."""
    today = today or timezone.localdate()
    R = Rectification.Status
    qs = rectifications_in(user, institution)
    late = ~Q(status=R.DONE) & Q(due_on__lt=today)
    counts = qs.aggregate(
        open=Count("pk", filter=Q(status=R.OPEN)),
        in_progress=Count("pk", filter=Q(status=R.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=R.DONE)),
        overdue=Count("pk", filter=late),
    )
    items = list(
        qs.exclude(status=R.DONE)
        .select_related("owner_institution", "root_cause")
        .annotate(covered=Count("complaints"))
        .order_by("due_on")[:LIST_LIMIT]
    )
    for item in items:
        item.is_overdue = item.due_on < today  # type: ignore[attr-defined]
    return {"counts": counts, "items": items}


def root_cause_frequency(
    *,
    user: Actor,
    institution: Institution,
    period: Period,
    limit: int = 10,
    cause_table: list[dict[str, Any]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The most frequent causes (code list) and root causes among complaints
    concluded in the period, with how many a rectification already covers.

    `cause_table`, kpi_tables' cause breakdown of the same user, subtree and
    period, gives the counts per cause (its "concluded"); only the covered
    ones are then read, from the few complaints a rectification names,
    instead of counting the period's concluded again (60 ms at a million).
    """
    w = window(period)
    qs = complaints_in(user, institution).filter(metric_q("concluded", w))
    covered = Count("pk", filter=Q(rectifications__isnull=False), distinct=True)
    if cause_table is None:
        causes: list[dict[str, Any]] = [
            dict(r)
            for r in qs.filter(cause__isnull=False)
            .values(code=F("cause__code"), label=F("cause__label"))
            .annotate(n=Count("pk", distinct=True), covered=covered)
            .order_by("-n", "code")[:limit]
        ]
    else:
        causes = _top_causes(qs, cause_table, limit)
    roots: list[dict[str, Any]] = [
        dict(r)
        for r in qs.filter(root_cause_record__isnull=False)
        .values(
            code=F("root_cause_record__root_cause__code"),
            label=F("root_cause_record__root_cause__label"),
            function=F("root_cause_record__root_cause__function"),
        )
        .annotate(n=Count("pk", distinct=True), covered=covered)
        .order_by("-n", "code")[:limit]
    ]
    labels = dict(RootCause.Function.choices)
    for r in roots:
        r["function_label"] = labels.get(r["function"], r["function"])
    return {"causes": causes, "root_causes": roots}


def _top_causes(
    concluded: QuerySet[Complaint], cause_table: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    top = sorted(
        (r for r in cause_table if r["key"] and r["concluded"]),
        key=lambda r: (-r["concluded"], r["key"]),
    )[:limit]
    covered = dict(
        concluded.filter(
            rectifications__isnull=False, cause__code__in=[r["key"] for r in top]
        )
        .values("cause__code")
        .annotate(n=Count("pk", distinct=True))
        .values_list("cause__code", "n")
        .order_by()
    )
    return [
        {
            "code": r["key"],
            "label": r["label"],
            "n": r["concluded"],
            "covered": covered.get(r["key"], 0),
        }
        for r in top
    ]


# --- Compliance -----------------------------------------------------------------
def quality_summary(
    *, user: Actor, institution: Institution, period: Period
) -> dict[str, Any]:
    """Findings of the quality samples of the subtree whose period starts in
    `period`. compliance rate = compliant / checked (pending cases excluded)."""
    require_reports(user, institution)
    qs = QualityCheck.objects.filter(
        sample__institution__path__startswith=institution.path,
        sample__period_start__gte=period.start,
        sample__period_start__lte=period.end,
    )
    if user is not None:
        qs = P.scope(qs, user, P.REPORTS, via="sample__institution")
    Res = QualityCheck.Result
    counts = qs.aggregate(
        compliant=Count("pk", filter=Q(result=Res.COMPLIANT)),
        issues=Count("pk", filter=Q(result=Res.ISSUES)),
        pending=Count("pk", filter=Q(result=Res.PENDING)),
        samples=Count("sample", distinct=True),
    )
    checked = counts["compliant"] + counts["issues"]
    counts["checked"] = checked
    counts["compliance_rate"] = percent(counts["compliant"], checked)
    labels = dict(QualityCheck.Rule.choices)
    by_rule = [
        {"rule": r["rule"], "label": labels.get(r["rule"], r["rule"]), "n": r["n"]}
        for r in qs.filter(result=Res.ISSUES)
        .values("rule")
        .annotate(n=Count("pk"))
        .order_by("-n", "rule")
    ]
    return {"counts": counts, "by_rule": by_rule, **_scores(qs)}


def _scores(checks: QuerySet[QualityCheck]) -> dict[str, Any]:
    """The checklist items' scores over `checks`: per item the cases scored,
    the average and the cases short of full marks, in checklist order; and
    the average over every score (two queries)."""
    scores = QualityScore.objects.filter(check_record__in=checks.values("pk"))
    full = Q(score=QUALITY_SCORE_MAX)
    rows = {
        r["rule"]: r
        for r in scores.values("rule").annotate(
            n=Count("pk"), avg=Avg("score"), short=Count("pk", filter=~full)
        )
    }
    by_item = [
        {
            "rule": rule,
            "label": label,
            "n": rows[rule]["n"],
            "avg": _one_place(rows[rule]["avg"]),
            "short": rows[rule]["short"],
        }
        for rule, label in QualityCheck.Rule.choices
        if rule in rows
    ]
    overall = scores.aggregate(avg=Avg("score"), n=Count("pk"))
    return {
        "by_item": by_item,
        "score_avg": _one_place(overall["avg"]),
        "scores": overall["n"],
        "score_max": QUALITY_SCORE_MAX,
    }


def _one_place(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def complaints_for_sampling(
    *, institution: Institution, period: Period
) -> QuerySet[Complaint]:
    """Complaints of the subtree closed in the period (the sampling population)."""
    w = window(period)
    return Complaint.objects.filter(
        item_type=Complaint.ItemType.COMPLAINT,
        institution__path__startswith=institution.path,
    ).filter(metric_q("closed", w))
