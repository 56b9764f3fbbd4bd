"""Rectification that proves it worked (整改成效, issue 18 point 2).

When a rectification is done, the complaints of its cause in the owner's
subtree are counted in the INSIGHT_RECTIFICATION_WINDOW_DAYS (default 90)
before the day it was completed and as many days from that day, each against
the business volume of those days (insight.exposure; per day when nobody
above the owner reports volumes). The conditional exact test of two Poisson
rates (insight.ratetests), one-sided (lower after), at
INSIGHT_RECTIFICATION_ALPHA (default 0.05) gives the verdict:

- effective: the rate fell, significantly;
- not effective: it did not; the rectification is reopened with the figures;
- too few complaints to tell: even none after could not be significant, so
  nothing is proved either way and nothing is reopened.

"Its cause" is, in this order: the product line × cause of the surge alert it
was opened from; the product line × cause pairs of the complaints it covers;
its root cause (complaints whose recorded root cause it is). Complaints are
placed in the windows by the day chosen for the surge series (decision day by
default: insight.surge.date_field), so the after-window is complete when it
ends.

The verdict is judged once the after-window is over: at once when the done
date lies far enough back, else by `check_rectifications` (daily). Each
verdict is written once and sealed in the audit chain (complaints.integrity.audit,
RECORD_CHAINS: one chain per rectification).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from insight import ratetests as T
from insight.exposure import Volumes, volume_holder
from insight.models import RectificationVerdict
from insight.surge import date_field
from reporting.models import Rectification

V = RectificationVerdict.Verdict


def window_days() -> int:
    return int(getattr(settings, "INSIGHT_RECTIFICATION_WINDOW_DAYS", 90))


def alpha() -> float:
    return float(getattr(settings, "INSIGHT_RECTIFICATION_ALPHA", 0.05))


def counted(item: Rectification) -> tuple[Q | None, str]:
    """Which complaints are "its cause", and how that reads."""
    alert = item.surge_alerts.select_related("product_line", "cause").first()
    if alert is not None:
        return Q(product_line=alert.product_line_id, cause=alert.cause_id), _(
            "%(product)s × %(cause)s (from the surge alert)"
        ) % {"product": alert.product_line.label, "cause": alert.cause.label}
    pairs = sorted(
        {
            (c.product_line_id, c.cause_id, c.product_line.label, cause.label)
            for c in item.complaints.select_related("product_line", "cause")
            for cause in [c.cause]
            if cause is not None
        }
    )
    if pairs:
        q = reduce(or_, (Q(product_line=p, cause=c) for p, c, _pl, _c in pairs))
        text = ", ".join(f"{pl} × {c}" for _p, _c, pl, c in pairs)
        return q, _("%(pairs)s (of the complaints covered)") % {"pairs": text}
    if item.root_cause_id:
        return Q(root_cause_record__root_cause=item.root_cause_id), _(
            "root cause %(cause)s"
        ) % {"cause": item.root_cause.label}  # type: ignore[union-attr]
    return None, _("nothing to count: no alert, covered complaint or root cause")


def is_due(item: Rectification, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        item.status == Rectification.Status.DONE
        and item.completed_on is not None
        and item.completed_on + timedelta(days=window_days()) <= today
        and not item.verdicts.filter(completed_on=item.completed_on).exists()
    )


def _count(item: Rectification, q: Q, start: date, end: date) -> int:
    return Complaint.objects.filter(
        q,
        item_type=Complaint.ItemType.COMPLAINT,
        institution__path__startswith=item.owner_institution.path,
        **{f"{date_field()}__gte": start, f"{date_field()}__lte": end},
    ).count()


@transaction.atomic
def judge(
    item: Rectification, *, actor: Any = None, today: date | None = None
) -> RectificationVerdict | None:
    """Judge a done rectification whose after-window is over (else None)."""
    item = Rectification.objects.select_for_update().get(pk=item.pk)
    if not is_due(item, today):
        return None
    assert item.completed_on is not None  # is_due
    days = window_days()
    done = item.completed_on
    before = (done - timedelta(days=days), done - timedelta(days=1))
    after = (done, done + timedelta(days=days - 1))
    q, text = counted(item)
    holder = volume_holder(item.owner_institution)
    volumes = Volumes(before[0], after[1])
    e_before = volumes.exposure(holder.pk, *before) if holder else None
    e_after = volumes.exposure(holder.pk, *after) if holder else None
    label = volumes.den.label
    if e_before is None or e_after is None:
        e_before = e_after = float(days)
        label = _("complaints per day (no business volume for the window)")
    n_before = _count(item, q, *before) if q is not None else 0
    n_after = _count(item, q, *after) if q is not None else 0
    test = T.compare_rates(n_after, e_after, n_before, e_before, alternative="less")
    level = alpha()
    if T.smallest_p_lower(n_before, e_after, e_before) > level:
        verdict = V.INCONCLUSIVE
    elif test.p_value <= level:
        verdict = V.EFFECTIVE
    else:
        verdict = V.NOT_EFFECTIVE
    record = RectificationVerdict(
        rectification=item,
        verdict=verdict,
        counted=text[:300],
        completed_on=done,
        window_days=days,
        before_from=before[0],
        before_to=before[1],
        before_count=n_before,
        before_exposure=e_before,
        after_from=after[0],
        after_to=after[1],
        after_count=n_after,
        after_exposure=e_after,
        rate_label=label[:120],
        test=T.RATE_TEST,
        p_value=test.p_value,
        alpha=level,
        reopened=verdict == V.NOT_EFFECTIVE,
        decided_at=timezone.now(),
    )
    record._history_user = actor  # type: ignore[attr-defined]
    record._change_reason = str(record.get_verdict_display())[:100]  # type: ignore[attr-defined]
    record.save()
    if record.reopened:
        _reopen(item, record, actor)
    return record


def figures(v: RectificationVerdict) -> str:
    return _(
        "%(counted)s: %(before)d complaints %(b0)s–%(b1)s (%(brate)s %(unit)s), "
        "%(after)d complaints %(a0)s–%(a1)s (%(arate)s); %(test)s, one-sided "
        "p = %(p)s at level %(alpha)s."
    ) % {
        "counted": v.counted,
        "before": v.before_count,
        "b0": v.before_from.isoformat(),
        "b1": v.before_to.isoformat(),
        "brate": f"{v.before_rate:.3f}",
        "unit": v.rate_label,
        "after": v.after_count,
        "a0": v.after_from.isoformat(),
        "a1": v.after_to.isoformat(),
        "arate": f"{v.after_rate:.3f}",
        "test": _(v.test),
        "p": f"{v.p_value:.4f}",
        "alpha": f"{v.alpha:g}",
    }


def _reopen(item: Rectification, v: RectificationVerdict, actor: Any) -> None:
    """Back to open, the figures in the evidence and the history's reason."""
    item.status = Rectification.Status.OPEN
    item.completed_on = None
    note = _("Effectiveness check: not effective. %(figures)s") % {
        "figures": figures(v)
    }
    item.evidence = f"{item.evidence}\n\n{note}".strip()
    item._history_user = actor  # type: ignore[attr-defined]
    item._change_reason = _("Reopened: not effective")[:100]  # type: ignore[attr-defined]
    item.full_clean()
    item.save()


def check_due(today: date | None = None) -> list[RectificationVerdict]:
    """Judge every done rectification whose window is over (daily)."""
    today = today or timezone.localdate()
    last_day = today - timedelta(days=window_days())
    candidates = Rectification.objects.filter(
        status=Rectification.Status.DONE, completed_on__lte=last_day
    ).order_by("pk")
    verdicts = []
    for item in candidates:
        verdict = judge(item, today=today)
        if verdict is not None:
            verdicts.append(verdict)
    return verdicts


def on_saved(sender: Any, instance: Rectification, **kwargs: Any) -> None:
    """Marked done with a completion date far enough back: judge at once."""
    if instance.status == Rectification.Status.DONE and is_due(instance):
        judge(instance, actor=getattr(instance, "_history_user", None))
