"""Surge alerts (异动预警, issue 18 point 1).

Each week, for every institution that reports business volumes (its figure
covers its subtree: reporting.selectors.volumes) × product line × cause, the
week's complaints per business volume are compared with the same series over
the previous INSIGHT_SURGE_HISTORY_WEEKS weeks (default 26) by the conditional
exact test of two Poisson rates (insight.ratetests), one-sided (higher). The
p-values of the week's series are corrected by Benjamini–Hochberg at
INSIGHT_SURGE_FDR (default 0.05); a series alerts when its adjusted p-value is
at most that and the week has at least INSIGHT_SURGE_MIN_COUNT complaints
(default 3: a rise from 0 to 1 is not a surge anyone can act on).

A series that could not reach significance even with all its complaints in
this week (its smallest attainable p-value is above the FDR level) is not
counted among the tests (Tarone 1990): with counts conditioned on the total,
it cannot alert, and counting it would only blunt the correction.

An alert goes to the compliance officers above the institution and to its
managers (staff notices), and opens a rectification in one step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, StaffNotice
from complaints.services.notices import notify_staff
from insight import ratetests as T
from insight.exposure import Volumes, denominator, week_of
from insight.models import SurgeAlert
from organisations import permissions as P
from organisations.models import Institution, Membership
from reporting import services as reporting_services
from reporting.models import Rectification

R = Membership.Role


def history_weeks() -> int:
    return int(getattr(settings, "INSIGHT_SURGE_HISTORY_WEEKS", 26))


def fdr_level() -> float:
    return float(getattr(settings, "INSIGHT_SURGE_FDR", 0.05))


def min_count() -> int:
    return int(getattr(settings, "INSIGHT_SURGE_MIN_COUNT", 3))


def date_field() -> str:
    """Which day places a complaint in a week (INSIGHT_SERIES_DATE).

    "decided" (default): the day its decision was approved. The cause is
    recorded with the decision (DOMAIN.md §6, C16), so counted by receipt the
    latest weeks would lack most causes and look calm beside their complete
    history; by decision day every week is complete when it ends, at the cost
    of the handling time (at most the 15/30 days of the Measures) of delay.
    "received": by receipt day, for an insurer that records the cause at
    registration."""
    choice = str(getattr(settings, "INSIGHT_SERIES_DATE", "decided")).lower()
    return "received_on" if choice == "received" else "decided_at__date"


# --- The statistics (pure) -----------------------------------------------------
@dataclass
class Series:
    """One institution × product line × cause: this week and its history."""

    key: Any
    count: int
    exposure: float
    base_count: int
    base_exposure: float


@dataclass(frozen=True)
class Finding:
    series: Series
    p_value: float
    q_value: float
    tested: int


def find_surges(
    series: Iterable[Series], *, fdr: float | None = None, least: int | None = None
) -> tuple[list[Finding], int]:
    """The series that surge this week, and how many series were tested."""
    fdr = fdr_level() if fdr is None else fdr
    least = min_count() if least is None else least
    testable = [
        s
        for s in series
        if s.exposure > 0
        and s.base_exposure > 0
        and (s.exposure / (s.exposure + s.base_exposure)) ** (s.count + s.base_count)
        <= fdr
    ]
    tests = [
        T.compare_rates(
            s.count, s.exposure, s.base_count, s.base_exposure, alternative="greater"
        )
        for s in testable
    ]
    q_values = T.bh_adjust([t.p_value for t in tests])
    found = [
        Finding(s, t.p_value, q, len(testable))
        for s, t, q in zip(testable, tests, q_values, strict=True)
        if q <= fdr and s.count >= least and t.rate > t.base_rate
    ]
    return found, len(testable)


# --- Reading the week from the database ----------------------------------------
@dataclass
class SweepResult:
    week_start: date
    week_end: date
    tested: int = 0
    alerts: list[SurgeAlert] = field(default_factory=list)
    new: int = 0


def last_complete_week(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return week_of(today - timedelta(days=7))


def _series(week_start: date, weeks: int) -> tuple[list[Series], dict[int, Any]]:
    """Every series with complaints in the week or its history."""
    base_from = week_start - timedelta(weeks=weeks)
    week_end = week_start + timedelta(days=6)
    volumes = Volumes(base_from, week_end)
    units = {i.pk: i for i in Institution.objects.filter(pk__in=volumes.institutions())}
    unit_by_path = {u.path: u.pk for u in units.values()}
    field = date_field()
    rows = (
        Complaint.objects.filter(
            item_type=Complaint.ItemType.COMPLAINT,
            cause__isnull=False,
            **{f"{field}__gte": base_from, f"{field}__lte": week_end},
        )
        .annotate(week=TruncWeek(field.removesuffix("__date")))
        .values("institution__path", "product_line_id", "cause_id", "week")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[int, int, int], dict[date, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for row in rows:
        week = row["week"]
        week = week.date() if hasattr(week, "date") else week
        for path in P.ancestor_paths(row["institution__path"]):
            unit = unit_by_path.get(path)
            if unit is not None:
                key = (unit, row["product_line_id"], row["cause_id"])
                counts[key][week] += row["n"]
    exposures: dict[int, tuple[float | None, dict[date, float]]] = {}
    for unit in units:
        current = volumes.exposure(unit, week_start, week_end)
        past = {}
        for back in range(1, weeks + 1):
            start = week_start - timedelta(weeks=back)
            value = volumes.exposure(unit, start, start + timedelta(days=6))
            if value is not None:
                past[start] = value
        exposures[unit] = (current, past)
    series = []
    for key, by_week in counts.items():
        current, past = exposures[key[0]]
        if current is None or not past:
            continue
        series.append(
            Series(
                key=key,
                count=by_week.get(week_start, 0),
                exposure=current,
                base_count=sum(by_week.get(w, 0) for w in past),
                base_exposure=sum(past.values()),
            )
        )
    return series, units


@transaction.atomic
def sweep(
    *, week_start: date | None = None, notify: bool = True, dry_run: bool = False
) -> SweepResult:
    """Test the week (default: the last complete one) and store its alerts.

    Idempotent: a series alerted for a week is stored and told once.
    """
    if week_start is None:
        week_start, _end = last_complete_week()
    week_start, week_end = week_of(week_start)
    weeks = history_weeks()
    series, units = _series(week_start, weeks)
    found, tested = find_surges(series)
    result = SweepResult(week_start, week_end, tested)
    if dry_run:
        return result
    label = denominator().label
    test = T.RATE_TEST
    for finding in found:
        s = finding.series
        unit, product_line, cause = s.key
        alert, created = SurgeAlert.objects.get_or_create(
            institution_id=unit,
            product_line_id=product_line,
            cause_id=cause,
            week_start=week_start,
            defaults={
                "week_end": week_end,
                "count": s.count,
                "exposure": s.exposure,
                "base_count": s.base_count,
                "base_exposure": s.base_exposure,
                "base_from": week_start - timedelta(weeks=weeks),
                "base_to": week_start - timedelta(days=1),
                "rate_label": label,
                "test": test,
                "p_value": finding.p_value,
                "q_value": finding.q_value,
                "cells_tested": tested,
                "example": _example(units[unit], product_line, cause, week_start),
            },
        )
        result.alerts.append(alert)
        if created:
            result.new += 1
            if notify:
                notify_alert(alert)
    return result


def _example(
    unit: Institution, product_line: int, cause: int, week_start: date
) -> Complaint | None:
    latest = Complaint.objects.filter(
        item_type=Complaint.ItemType.COMPLAINT,
        institution__path__startswith=unit.path,
        product_line_id=product_line,
        cause_id=cause,
        **{
            f"{date_field()}__gte": week_start,
            f"{date_field()}__lte": week_start + timedelta(days=6),
        },
    ).aggregate(pk=Max("pk"))["pk"]
    return Complaint.objects.filter(pk=latest).first() if latest else None


# --- What an alert says, and to whom -------------------------------------------
def figure(value: float) -> str:
    return f"{value:.2f}"


def p_text(value: float) -> str:
    return f"{value:.2g}" if value < 0.001 else f"{value:.4f}"


def summary(alert: SurgeAlert) -> str:
    return _(
        "%(institution)s, %(product)s × %(cause)s: %(count)d complaints in the week "
        "%(start)s–%(end)s, %(rate)s %(unit)s; baseline %(base_rate)s over "
        "%(base_from)s–%(base_to)s (%(base_count)d complaints; %(expected)s expected "
        "this week). %(test)s, one-sided p = %(p)s; Benjamini–Hochberg adjusted "
        "over %(tested)d series: %(q)s."
    ) % {
        "institution": alert.institution.name,
        "product": alert.product_line.label,
        "cause": alert.cause.label,
        "count": alert.count,
        "start": alert.week_start.isoformat(),
        "end": alert.week_end.isoformat(),
        "rate": figure(alert.rate),
        "unit": alert.rate_label,
        "base_rate": figure(alert.base_rate),
        "base_from": alert.base_from.isoformat(),
        "base_to": alert.base_to.isoformat(),
        "base_count": alert.base_count,
        "expected": f"{alert.base_weekly_count:.1f}",
        "test": _(alert.test),
        "p": p_text(alert.p_value),
        "tested": alert.cells_tested,
        "q": p_text(alert.q_value),
    }


def recipients(institution: Institution) -> list[Any]:
    """Compliance officers of the institution or above, and its managers."""
    members = Membership.objects.filter(
        institution__path__in=P.ancestor_paths(institution.path), role=R.COMPLIANCE
    ) | Membership.objects.filter(
        institution=institution, role__in=[R.MANAGER, R.SENIOR_MANAGER]
    )
    people = {m.user_id: m.user for m in members.select_related("user")}
    return list(people.values())


def alert_url(alert: SurgeAlert) -> str:
    return reverse("admin:insight_surgealert_change", args=[alert.pk])


def notify_alert(alert: SurgeAlert) -> list[StaffNotice]:
    if alert.example is None:
        return []
    return notify_staff(
        complaint=alert.example,
        kind=StaffNotice.Kind.SURGE,
        users=recipients(alert.institution),
        url=alert_url(alert),
        event=f"surge{alert.pk}",
        text=_("Surge alert (异动预警): %(summary)s") % {"summary": summary(alert)},
        watchers=False,
    )


# --- One step to a rectification ----------------------------------------------
def due_days() -> int:
    return int(getattr(settings, "INSIGHT_RECTIFICATION_DUE_DAYS", 30))


@transaction.atomic
def open_rectification(*, alert: SurgeAlert, actor: Any) -> Rectification:
    """Open a rectification owned by the alerting institution, stating the
    figures; the alert then points at it. A second call returns the same one."""
    locked = (
        P.scope(SurgeAlert.objects.select_for_update(), actor, P.REPORTS)
        .filter(pk=alert.pk)
        .first()
    )
    if locked is None:
        raise P.NotFound(P.NOT_FOUND)
    if locked.rectification_id:
        return locked.rectification  # type: ignore[return-value]
    item = reporting_services.rectification_create(
        actor=actor,
        owner_institution=locked.institution,
        title=(
            _("Surge: %(product)s × %(cause)s (%(week)s)")
            % {
                "product": locked.product_line.label,
                "cause": locked.cause.label,
                "week": locked.week_start.isoformat(),
            }
        )[:200],
        measure=_("To be set by the owner. Opened from the surge alert: %(summary)s")
        % {"summary": summary(locked)},
        due_on=timezone.localdate() + timedelta(days=due_days()),
    )
    locked.rectification = item
    locked.status = SurgeAlert.Status.RECTIFYING
    locked.save(update_fields=["rectification", "status"])
    return item


def dismiss(*, alert: SurgeAlert, actor: Any) -> None:
    P.require(actor, P.REPORTS, alert.institution)
    if alert.status == SurgeAlert.Status.NEW:
        alert.status = SurgeAlert.Status.DISMISSED
        alert.save(update_fields=["status"])
