"""The steps of `make bench-insight` (tests/bench/insight.py): per feature, its
time and its quality against the planted truth. Each step appends Rows."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from complaints.models import Complaint
from complaints.models.complaint import OPEN_STATUSES
from organisations.models import Institution
from sampledata.benchgen import plant_coding, plant_signals
from tests.bench import harness


@dataclass
class Row:
    feature: str
    step: str
    result: harness.Result
    quality: str = ""


@dataclass
class Context:
    today: date
    truth: plant_signals.Truth
    user: Any  # a global account: every case is in scope

    @classmethod
    def load(cls, today: date) -> Context:
        user = get_user_model().objects.get(username=plant_signals.PLANTER)
        return cls(today, plant_signals.truth(), user)


def timed(
    rows: list[Row], feature: str, step: str, action: Callable[[], Any]
) -> tuple[Row, Any]:
    """Run `action` once, bracketed by the calibration; keep its time."""
    result = harness.Result(f"{feature}: {step}", "")
    with harness.calibrating(result):
        started = time.perf_counter()
        value = action()
        result.runs.append(time.perf_counter() - started)
    row = Row(feature, step, result)
    rows.append(row)
    return row, value


def _yes(value: bool) -> str:
    return "yes" if value else "**no**"


# --- Surge ----------------------------------------------------------------------------
def surge(ctx: Context, rows: list[Row], args: argparse.Namespace) -> None:
    from insight import surge as S

    assert ctx.truth.surge is not None
    row, result = timed(
        rows,
        "Surge alerts",
        "weekly sweep (every institution × product line × cause)",
        lambda: S.sweep(week_start=ctx.truth.surge_week, notify=False),
    )
    province, pl, cause = ctx.truth.surge
    head = Institution.objects.get(pk=province).parent_id
    planted = [
        a
        for a in result.alerts
        if (a.institution_id, a.product_line_id, a.cause_id) == (province, pl, cause)
    ]
    above = [
        a
        for a in result.alerts
        if (a.institution_id, a.product_line_id, a.cause_id) == (head, pl, cause)
    ]
    others = len(result.alerts) - len(planted) - len(above)
    row.quality = (
        f"planted surge found: {_yes(bool(planted))}"
        + (f" (q = {planted[0].q_value:.2g})" if planted else "")
        + f"; head office's same series (contains it) alerted too: "
        f"{'yes' if above else 'no'}; "
        f"other alerts (false alarms): {others} of {result.tested:,} series tested"
    )


# --- Rectification verdicts -----------------------------------------------------------
def rectification(ctx: Context, rows: list[Row], args: argparse.Namespace) -> None:
    from insight.models import RectificationVerdict
    from reporting import services as reporting
    from reporting.models import Rectification

    V = RectificationVerdict.Verdict
    expected = {"E": V.EFFECTIVE, "N": V.NOT_EFFECTIVE}
    done = ctx.today - timedelta(days=plant_signals.COMPLETED_DAYS_AGO)
    for kind, pk in sorted(ctx.truth.rectifications.items()):
        item = Rectification.objects.get(pk=pk)
        label = "effective" if kind == "E" else "not effective"
        if not item.verdicts.exists():
            row, _ = timed(
                rows,
                "Rectification verdict",
                f"marked done → verdict (planted {label})",
                lambda item=item: reporting.rectification_set_status(
                    rectification=item,
                    actor=ctx.user,
                    status=Rectification.Status.DONE,
                    evidence="基准埋点：整改完成",
                    completed_on=done,
                ),
            )
        else:
            row = Row(
                "Rectification verdict",
                f"planted {label} (judged in an earlier run)",
                harness.Result("", ""),
            )
            rows.append(row)
        verdict = item.verdicts.order_by("-pk").first()
        got = verdict.get_verdict_display() if verdict else "none"
        ok = verdict is not None and verdict.verdict == expected[kind]
        row.quality = f"verdict {got}: correct {_yes(ok)}"
        if verdict:
            row.quality += (
                f" ({verdict.before_count} → {verdict.after_count} complaints, "
                f"p = {verdict.p_value:.2g})"
            )


# --- Coding check ---------------------------------------------------------------------
def coding(ctx: Context, rows: list[Row], args: argparse.Namespace) -> None:
    from insight import classifier

    row, record = timed(
        rows,
        "Coding check",
        f"training (the {args.coding_limit:,} most recent closed cases)",
        lambda: classifier.coding_train(limit=args.coding_limit),
    )
    fields = record.quality.get("fields", {})
    row.quality = (
        "held-out accuracy (macro F1): "
        + ", ".join(
            f"{name} {q['accuracy']:.3f} ({q['macro_f1']:.2f})"
            for name, q in fields.items()
        )
        + f"; {record.sample_count:,} cases"
    )
    since = ctx.today - timedelta(days=365)
    row, (_record, found, read) = timed(
        rows,
        "Coding check",
        f"check page: the {classifier.CHECK_LIMIT:,} most recent cases scored",
        lambda: classifier.coding_doubts(user=ctx.user, since=since, until=ctx.today),
    )
    read_ids = (
        Complaint.objects.filter(received_on__gte=since, received_on__lte=ctx.today)
        .filter(~Q(status__in=[Complaint.Status.ROUTED, Complaint.Status.DECLINED]))
        .order_by("-received_on", "-pk")
        .values_list("pk", flat=True)[: classifier.CHECK_LIMIT]
    )
    planted = {pk for pk in read_ids if plant_coding.planted(pk)}
    flagged = {c.pk for c, _d in found}
    hits = len(planted & flagged)
    recall = hits / len(planted) if planted else 0.0
    precision = hits / len(flagged) if flagged else 0.0
    row.quality = (
        f"{len(flagged):,} flagged of {read:,} read; planted miscoded among the read: "
        f"{len(planted):,}; recall {recall:.2f}, precision {precision:.2f}"
    )


# --- Similar decided cases ------------------------------------------------------------
def similar(ctx: Context, rows: list[Row], args: argparse.Namespace) -> None:
    from insight.similar import similar_decided

    draft = (
        Complaint.objects.filter(status__in=OPEN_STATUSES)
        .order_by("-received_at")
        .select_related("institution")
        .first()
    )
    assert draft is not None
    province = Institution.objects.get(
        path="/".join(draft.institution.path.split("/")[:3]) + "/"
    )
    manager = get_user_model().objects.get(username=f"bench_m_{province.code}")
    result = harness.measure(
        "Similar cases",
        lambda: similar_decided(user=manager, complaint=draft),
        target="",
        limit_s=None,
        repeat=args.repeat,
        warmup=1,
    )
    shown = similar_decided(user=manager, complaint=draft)
    paths = Complaint.objects.filter(
        pk__in=[s.complaint.pk for s in shown]
    ).values_list("institution__path", flat=True)
    in_scope = all(p.startswith(province.path) for p in paths)
    same_line = sum(s.complaint.product_line_id == draft.product_line_id for s in shown)
    rows.append(
        Row(
            "Similar cases",
            f"one draft's top 5 (a manager of {province.name})",
            result,
            f"{len(shown)} shown, all in the manager's scope: {_yes(in_scope)}; "
            f"same product line: {same_line}/{len(shown)}",
        )
    )


# --- Escalation -----------------------------------------------------------------------
def escalation(ctx: Context, rows: list[Row], args: argparse.Namespace) -> None:
    from sklearn.metrics import roc_auc_score

    from insight.escalation_store import escalation_score, escalation_train
    from insight.models import EscalationScore

    row, record = timed(
        rows,
        "Escalation score",
        f"training (the {args.escalation_limit:,} most recent decided cases)",
        lambda: escalation_train(today=ctx.today, limit=args.escalation_limit),
    )
    q = record.quality
    row.quality = (
        f"held-out AUC {q.get('auc_held_out')} on {record.sample_count:,} cases "
        f"({q.get('escalated', 0):,} escalated: planted and the generator's flags)"
    )
    row, scored = timed(
        rows, "Escalation score", "scoring every open complaint", escalation_score
    )
    pairs = list(EscalationScore.objects.values_list("complaint_id", "score"))
    labels = [pk in ctx.truth.risky_open for pk, _s in pairs]
    auc = (
        roc_auc_score(labels, [s for _pk, s in pairs])
        if any(labels) and not all(labels)
        else float("nan")
    )
    ranked = sorted(pairs, key=lambda p: -p[1])[: len(ctx.truth.risky_open)]
    top = sum(pk in ctx.truth.risky_open for pk, _s in ranked)
    row.quality = (
        f"{scored:,} scored; AUC of the {sum(labels)} planted risky against the rest: "
        f"{auc:.3f}; planted among the top {len(ranked)}: {top}"
    )


# --- Rings ----------------------------------------------------------------------------
def rings(ctx: Context, rows: list[Row], args: argparse.Namespace) -> None:
    from insight.models import RingMember
    from insight.ring_store import ring_search

    row, run = timed(
        rows, "Complaint rings", "search (the window's complaints)", ring_search
    )
    planted = set(ctx.truth.ring)
    members: dict[int, set[int]] = {}
    for ring_id, complaint_id in RingMember.objects.filter(ring__run=run).values_list(
        "ring_id", "complaint_id"
    ):
        members.setdefault(ring_id, set()).add(complaint_id)
    best = max(members.values(), key=lambda m: len(m & planted), default=set())
    found = len(best & planted)
    sizes = [len(m) for m in members.values() if m is not best]
    row.quality = (
        f"planted ring of {len(planted)} found: {_yes(found == len(planted))} "
        f"({found}/{len(planted)} members, ring size {len(best)}); "
        f"other clusters: {len(sizes)}"
        + (
            f" (median size {statistics.median(sizes):g}, largest {max(sizes)})"
            if sizes
            else ""
        )
        + f"; {run.complaint_count:,} complaints searched"
    )


# --- Branches that decide differently -------------------------------------------------
def outliers(ctx: Context, rows: list[Row], args: argparse.Namespace) -> None:
    from insight.outliers import compare_branches

    assert ctx.truth.outlier is not None
    province, pl, cause = ctx.truth.outlier
    root = Institution.objects.get(pk=province).parent
    assert root is not None
    row, result = timed(
        rows,
        "Branches that decide differently",
        "head office's provinces compared (last 365 days)",
        lambda: compare_branches(user=ctx.user, root=root),
    )
    hit = [
        c
        for c in result.standing_out
        if (c.branch.pk, c.product_line.pk, c.cause.pk) == (province, pl, cause)
    ]
    others = len(result.standing_out) - len(hit)
    row.quality = (
        f"planted branch flagged: {_yes(bool(hit))}"
        + "".join(
            f" ({c.metric_label} {c.branch_value:.0f} vs {c.rest_value:.0f}, "
            f"q = {c.q_value:.2g})"
            for c in hit
        )
        + f"; other comparisons standing out: {others} of {result.tested:,}"
    )
