"""Similar decided cases (类案参考, issue 18 point 4, first half).

While a handler drafts a decision, the five decided cases most like this one
(cosine similarity of the character n-gram TF-IDF of request and facts,
insight.text) with their outcome and redress: like cases decided alike.

Only cases the drafter may see (organisations.permissions.scope, VIEW) are
candidates, so a branch never learns of another branch's cases through this
list. Text of a case whose personal data the drafter may not see is shown
scrubbed of identifiers and names (insight.text.scrub); no complainant's name
is shown at all, as precedent does not need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy
from django.db.models import QuerySet

from complaints.models import Complaint
from complaints.workbench import selectors
from insight import classifier, store, text
from organisations import permissions as P

S = Complaint.Status
DECIDED = [S.NOTIFIED, S.UNDER_REVIEW, S.REVIEWED, S.IN_MEDIATION, S.CLOSED, S.ARCHIVED]
SHOWN = 5
# The most recent decided cases of the same product line are compared: recent
# practice is the relevant one, and the page stays fast at a million cases.
POOL = 3_000
SUMMARY_CHARS = 120


@dataclass
class SimilarCase:
    complaint: Complaint
    similarity: float
    request: str
    decision: str
    outcome: str
    redress: Decimal | None
    personal_data: bool


def decided_in_scope(*, user: Any, complaint: Complaint) -> QuerySet[Complaint]:
    qs = Complaint.objects.filter(status__in=DECIDED).exclude(outcome="")
    return P.scope(qs, user, P.VIEW).exclude(pk=complaint.pk)


def similar_decided(
    *, user: Any, complaint: Complaint, count: int = SHOWN
) -> list[SimilarCase]:
    """The `count` decided cases in the user's scope most like `complaint`."""
    scoped = decided_in_scope(user=user, complaint=complaint)
    fields = ("institution", "product_line", "category", "cause")
    pool = list(
        scoped.filter(product_line_id=complaint.product_line_id)
        .select_related(*fields)
        .order_by("-decided_at", "-pk")[:POOL]
    )
    if len(pool) < count:
        recent = scoped.select_related(*fields).order_by("-decided_at", "-pk")
        pool = list(recent[:POOL])
    if not pool:
        return []
    query = text.complaint_text(complaint)
    texts = [text.complaint_text(c) for c in pool]
    X, q = _vectors(texts, query)
    scores = numpy.asarray((X @ q.T).todense()).ravel()
    top = numpy.argsort(-scores, kind="stable")[:count]
    return [_shown(user, pool[i], float(scores[i])) for i in top if scores[i] > 0]


def _vectors(texts: list[str], query: str) -> tuple[Any, Any]:
    """The coding model's vocabulary where one is trained (learned from the
    whole history); otherwise one fitted on the pool itself."""
    try:
        _record, model = classifier.coding_model()
    except store.NoModel:
        vectoriser = text.vectoriser(min_df=1)
        X = vectoriser.fit_transform([*texts, query])
        return X[:-1], X[-1]
    return model.vectoriser.transform(texts), model.vectoriser.transform([query])


def _shown(user: Any, c: Complaint, score: float) -> SimilarCase:
    personal = selectors.can_see_personal_data(user, c)
    request, decision = c.request or "", c.decision_text or ""
    if not personal:
        names = [str(getattr(c, f) or "") for f in text.NAME_FIELDS]
        request, decision = text.scrub(request, names), text.scrub(decision, names)
    return SimilarCase(
        complaint=c,
        similarity=round(score, 2),
        request=_cut(request),
        decision=_cut(decision),
        outcome=c.get_outcome_display(),
        redress=c.redress_amount,
        personal_data=personal,
    )


def _cut(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= SUMMARY_CHARS else value[: SUMMARY_CHARS - 1] + "…"
