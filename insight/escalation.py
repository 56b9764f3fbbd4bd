"""Escalation warning (升级预警, issue 18 point 5): the risk that an open complaint goes
to the regulator, the media or becomes a group complaint, learned from the insurer's
own history.

What counts as "went further" in the history (the label of a decided complaint):
- the same complainant's next complaint came back through the regulator (监管转送)
  within ESCALATION_HORIZON_DAYS, or
- the complaint was flagged for media / public-opinion risk or as a group complaint.
Those flags are never inputs, only outcomes: a flagged complaint already shows its
flag. The inputs are what is known at registration: channel, product line,
category, cause, representation, amount in dispute, earlier complaints of the same
person, vulnerability, and the wording (character 2–3-grams: 曝光, 媒体, 12378,
律师 …). A logistic regression keeps every reason readable: each score lists the
inputs that raised it most.

A score is a warning for people; it never changes a deadline or any field of the
complaint.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

KIND = "escalation"
ESCALATION_HORIZON_DAYS = 180
# n-grams kept per score; overlapping ones merge into fewer phrases when shown.
REASONS_SHOWN = 6


@dataclass
class Case:
    """What is known of a complaint at registration, and (for training) its fate."""

    channel: str = ""
    product_line: str = ""
    category: str = ""
    cause: str = ""
    representation: str = ""
    amount: float = 0.0
    earlier_complaints: int = 0
    vulnerable: bool = False
    text: str = ""
    escalated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _fields(case: Case) -> dict[str, Any]:
    return {
        f"channel={case.channel}": 1,
        f"product_line={case.product_line}": 1,
        f"category={case.category}": 1,
        f"cause={case.cause}": 1,
        f"representation={case.representation}": 1,
        "amount_log10": math.log10(1 + max(case.amount, 0.0)),
        "earlier_complaints": min(case.earlier_complaints, 5),
        "vulnerable": int(case.vulnerable),
    }


@dataclass
class EscalationModel:
    fields: DictVectorizer
    words: TfidfVectorizer
    model: LogisticRegression

    def _matrix(self, cases: Sequence[Case]) -> Any:
        return sparse.hstack(
            [
                self.fields.transform([_fields(c) for c in cases]),
                self.words.transform([c.text for c in cases]),
            ]
        ).tocsr()

    def scores(self, cases: Sequence[Case]) -> numpy.ndarray:
        if not cases:
            return numpy.zeros(0)
        return self.model.predict_proba(self._matrix(cases))[:, 1]

    def reasons(self, cases: Sequence[Case]) -> list[list[tuple[str, float]]]:
        """Per case, the inputs that raised its score most: (feature, contribution)."""
        if not cases:
            return []
        names = list(self.fields.get_feature_names_out()) + [
            f"word={w}" for w in self.words.get_feature_names_out()
        ]
        matrix = self._matrix(cases)
        coef = self.model.coef_[0]
        out = []
        for i in range(matrix.shape[0]):
            row = matrix.getrow(i)
            contrib = [
                (names[j], float(v * coef[j]))
                for j, v in zip(row.indices, row.data, strict=True)
            ]
            contrib = [c for c in contrib if c[1] > 0]
            contrib.sort(key=lambda c: -c[1])
            out.append(contrib[:REASONS_SHOWN])
        return out


def train(
    cases: Sequence[Case], *, seed: int = 0
) -> tuple[EscalationModel, dict[str, Any]]:
    """Fit on 80 % and report the AUC on the held-out 20 %, then refit on all."""
    labels = numpy.array([int(c.escalated) for c in cases])
    if len(cases) < 20 or labels.sum() < 5 or labels.sum() == len(labels):
        raise ValueError("too few escalated and not escalated cases to learn from")

    def fit(part: Sequence[Case]) -> EscalationModel:
        fields = DictVectorizer().fit([_fields(c) for c in part])
        words = TfidfVectorizer(
            analyzer="char",
            ngram_range=(2, 3),
            min_df=3,
            max_features=20_000,
            sublinear_tf=True,
        ).fit([c.text for c in part])
        m = EscalationModel(
            fields,
            words,
            LogisticRegression(max_iter=1000, class_weight="balanced", C=1.0),
        )
        m.model.fit(m._matrix(part), [int(c.escalated) for c in part])
        return m

    train_part, test_part = train_test_split(
        list(cases), test_size=0.2, random_state=seed, stratify=labels
    )
    held_out = fit(train_part)
    auc = roc_auc_score(
        [int(c.escalated) for c in test_part], held_out.scores(test_part)
    )
    quality = {
        "auc_held_out": round(float(auc), 4),
        "cases": len(cases),
        "escalated": int(labels.sum()),
        "held_out": len(test_part),
    }
    return fit(cases), quality
