"""A synthetic coded set from the demo's text templates, with some codes flipped."""

from __future__ import annotations

import random
from typing import Any

from insight import text
from sampledata.texts import TEMPLATES

FIELDS = ("product_line", "category", "cause")


def coded_set(
    n: int, *, flip_share: float = 0.0, seed: int = 7
) -> tuple[list[str], dict[str, list[int]], set[tuple[int, str]]]:
    """n texts with integer codes per field; `flip_share` of the cases get one
    field's code replaced by another code of that list. Returns the texts, the
    (possibly flipped) codes and the set of (case, field) flipped."""
    rng = random.Random(seed)
    ids: dict[str, dict[str, int]] = {f: {} for f in FIELDS}
    for t in TEMPLATES:
        for f in FIELDS:
            ids[f].setdefault(getattr(t, f), len(ids[f]) + 1)
    texts: list[str] = []
    labels: dict[str, list[int]] = {f: [] for f in FIELDS}
    for _ in range(n):
        t = rng.choice(TEMPLATES)
        values: dict[str, Any] = {
            "amount": rng.randint(100, 90000),
            "premium": rng.randint(100, 90000),
            "date": f"{rng.randint(2023, 2026)}年{rng.randint(1, 12)}月"
            f"{rng.randint(1, 28)}日",
            "plate": f"粤A{rng.randint(10000, 99999)}",
            "road": rng.choice(["中山大道", "人民路", "解放路", "建设路"]),
            "hospital": rng.choice(["市第一人民医院", "省人民医院"]),
            "bank": rng.choice(["工商银行", "建设银行", "农业银行"]),
            "year": rng.randint(2015, 2022),
            "months": rng.randint(2, 6),
            "acres": rng.randint(20, 300),
        }
        texts.append(
            text.case_text(
                {
                    "request": t.request.format(**values),
                    "facts": t.facts.format(**values),
                }
            )
        )
        for f in FIELDS:
            labels[f].append(ids[f][getattr(t, f)])
    flipped: set[tuple[int, str]] = set()
    for i in rng.sample(range(n), int(n * flip_share)):
        f = rng.choice(FIELDS)
        others = [v for v in ids[f].values() if v != labels[f][i]]
        labels[f][i] = rng.choice(others)
        flipped.add((i, f))
    return texts, labels, flipped
