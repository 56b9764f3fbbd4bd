"""The appraisal scorecard (投诉考评, issue 17 point 4): figures, scores and the
writes behind them (register, weights, publication).

Who is on a period's scorecard of an institution's subtree: every institution
of the subtree with an accountable manager in the register for part of the
period, one row per manager (a handover gives two rows with the same figures
and the days each was accountable), and the institution itself always (its
manager "not registered" when the register has no one).

The figures of a row are those of the row's institution's whole subtree in the
period, with the definitions of reporting.selectors.kpis.METRICS:
- volume: complaints received / premium in 100 million yuan (the premium basis
  the settings choose, reporting.basis; BusinessVolume's highest rows,
  reporting.selectors.volumes); sub-score 100 x (1 - rate / ceiling), not
  below 0 (the ceiling is part of the weight version);
- on time: concluded on time / concluded; sub-score = the rate in percent;
- review: reviews completed in the period whose result varied or overturned
  the decision; sub-score 100 x (1 - changed / completed);
- repeat: repeat complaints received / received; sub-score 100 x (1 - rate);
- rectification: rectification items owned in the subtree due in the period,
  completed (status done) by their due day / due; sub-score = percent;
- quality: the checklist scores (QualityScore, issue 16) of the quality samples
  of the subtree whose period starts in this one; sub-score = points /
  (items x 5) in percent.
A sub-score is rounded to 0.1 (half up). An indicator without data in the
period (no reviews, no rectification due, no volume entered...) has no
sub-score and its weight is left out: score = sum(weight x sub-score) / sum of
the weights of the indicators that have one, rounded to 0.1; computed from the
rounded sub-scores, so the exported sheet adds up by hand.

Computed in the database: one grouped query per source (complaints by
institution, rectifications by owner, quality scores by sample institution),
then each row adds up the groups of its subtree: no loop over complaints.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations import permissions as P
from organisations.models import Institution
from organisations.names import display_name
from reporting import basis as B
from reporting.appraisal_models import (
    INDICATORS,
    AccountableManager,
    Scorecard,
    ScorecardRow,
    WeightVersion,
)
from reporting.models import QUALITY_SCORE_MAX, QualityScore, Rectification
from reporting.periods import Period
from reporting.regulator_services import is_company_compliance
from reporting.selectors.kpis import _relevant, complaints_in, metric_q, window
from reporting.selectors.volumes import business_volume
from reporting.services import _save, is_compliance

TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
YI = Decimal(100_000_000)  # 亿元
COUNTED = ("received", "concluded", "on_time", "reviewed", "review_changed", "repeat")


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _percent(good: int, total: int) -> Decimal | None:
    return _tenth(HUNDRED * good / total) if total else None


# --- Figures --------------------------------------------------------------------
def _by_institution(root: Institution, period: Period) -> dict[int, dict[str, int]]:
    """{institution id: counts} of the complaints, rectifications and quality
    scores of `root`'s subtree: one grouped query each."""
    w = window(period)
    found: dict[int, dict[str, int]] = {}

    def add(groups: Iterable[Any], key: str) -> None:
        for group in groups:
            values: dict[str, Any] = dict(group)
            row = found.setdefault(int(values.pop(key)), {})
            for k, v in values.items():
                row[k] = row.get(k, 0) + int(v or 0)

    complaints = (
        complaints_in(None, root)
        .filter(_relevant(w))
        .values("institution_id")
        .order_by()
        .annotate(**{n: Count("pk", filter=metric_q(n, w)) for n in COUNTED})
    )
    add(complaints, "institution_id")
    done = Q(status=Rectification.Status.DONE, completed_on__lte=F("due_on"))
    rectifications = (
        Rectification.objects.filter(
            owner_institution__path__startswith=root.path,
            due_on__gte=period.start,
            due_on__lte=period.end,
        )
        .values("owner_institution_id")
        .order_by()
        .annotate(
            rectifications_due=Count("pk"),
            rectifications_done=Count("pk", filter=done),
        )
    )
    add(rectifications, "owner_institution_id")
    scores = (
        QualityScore.objects.filter(
            check_record__sample__institution__path__startswith=root.path,
            check_record__sample__period_start__gte=period.start,
            check_record__sample__period_start__lte=period.end,
        )
        .values(inst=F("check_record__sample__institution_id"))
        .order_by()
        .annotate(quality_scores=Count("pk"), quality_points=Sum("score"))
    )
    add(scores, "inst")
    return found


FIGURES = (
    *COUNTED,
    "rectifications_due",
    "rectifications_done",
    "quality_scores",
    "quality_points",
)


def _subtree_sum(
    path: str, paths: dict[int, str], found: dict[int, dict[str, int]]
) -> dict[str, int]:
    total = dict.fromkeys(FIGURES, 0)
    for inst, values in found.items():
        if paths.get(inst, "").startswith(path):
            for k, v in values.items():
                total[k] += v
    return total


def sub_scores(figures: dict[str, Any], ceiling: Decimal) -> dict[str, Decimal | None]:
    """The six sub-scores (0-100, one decimal) of one row's figures."""
    received, premium = figures["received"], figures["premium"]
    volume = None
    if premium:
        rate = Decimal(received) / premium
        volume = _tenth(max(Decimal(0), HUNDRED * (1 - rate / ceiling)))
    reviewed, changed = figures["reviewed"], figures["review_changed"]
    items = figures["quality_scores"]
    return {
        "volume": volume,
        "on_time": _percent(figures["on_time"], figures["concluded"]),
        "review": _percent(reviewed - changed, reviewed),
        "repeat": _percent(received - figures["repeat"], received),
        "rectification": _percent(
            figures["rectifications_done"], figures["rectifications_due"]
        ),
        "quality": _percent(figures["quality_points"], items * QUALITY_SCORE_MAX),
    }


def weighted(
    subs: dict[str, Decimal | None], weights: dict[str, int]
) -> Decimal | None:
    """sum(weight x sub-score) / the weights of the sub-scores there are."""
    present = {k: s for k, s in subs.items() if s is not None and weights[k]}
    total = sum(weights[k] for k in present)
    if not total:
        return None
    points = sum((weights[k] * s for k, s in present.items()), Decimal(0))
    return _tenth(points / total)


def _premium(institution: Institution, period: Period) -> Decimal | None:
    total = business_volume(institution=institution, period=period).total(
        B.current().premium_column
    )
    return None if total is None else Decimal(total) / YI


def _entries(root: Institution, period: Period) -> list[AccountableManager]:
    return list(
        AccountableManager.objects.filter(
            institution__path__startswith=root.path, valid_from__lte=period.end
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=period.start))
        .select_related("institution", "manager")
        .order_by("institution__path", "valid_from")
    )


def compute(
    *, institution: Institution, period: Period, weights: WeightVersion
) -> list[dict[str, Any]]:
    """The scorecard's rows as ScorecardRow field values (not saved)."""
    paths = dict(
        Institution.objects.filter(path__startswith=institution.path).values_list(
            "id", "path"
        )
    )
    found = _by_institution(institution, period)
    entries = _entries(institution, period)
    places: list[tuple[Institution, AccountableManager | None]] = [
        (e.institution, e) for e in entries
    ]
    if not any(e.institution_id == institution.pk for e in entries):
        places.insert(0, (institution, None))
    w = weights.weights()
    figures_of: dict[int, dict[str, Any]] = {}
    rows = []
    for inst, entry in places:
        if inst.pk not in figures_of:
            figures: dict[str, Any] = dict(_subtree_sum(inst.path, paths, found))
            figures["premium"] = _premium(inst, period)
            figures_of[inst.pk] = figures
        figures = figures_of[inst.pk]
        subs = sub_scores(figures, weights.volume_ceiling)
        rows.append(
            {
                "institution": inst,
                "manager": entry.manager if entry else None,
                "manager_name": (
                    display_name(entry.manager) if entry else str(NOT_REGISTERED)
                ),
                "accountable_from": (
                    max(entry.valid_from, period.start) if entry else None
                ),
                "accountable_until": (
                    min(entry.valid_until or period.end, period.end) if entry else None
                ),
                **{k: figures[k] for k in (*FIGURES, "premium")},
                **{f"s_{k}": v for k, v in subs.items()},
                "score": weighted(subs, w),
            }
        )
    return rows


NOT_REGISTERED = gettext_lazy("(no accountable manager registered)")


# --- Weights ----------------------------------------------------------------------
NO_WEIGHTS = gettext_lazy(
    "No appraisal weights apply to a period starting %(start)s: head-office "
    "compliance enters a weight version first (Appraisal weights)."
)
WEIGHTS_SUM = gettext_lazy("The weights add up to %(total)s; they must add up to 100.")
ONLY_COMPANY_COMPLIANCE = gettext_lazy(
    "The appraisal weights are the company's: only a compliance officer of the "
    "head office (or a system administrator) enters a new version."
)
CEILING_POSITIVE = gettext_lazy("The ceiling must be more than 0.")


def weights_for(period: Period) -> WeightVersion:
    """The newest version applying to periods starting on `period.start`."""
    found = (
        WeightVersion.objects.filter(effective_from__lte=period.start)
        .order_by("-effective_from", "-version")
        .first()
    )
    if found is None:
        raise ValidationError(NO_WEIGHTS, params={"start": period.start.isoformat()})
    return found


@transaction.atomic
def weights_create(
    *,
    actor: Any,
    effective_from: date,
    weights: dict[str, int],
    volume_ceiling: Decimal,
    note: str = "",
) -> WeightVersion:
    """A new weight version (a version is never changed: scorecards published
    with an older one keep it)."""
    if not is_company_compliance(actor):
        raise PermissionDenied(ONLY_COMPANY_COMPLIANCE)
    errors: dict[str, Any] = {}
    total = sum(weights[k] for k in INDICATORS)
    if total != 100:
        errors["__all__"] = ValidationError(WEIGHTS_SUM, params={"total": total})
    if volume_ceiling <= 0:
        errors["volume_ceiling"] = CEILING_POSITIVE
    if errors:
        raise ValidationError(errors)
    # Serialised on the newest version so two entries never share a number.
    newest = WeightVersion.objects.select_for_update().order_by("-version").first()
    version = WeightVersion(
        version=(newest.version if newest else 0) + 1,
        effective_from=effective_from,
        volume_ceiling=volume_ceiling,
        note=note.strip(),
        created_by=actor,
        **{f"w_{k}": weights[k] for k in INDICATORS},
    )
    return _save(version, actor, _("Weight version %(n)d") % {"n": version.version})


# --- Register -----------------------------------------------------------------------
ONLY_COMPLIANCE_REGISTER = gettext_lazy(
    "Only a compliance officer of the institution or above keeps its "
    "accountable-manager register."
)
OVERLAP = gettext_lazy(
    "%(name)s is already registered as accountable for %(institution)s from "
    "%(start)s to %(end)s: one institution has one accountable manager at a "
    "time. End that entry first (accountable until) or choose other dates."
)
REGISTER_FROZEN = gettext_lazy(
    "The scorecard of %(period)s, published %(published)s, names this entry: "
    "its manager and its days in that period no longer change. A correction "
    "is a new entry for the days after that period."
)
UNTIL_BEFORE_FROM = gettext_lazy("The last day cannot be before the first.")
NO_DELETE_REGISTER = gettext_lazy(
    "A register entry is never deleted: end it by its last day."
)


def _part(
    start: date, until: date | None, period_start: date, period_end: date
) -> tuple[date, date] | None:
    """The days of [start, until] within the period, or None."""
    low, high = max(start, period_start), min(until or period_end, period_end)
    return (low, high) if low <= high else None


@transaction.atomic
def register_set(
    *,
    actor: Any,
    entry: AccountableManager | None,
    institution: Institution,
    manager: Any,
    valid_from: date,
    valid_until: date | None,
    title: str = "",
    note: str = "",
) -> AccountableManager:
    """Record (or correct) who is accountable for `institution` and when."""
    P.require(actor, P.REPORTS, institution)
    if not is_compliance(actor, institution):
        raise PermissionDenied(ONLY_COMPLIANCE_REGISTER)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": UNTIL_BEFORE_FROM})
    # One writer per institution's register at a time.
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    others = AccountableManager.objects.filter(institution=institution)
    if entry is not None:
        others = others.exclude(pk=entry.pk)
    clash = (
        others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
        .filter(valid_from__lte=valid_until or date.max)
        .select_related("manager")
        .order_by("valid_from")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            OVERLAP,
            params={
                "name": display_name(clash.manager),
                "institution": institution.name,
                "start": clash.valid_from.isoformat(),
                "end": clash.valid_until.isoformat() if clash.valid_until else "…",
            },
        )
    old = None
    if entry is not None:
        old = AccountableManager.objects.select_for_update().get(pk=entry.pk)
    _refuse_published_change(old, institution, manager, valid_from, valid_until)
    if entry is None:
        entry = AccountableManager(institution=institution)
    entry.manager = manager
    entry.valid_from, entry.valid_until = valid_from, valid_until
    entry.title, entry.note = title.strip(), note.strip()
    reason = _("Accountable from %(start)s") % {"start": valid_from.isoformat()}
    return _save(entry, actor, reason)  # type: ignore[no-any-return]


def _refuse_published_change(
    old: AccountableManager | None,
    institution: Institution,
    manager: Any,
    valid_from: date,
    valid_until: date | None,
) -> None:
    """The register as a published scorecard read it stays: within the period
    of a scorecard covering the institution (its own or an ancestor's), an
    entry keeps its manager and days, and no entry is added or moved there
    (ending an entry after that period is still allowed)."""
    places = {institution.pk}
    if old is not None:
        places.add(old.institution_id)
    for place in Institution.objects.filter(pk__in=places):
        cards = Scorecard.objects.filter(
            institution__path__in=P.ancestor_paths(place.path)
        )
        for card in cards:
            start, end = card.period_start, card.period_end
            # (days within the period, manager) before and after the change.
            before: tuple[Any, Any] = (None, None)
            if old is not None and old.institution_id == place.pk:
                before = (
                    _part(old.valid_from, old.valid_until, start, end),
                    old.manager_id,
                )
            after: tuple[Any, Any] = (None, None)
            if institution.pk == place.pk:
                after = (_part(valid_from, valid_until, start, end), manager.pk)
            if before[0] is None and after[0] is None:
                continue
            if before != after:
                raise ValidationError(
                    REGISTER_FROZEN,
                    params={
                        "period": f"{start}~{end}",
                        "published": timezone.localtime(card.published_at).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    },
                )


# --- Publication ----------------------------------------------------------------------
ONLY_COMPLIANCE_PUBLISHES = gettext_lazy(
    "Only a compliance officer of the institution or above publishes its scorecard."
)
ALREADY_PUBLISHED = gettext_lazy(
    "The scorecard of %(institution)s for %(period)s was published %(published)s "
    "by %(by)s: a published scorecard never changes."
)
NOT_OVER = gettext_lazy(
    "The period ends %(end)s: its scorecard is published after it is over."
)
PUBLISHED_NEVER_CHANGES = gettext_lazy(
    "A published scorecard is frozen in the audit trail: it is never changed "
    "or deleted."
)


@transaction.atomic
def scorecard_publish(
    *, actor: Any, institution: Institution, period: Period, today: date | None = None
) -> Scorecard:
    """Compute the period's scorecard with the weights that apply to it and
    freeze it: the scorecard and its rows are sealed in their own chain."""
    P.require(actor, P.REPORTS, institution)
    if not is_compliance(actor, institution):
        raise PermissionDenied(ONLY_COMPLIANCE_PUBLISHES)
    today = today or timezone.localdate()
    if period.end >= today:
        raise ValidationError(NOT_OVER, params={"end": period.end.isoformat()})
    # Two publishers of one period: the second waits here, then is refused.
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    existing = (
        Scorecard.objects.filter(
            institution=institution,
            period_start=period.start,
            period_end=period.end,
        )
        .select_related("published_by")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            ALREADY_PUBLISHED,
            params={
                "institution": institution.name,
                "period": str(period),
                "published": timezone.localtime(existing.published_at).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                "by": display_name(existing.published_by),
            },
        )
    weights = weights_for(period)
    rows = compute(institution=institution, period=period, weights=weights)
    card = _save(
        Scorecard(
            institution=institution,
            period_start=period.start,
            period_end=period.end,
            weights=weights,
            published_by=actor,
        ),
        actor,
        _("Published"),
    )
    for values in rows:
        _save(ScorecardRow(scorecard=card, **values), actor, _("Published"))
    return card  # type: ignore[no-any-return]


def scorecards_in(user: Any) -> Any:
    """The published scorecards of the subtrees the user holds REPORTS on."""
    qs = Scorecard.objects.select_related("institution", "weights")
    if user is None or P.sees_every_row(user, Scorecard):
        return qs
    return P.scope(qs, user, P.REPORTS, via="institution")


def rows_for(user: Any, card: Scorecard) -> Iterable[ScorecardRow]:
    """The rows of `card` the user may read: those of institutions in the
    subtrees the user holds REPORTS on."""
    qs = card.rows.select_related("institution").order_by(
        "institution__path", "accountable_from", "pk"
    )
    if user is None or P.sees_every_row(user, ScorecardRow):
        return qs
    return P.scope(qs, user, P.REPORTS, via="institution")


def latest_version() -> WeightVersion | None:
    return WeightVersion.objects.order_by("-version").first()


def next_version_number() -> int:
    return (WeightVersion.objects.aggregate(n=Max("version"))["n"] or 0) + 1
