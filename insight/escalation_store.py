"""Training the escalation model on the database's history and scoring open complaints.

`escalation_train` learns from decided complaints (insight.escalation says what is
learned); `escalation_score` scores every open complaint with the newest model and
keeps one EscalationScore per complaint. Both are management commands
(train_escalation_model, score_escalation) run by the scheduler; scoring refuses
when no model has been trained, saying how to train one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Code, Complaint
from complaints.models.complaint import OPEN_STATUSES
from insight import escalation, store
from insight.escalation import Case
from insight.models import EscalationScore, TrainedModel
from insight.text import scrub
from organisations import permissions as P

TRAIN_COMMAND = "train_escalation_model"
# Every digit goes: numbers are amounts, dates and phones, never a reason to show.
_DIGITS = re.compile(r"\d+")
_PLACEHOLDER = re.compile(r"〈[^〉]*〉")
_FIELDS = (
    "id",
    "received_on",
    "id_number",
    "phone",
    "complainant_name",
    "agent_name",
    "channel__code",
    "product_line__code",
    "category__code",
    "cause__code",
    "representation",
    "amount_in_dispute",
    "is_vulnerable",
    "request",
    "facts",
    "regulator_reference",
    "media_risk",
    "is_group",
    "decided_at",
)


def _person_key(row: dict[str, Any]) -> str:
    return row["id_number"] or row["phone"] or ""


def _text(row: dict[str, Any]) -> str:
    """Request and facts without personal data (insight.text.scrub: names, given
    names, phones, IDs, e-mail) and without digits or scrub's placeholders:
    reasons are shown to managers, and neither a fragment of a name nor 〈姓名〉
    is a reason."""
    text = scrub(
        f"{row['request']}\n{row['facts']}",
        [row["complainant_name"], row["agent_name"]],
    )
    return _DIGITS.sub(" ", _PLACEHOLDER.sub(" ", text))


def _case(row: dict[str, Any], earlier: int, escalated: bool = False) -> Case:
    amount = row["amount_in_dispute"] or Decimal(0)
    return Case(
        channel=row["channel__code"] or "",
        product_line=row["product_line__code"] or "",
        category=row["category__code"] or "",
        cause=row["cause__code"] or "",
        representation=row["representation"] or "",
        amount=float(amount),
        earlier_complaints=earlier,
        vulnerable=bool(row["is_vulnerable"]),
        text=_text(row),
        escalated=escalated,
    )


def _rows(qs: QuerySet[Complaint]) -> list[dict[str, Any]]:
    return list(
        qs.order_by("received_on", "id").values(*_FIELDS).iterator(chunk_size=5000)
    )


def history_cases(
    *, until: date, limit: int | None = None
) -> tuple[list[Case], date | None]:
    """Decided complaints received before `until` minus the horizon, labelled;
    the `limit` most recently received of them when given. Every complaint is
    read all the same: the earlier and later ones of a person make the label
    and the count of earlier complaints."""
    horizon = timedelta(days=escalation.ESCALATION_HORIZON_DAYS)
    rows = _rows(Complaint.objects.filter(received_on__lte=until))
    by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if _person_key(row):
            by_person[_person_key(row)].append(row)
    # (received, id, row, earlier, escalated): the Case (its scrubbed text, the
    # slow part) is made only for those kept.
    dated: list[tuple[date, int, dict[str, Any], int, bool]] = []
    last_usable = until - horizon
    for person_rows in [
        *by_person.values(),
        *([r] for r in rows if not _person_key(r)),
    ]:
        for i, row in enumerate(person_rows):
            if row["decided_at"] is None or row["received_on"] > last_usable:
                continue
            later = person_rows[i + 1 :]
            came_back = any(
                r["regulator_reference"]
                and r["received_on"] <= row["received_on"] + horizon
                for r in later
            )
            escalated = came_back or row["media_risk"] or row["is_group"]
            dated.append((row["received_on"], row["id"], row, i, bool(escalated)))
    if limit is not None:
        dated = sorted(dated, key=lambda d: (d[0], d[1]))[-limit:] if limit else []
    first = min((d[0] for d in dated), default=None)
    return [_case(row, earlier=i, escalated=e) for _d, _pk, row, i, e in dated], first


def escalation_train(
    *, today: date | None = None, limit: int | None = None
) -> TrainedModel:
    """Learn from the decided history (its `limit` most recent cases if given)."""
    today = today or timezone.localdate()
    cases, first = history_cases(until=today, limit=limit)
    model, quality = escalation.train(cases)
    return store.save_model(
        escalation.KIND,
        model,
        data_from=first,
        data_to=today - timedelta(days=escalation.ESCALATION_HORIZON_DAYS),
        sample_count=len(cases),
        quality=quality,
    )


def escalation_score(*, now: Any = None) -> int:
    """Score every open complaint with the newest model; returns how many."""
    record, model = store.load_model(escalation.KIND, TRAIN_COMMAND)
    now = now or timezone.now()
    open_rows = _rows(Complaint.objects.filter(status__in=OPEN_STATUSES))
    keys = {_person_key(r) for r in open_rows} - {""}
    earlier: dict[tuple[str, int], int] = {}
    if keys:
        history = Complaint.objects.filter(Q(id_number__in=keys) | Q(phone__in=keys))
        seen: dict[str, list[tuple[date, int]]] = defaultdict(list)
        for pk, day, id_number, phone in history.values_list(
            "id", "received_on", "id_number", "phone"
        ).iterator(chunk_size=5000):
            seen[id_number or phone].append((day, pk))
        for key, items in seen.items():
            for pk_day in items:
                earlier[(key, pk_day[1])] = sum(1 for other in items if other < pk_day)
    cases = [_case(r, earlier.get((_person_key(r), r["id"]), 0)) for r in open_rows]
    scores = model.scores(cases)
    reasons = model.reasons(cases)
    with transaction.atomic():
        EscalationScore.objects.all().delete()
        EscalationScore.objects.bulk_create(
            [
                EscalationScore(
                    complaint_id=row["id"],
                    score=float(score),
                    reasons=[name for name, _weight in why],
                    model_version=record.version,
                    scored_at=now,
                )
                for row, score, why in zip(open_rows, scores, reasons, strict=True)
            ],
            batch_size=2000,
        )
    return len(open_rows)


# --- Shown to people ------------------------------------------------------------
_BREAK = re.compile(r"[\s\W]")
_CONTEXT = 2  # characters shown either side of the words that drove a score


def quoted_phrases(fragments: list[str], text: str) -> list[str]:
    """The character n-grams behind a score as readable phrases of the case's own
    text: overlapping n-grams ("媒体", "体曝", "曝光") become one phrase, widened by a
    character or two up to the punctuation ("向媒体曝光")."""
    spans = []
    for fragment in fragments:
        at = text.find(fragment)
        if at >= 0:
            spans.append([at, at + len(fragment)])
    spans.sort()
    merged: list[list[int]] = []
    for span in spans:
        if merged and span[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span[1])
        else:
            merged.append(span)
    phrases = []
    for start, end in merged:
        for _step in range(_CONTEXT):
            if start > 0 and not _BREAK.match(text[start - 1]):
                start -= 1
            if end < len(text) and not _BREAK.match(text[end]):
                end += 1
        phrases.append(text[start:end].strip())
    return [p for p in phrases if p]


def reasons_shown(
    reasons: list[str], text: str, labels: dict[tuple[str, str], str]
) -> str:
    words = [r.partition("=")[2] for r in reasons if r.startswith("word=")]
    shown = [reason_text(r, labels) for r in reasons if not r.startswith("word=")]
    shown += [
        _("the words “%(w)s”") % {"w": phrase} for phrase in quoted_phrases(words, text)
    ]
    return "、".join(shown)


def reason_text(name: str, labels: dict[tuple[str, str], str]) -> str:
    key, _sep, value = name.partition("=")
    if key in {"channel", "product_line", "category", "cause"}:
        return labels.get((key, value), value)
    if key == "representation":
        return str(dict(Complaint.Representation.choices).get(value, value))
    return {
        "amount_log10": _("the amount in dispute"),
        "earlier_complaints": _("earlier complaints by the same person"),
        "vulnerable": _("a vulnerable consumer"),
    }.get(key, key)


def risky_for(user: Any, *, limit: int = 10) -> list[dict[str, Any]]:
    """The open complaints in the user's subtree whose risk is at or above
    INSIGHT_ESCALATION_ALERT, highest first (the managers' landing page)."""
    if not P.has_anywhere(user, P.ASSIGN):
        return []
    visible = P.scope(
        Complaint.objects.filter(status__in=OPEN_STATUSES), user, P.ASSIGN
    )
    rows = list(
        EscalationScore.objects.filter(
            score__gte=settings.INSIGHT_ESCALATION_ALERT, complaint__in=visible
        )
        .select_related("complaint__institution", "complaint__product_line")
        .order_by("-score")[:limit]
    )
    labels = {(c.kind, c.code): c.label for c in Code.objects.all()}
    return [
        {
            "complaint": s.complaint,
            "score": round(s.score * 100),
            "reasons": reasons_shown(
                s.reasons,
                _text(
                    {
                        "request": s.complaint.request,
                        "facts": s.complaint.facts,
                        "complainant_name": s.complaint.complainant_name,
                        "agent_name": s.complaint.agent_name,
                    }
                ),
                labels,
            ),
        }
        for s in rows
    ]
