"""Complaint KPIs, computed in the database and scoped by organisations.permissions.

Every figure is the count (or sum, average) of the complaints matching one
named condition of METRICS, so a dashboard number, a workbook cell and the
drill-down list behind them use the same definition.

Base population: rows with item_type = complaint only (a reclassified enquiry,
suggestion or report leaves the statistics, DOMAIN.md §5) in the subtree of
one institution the user holds REPORTS on. Datetimes are read as dates in the
project time zone (Asia/Shanghai).

Derived per complaint, stored as generated columns (complaints.models.derived):
- ``ended_on``: the day the decision clock stopped: the decision was notified
  (notified_at), else the withdrawal was received (withdrawn_on, Measures art.
  15), else the case was declined or routed (closed_at). Empty while open.
- ``statutory_due`` (the deadline below): the legal deadline (legal_due,
  including approved extensions and pauses), or the regulator's feedback date
  when that is earlier (DOMAIN.md §4: the earlier binds). The stricter
  internal target is not used for KPIs.
- ``handling_days``: calendar days from received_on to ended_on.

Definitions (P = the period's days, "as of" = the period's last day, or today
for a period not yet over):
- received: received_on in P. accepted: accepted_at in P.
- declined: declined on standing (the one refusal) with closed_at in P.
- withdrawn: withdrawn_on in P. routed: forwarded/linked/merged/answered by an
  earlier decision, closed_at in P.
- closed (办结): handling ended (closed_at) in P, by whatever route.
- concluded: ended_on in P; the base of the timeliness figures.
- on time: concluded with ended_on <= deadline. The decision must be notified
  by the deadline; a withdrawal, refusal or routing counts as on time when it
  happened by the deadline (the clock stopped in time). on-time rate =
  on time / concluded.
- open at period end: received by "as of" and not ended by then.
- overdue open: open at period end with deadline before "as of", its clock
  not paused then (timing.deadline_terms: the workbench's overdue); the ageing
  buckets split it by days past the deadline (1-5, 6-15, 16-30, over 30).
- handling days: average and 90th percentile over the concluded.
- within 15 / 30 / 60: concluded with handling_days at most 15, 30, 60
  (calendar days, Measures art. 18's three limits); late: concluded after the
  deadline; each / concluded.
- working days: median and 90th percentile over the concluded of the working
  days after receipt up to the end (tables.WorkingDays, the stored calendar).
- notified with evidence: decisions notified in P whose case file holds an
  attachment of kind "notice sent" or "call recording" / decisions notified.
- review on time: reviews completed in P by their review_due / reviews
  completed in P.
- extension rate (first, second): concluded with extension_level >= 1 (>= 2)
  / concluded.
- review request rate: decisions notified in P with a review (核查) application
  / decisions notified in P. overturn rate: reviews completed in P whose result
  varied or overturned the decision / reviews completed in P.
- mediation rate: decisions notified in P later referred to mediation /
  decisions notified in P.
- redress paid: redress_paid_on in P (count and sum of redress_amount).
- repeat rate: received in P flagged repeat / received.
- satisfaction: callbacks (回访) made in P that reached the complainant
  (score 1-5); satisfied = score 4 or 5; satisfaction rate = satisfied / reached;
  average score over reached.

The 90th percentile is PostgreSQL's percentile_cont(0.9) (linear
interpolation between the two nearest ranks), computed in Python from a count
of the concluded per handling-days value and group: handling days are whole
numbers of a small range, so the counts give back every rank, and the grouped
counts need no sort (an ordered-set aggregate would forbid hashing the groups).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Code, Complaint
from organisations import permissions as P
from organisations.models import Institution
from reporting.periods import Period
from reporting.rates import percent

Actor = Any  # a user, or None for the command line (unrestricted)
ONE_DECIMAL = Decimal("0.1")


# --- Expressions --------------------------------------------------------------
# --- Windows and metrics -------------------------------------------------------
@dataclass(frozen=True)
class Window:
    period: Period
    as_of: date
    first: datetime  # first instant of the period
    after: datetime  # first instant after it

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.end


def reads_live(live: bool | None) -> bool:
    """Whether the additive figures are read from the complaints (True) or
    from the KPI rollup: `live` when given, else the setting
    REPORTING_KPI_ROLLUP. At a million complaints the day-grained rollup
    (3.3 million cells) was slower to read than the complaints for the
    trend (5x) and the company-wide tables (1.5x): see BENCHMARKS.md."""
    if live is not None:
        return live
    return not settings.REPORTING_KPI_ROLLUP


def window(period: Period, today: date | None = None) -> Window:
    today = today or timezone.localdate()
    first, after = period.bounds(timezone.get_current_timezone())
    return Window(period, min(period.end, today), first, after)


def _at(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.first, f"{field}__lt": w.after})


def _on(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.start, f"{field}__lte": w.end})


def _open_at_end(w: Window) -> Q:
    return Q(received_on__lte=w.as_of) & (
        Q(ended_on__isnull=True) | Q(ended_on__gt=w.as_of)
    )


def _overdue_by(low: int, high: int | None) -> Callable[[Window], Q]:
    def q(w: Window) -> Q:
        days = w.as_of.toordinal()
        # The workbench's "overdue" (complaints.timing.deadline_terms): past the legal
        # deadline, the clock not paused (a pause's days are not counted).
        cond = (
            _open_at_end(w)
            & Q(statutory_due__lte=date.fromordinal(days - low))
            & ~Q(paused_since__lte=w.as_of)
        )
        if high is not None:
            cond &= Q(statutory_due__gte=date.fromordinal(days - high))
        return cond

    return q


_REVIEW_CHANGED = [Complaint.ReviewResult.VARIED, Complaint.ReviewResult.OVERTURNED]


def _concluded(w: Window) -> Q:
    return _on("ended_on", w)


def _notified(w: Window) -> Q:
    return _at("notified_at", w)


def _reviewed(w: Window) -> Q:
    return _at("reviewed_at", w)


def _reached(w: Window) -> Q:
    return _at("callback_at", w) & Q(satisfaction__gte=1)


# name -> (label, condition). Drill-downs accept exactly these names.
METRICS: dict[str, tuple[Any, Callable[[Window], Q]]] = {
    "received": (_("Received"), lambda w: _on("received_on", w)),
    "accepted": (_("Accepted"), lambda w: _at("accepted_at", w)),
    "declined": (
        _("Declined"),
        lambda w: (
            _at("closed_at", w)
            & Q(route_kind="", route_reason__isnull=False, notified_at__isnull=True)
        ),
    ),
    "withdrawn": (_("Withdrawn"), lambda w: _on("withdrawn_on", w)),
    "routed": (_("Routed"), lambda w: _at("closed_at", w) & ~Q(route_kind="")),
    "closed": (_("Closed"), lambda w: _at("closed_at", w)),
    "concluded": (_("Concluded"), _concluded),
    "on_time": (
        _("Concluded on time"),
        lambda w: _concluded(w) & Q(ended_on__lte=F("statutory_due")),
    ),
    "late": (
        _("Concluded late"),
        lambda w: _concluded(w) & Q(ended_on__gt=F("statutory_due")),
    ),
    # Measures art. 18: 15 days, 30 with one extension, 60 with two; counted
    # here in calendar days from receipt (handling_days).
    "within_15": (
        _("Concluded within 15 days"),
        lambda w: _concluded(w) & Q(handling_days__lte=15),
    ),
    "within_30": (
        _("Concluded within 30 days"),
        lambda w: _concluded(w) & Q(handling_days__lte=30),
    ),
    "within_60": (
        _("Concluded within 60 days"),
        lambda w: _concluded(w) & Q(handling_days__lte=60),
    ),
    "open_at_end": (_("Open at period end"), _open_at_end),
    "overdue_open": (_("Overdue open"), _overdue_by(1, None)),
    "overdue_1_5": (_("1-5 days overdue"), _overdue_by(1, 5)),
    "overdue_6_15": (_("6-15 days overdue"), _overdue_by(6, 15)),
    "overdue_16_30": (_("16-30 days overdue"), _overdue_by(16, 30)),
    "overdue_over_30": (_("Over 30 days overdue"), _overdue_by(31, None)),
    "extended": (
        _("Extended"),
        lambda w: _concluded(w) & Q(extension_level__gte=1),
    ),
    "extended_twice": (
        _("Extended twice"),
        lambda w: _concluded(w) & Q(extension_level__gte=2),
    ),
    "notified": (_("Decisions notified"), _notified),
    "notified_evidence": (
        _("Decisions notified with evidence"),
        # Complaint.notice_evidence: the case file holds the notice as
        # delivered or a call recording (kept current on every write).
        lambda w: _notified(w) & Q(notice_evidence=True),
    ),
    "review_requested": (
        _("Review requested"),
        lambda w: _notified(w) & Q(review_applied_on__isnull=False),
    ),
    "reviewed": (_("Reviews completed"), _reviewed),
    "review_on_time": (
        _("Reviews completed on time"),
        lambda w: _reviewed(w) & Q(reviewed_at__date__lte=F("review_due")),
    ),
    "review_changed": (
        _("Reviews overturned or varied"),
        lambda w: _reviewed(w) & Q(review_result__in=_REVIEW_CHANGED),
    ),
    "mediated": (
        _("Referred to mediation"),
        lambda w: _notified(w) & Q(mediation_referred_on__isnull=False),
    ),
    "redress_paid": (_("Redress paid"), lambda w: _on("redress_paid_on", w)),
    "repeat": (
        _("Repeat complaints"),
        lambda w: _on("received_on", w) & Q(is_repeat=True),
    ),
    "group": (
        _("Group complaints"),
        lambda w: _on("received_on", w) & Q(is_group=True),
    ),
    "regulator": (
        _("Regulator-transferred"),
        lambda w: _on("received_on", w) & ~Q(regulator_reference=""),
    ),
    "not_transferred": (
        _("Not transferred by the regulator"),
        lambda w: _on("received_on", w) & Q(regulator_reference=""),
    ),
    "callbacks": (_("Callbacks reaching the complainant"), _reached),
    "satisfied": (
        _("Satisfied callbacks"),
        lambda w: _reached(w) & Q(satisfaction__gte=4),
    ),
}

# rate name -> (numerator, denominator)
RATES: dict[str, tuple[str, str]] = {
    "on_time_rate": ("on_time", "concluded"),
    "extension_rate": ("extended", "concluded"),
    "extension2_rate": ("extended_twice", "concluded"),
    "within_15_rate": ("within_15", "concluded"),
    "within_30_rate": ("within_30", "concluded"),
    "within_60_rate": ("within_60", "concluded"),
    "late_rate": ("late", "concluded"),
    "evidence_rate": ("notified_evidence", "notified"),
    "review_on_time_rate": ("review_on_time", "reviewed"),
    "review_rate": ("review_requested", "notified"),
    "overturn_rate": ("review_changed", "reviewed"),
    "mediation_rate": ("mediated", "notified"),
    "repeat_rate": ("repeat", "received"),
    "satisfaction_rate": ("satisfied", "callbacks"),
}


def metric_q(name: str, w: Window) -> Q:
    return METRICS[name][1](w)


def _relevant(w: Window) -> Q:
    """Rows that can count in the period at all: a cheap, index-friendly bound.

    Every event of a complaint happens between its receipt and its closure,
    except the callback and a redress payment, which may follow closure:
    received by the period's end, and active_until its start or later
    (complaints.models.derived.active_until).
    """
    return Q(received_on__lte=w.end, active_until__gte=w.start)


# --- Scope -----------------------------------------------------------------------
def require_reports(user: Actor, institution: Institution) -> None:
    """NotFound outside the user's scope, PermissionDenied without REPORTS."""
    if user is not None:
        P.require(user, P.REPORTS, institution)


def complaints_in(user: Actor, institution: Institution) -> QuerySet[Complaint]:
    """The complaints of `institution`'s subtree that count in statistics."""
    require_reports(user, institution)
    # No P.scope on top: REPORTS on `institution` covers its whole subtree
    # (grants are per subtree, organisations.permissions), so it would repeat
    # this path condition, and PostgreSQL, multiplying the two, expected one
    # institution where a province has eleven and read the year's complaints
    # institution by institution from the heap (540 ms instead of 60 ms).
    return Complaint.objects.filter(
        item_type=Complaint.ItemType.COMPLAINT,
        institution__path__startswith=institution.path,
    )


# --- Dimensions ------------------------------------------------------------------
DIMENSIONS: dict[str, Any] = {
    "channel": _("Channel"),
    "product_line": _("Product line"),
    "category": _("Business category"),
    "cause": _("Cause"),
    "institution": _("Institution"),
}
NOT_RECORDED = _("Not recorded")
OWN_LEVEL = _("%(name)s (own level)")


def children_of(institution: Institution) -> list[Institution]:
    return list(institution.children.order_by("code"))


def _child_key(institution: Institution, children: list[Institution]) -> Case:
    return Case(
        *[
            When(institution__path__startswith=c.path, then=Value(c.code))
            for c in children
        ],
        default=Value(institution.code),
        output_field=CharField(),
    )


def dimension_q(dim: str, value: str, institution: Institution) -> Q:
    """The drill-down filter for one row of a breakdown."""
    if dim == "institution":
        if value == institution.code:
            return Q(institution=institution)
        child = institution.children.filter(code=value).first()
        if child is None:
            return Q(pk__in=[])
        return Q(institution__path__startswith=child.path)
    if dim == "cause" and value == "":
        return Q(cause__isnull=True)
    return Q(**{f"{dim}__code": value})


def dimension_label(dim: str, value: str, institution: Institution) -> str:
    """What a reader calls one row of a breakdown: the institution's or the
    code's name (the drill-down's heading), the value itself when unknown."""
    if dim == "institution":
        if value == institution.code:
            return str(OWN_LEVEL % {"name": institution.name})
        child = institution.children.filter(code=value).first()
        return child.name if child else value
    if dim == "cause" and value == "":
        return str(NOT_RECORDED)
    found = Code.objects.filter(kind=dim, code=value).first()
    return str(found) if found else value


# --- Results ---------------------------------------------------------------------
def _tenth(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    for name, (num, den) in RATES.items():
        row[name] = percent(row.get(num), row.get(den))
    row["handling_days_avg"] = _tenth(row.get("handling_days_avg"))
    row["handling_days_p90"] = _tenth(row.get("handling_days_p90"))
    row["working_days_median"] = _tenth(row.get("working_days_median"))
    row["working_days_p90"] = _tenth(row.get("working_days_p90"))
    row["satisfaction_avg"] = _tenth(row.get("satisfaction_avg"))
    row["redress_amount"] = (row.get("redress_amount") or Decimal(0)).quantize(
        Decimal("0.01")
    )
    return row


def percentile_cont(sorted_values: list[int], fraction: Decimal) -> Decimal | None:
    """PostgreSQL's percentile_cont over an ascending list."""
    counts: dict[int, int] = {}
    for value in sorted_values:
        counts[value] = counts.get(value, 0) + 1
    return percentile_of_counts(counts, fraction)


def percentile_of_counts(counts: dict[int, int], fraction: Decimal) -> Decimal | None:
    """PostgreSQL's percentile_cont over the values `counts` holds, each as
    many times as its count says."""
    total = sum(counts.values())
    if not total:
        return None
    pos = fraction * (total - 1)
    low = int(pos)
    base, high = _at_rank(counts, low), _at_rank(counts, min(low + 1, total - 1))
    return Decimal(base) + Decimal(high - base) * (pos - low)


def _at_rank(counts: dict[int, int], rank: int) -> int:
    """The value at 0-based `rank` of the ascending list `counts` stands for."""
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if rank < seen:
            return value
    raise IndexError(rank)


def kpi_cross(
    *,
    user: Actor,
    institution: Institution,
    period: Period,
    rows: str,
    cols: str,
    metric: str = "received",
) -> dict[tuple[str | None, str | None], int]:
    """Counts of `metric` by two dimensions (e.g. category x product line)."""
    w = window(period)
    qs = complaints_in(user, institution).filter(metric_q(metric, w))
    if {rows, cols} <= CODED:
        # Grouped by the ids and named after: the join to the codes twice
        # was a third of the workbook's cross (100 -> 70 ms at a million).
        pairs = (
            qs.values(f"{rows}_id", f"{cols}_id")
            .annotate(n=Count("*"))
            .values_list(f"{rows}_id", f"{cols}_id", "n")
            .order_by()
        )
        return cross_by_code({(a, b): n for a, b, n in pairs})
    grouped = qs.values(f"{rows}__code", f"{cols}__code").annotate(n=Count("pk"))
    return {(r[f"{rows}__code"], r[f"{cols}__code"]): r["n"] for r in grouped}


# The dimensions that are a code (complaints.models.Code) of their own kind.
CODED = {"channel", "product_line", "category", "cause"}


def cross_by_code(
    counts: dict[tuple[int | None, int | None], int],
) -> dict[tuple[str | None, str | None], int]:
    """Counts keyed by two codes' ids, keyed by the codes instead (None for
    not recorded), as kpi_cross returns them."""
    ids = {i for pair in counts for i in pair if i is not None}
    codes: dict[int | None, str] = dict(
        Code.objects.filter(pk__in=ids).values_list("pk", "code")
    )
    return {(codes.get(a), codes.get(b)): n for (a, b), n in counts.items()}


def kpi_monthly(
    *,
    user: Actor,
    institution: Institution,
    months: list[Period],
    today: date | None = None,
    live: bool | None = None,
) -> list[dict[str, Any]]:
    """Received, concluded and concluded on time per month (the trend chart).

    From the rollup (reporting.rollup); with `live`, from the complaints:

    Two grouped counts over date ranges, one by received_on, one by ended_on:
    a year of complaints is read through the indexes on those columns rather
    than tested against a condition per month. The definitions are METRICS'.
    `today` does not change these three (they have no "as of").
    """
    if not months:
        return []
    first, last = months[0].start, months[-1].end
    if not reads_live(live):
        return _monthly_rows(months, *_monthly_rollup(user, institution, first, last))
    qs = complaints_in(user, institution)
    # Counted per day and summed into months here: a year is at most 366
    # groups, and DATE_TRUNC on each of the 400,000 rows of a company's year
    # cost a third of each count (BENCHMARKS.md, 2026-12-04 afternoon).
    received: dict[date, int] = {}
    for day, n in (
        qs.filter(received_on__gte=first, received_on__lte=last)
        .values("received_on")
        .annotate(n=Count("*"))  # not the id: the index alone answers
        .values_list("received_on", "n")
        .order_by()
    ):
        month = _month_of(day)
        received[month] = received.get(month, 0) + n
    concluded: dict[date, tuple[int, int]] = {}
    for day, n, on_time in (
        qs.filter(ended_on__gte=first, ended_on__lte=last)
        .values("ended_on")
        .annotate(
            n=Count("*"),
            # Count("*") takes no filter; a sum of 0/1 reads no id either.
            on_time=Sum(
                Case(
                    When(ended_on__lte=F("statutory_due"), then=Value(1)),
                    default=Value(0),
                )
            ),
        )
        .values_list("ended_on", "n", "on_time")
        .order_by()
    ):
        month = _month_of(day)
        total, in_time = concluded.get(month, (0, 0))
        concluded[month] = (total + n, in_time + on_time)
    return _monthly_rows(months, received, concluded)


def as_date(value: Any) -> date:
    """A date as read back: SQLite hands one read through an expression or
    a CTE back as its text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _month_of(day: Any) -> date:
    return as_date(day).replace(day=1)


def _monthly_rollup(
    user: Actor, institution: Institution, first: date, last: date
) -> tuple[dict[date, int], dict[date, tuple[int, int]]]:
    """The trend's three figures per month from the rollup (reporting.rollup)."""
    from reporting.models import KpiCell

    require_reports(user, institution)
    rows = (
        KpiCell.objects.filter(
            institution__path__startswith=institution.path,
            day__gte=first,
            day__lte=last,
        )
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(r=Sum("received"), n=Sum("concluded"), t=Sum("on_time"))
        .values_list("month", "r", "n", "t")
        .order_by()
    )
    received, concluded = {}, {}
    for month, r, n, t in rows:
        month = as_date(month)
        received[month], concluded[month] = r, (n, t)
    return received, concluded


def _monthly_rows(
    months: list[Period],
    received: dict[date, int],
    concluded: dict[date, tuple[int, int]],
) -> list[dict[str, Any]]:
    out = []
    for m in months:
        n, on_time = concluded.get(m.start, (0, 0))
        out.append(
            {
                "period": m,
                "label": str(m),
                "received": received.get(m.start, 0),
                "concluded": n,
                "on_time": on_time,
                "on_time_rate": percent(on_time, n),
            }
        )
    return out


def complaints_behind(
    *,
    user: Actor,
    institution: Institution,
    period: Period,
    metric: str,
    dims: dict[str, str] | None = None,
    today: date | None = None,
) -> QuerySet[Complaint]:
    """The complaints counted in one number: the drill-down list."""
    if metric not in METRICS:
        raise ValueError(metric)
    w = window(period, today)
    qs = complaints_in(user, institution).filter(metric_q(metric, w))
    for dim, value in (dims or {}).items():
        if dim not in DIMENSIONS:
            raise ValueError(dim)
        qs = qs.filter(dimension_q(dim, value, institution))
    return qs.annotate(
        ended=F("ended_on"), binding_due=F("statutory_due"), days=F("handling_days")
    )
