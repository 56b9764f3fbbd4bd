"""Miscoded cases planted in the benchmark data (issue 18 point 7).

A fixed share of complaints, chosen by their id alone (so the truth needs no
storage: `planted(pk)` answers it again at measurement), get a wrong business
category or product line: another code of the same list than the one their
text was written for. The coding check (insight.classifier) should list them.
Drawn without the generator's random stream, so the rest of the data is the
same with or without the plant.
"""

from __future__ import annotations

from typing import Any

PLANTED_PER_10000 = 200  # 2 % of complaints
FIELDS = ("category_id", "product_line_id")
_MIX = 2_654_435_761  # Knuth's multiplicative hash: spreads consecutive ids


def _draw(pk: int) -> int:
    return (pk * _MIX) % 2**32


def planted(pk: int) -> str | None:
    """The field planted wrong on complaint `pk` ("category_id" or
    "product_line_id"), or None."""
    h = _draw(pk)
    if h % 10_000 >= PLANTED_PER_10000:
        return None
    return FIELDS[(h // 10_000) % 2]


def plant(row: dict[str, Any], codes: dict[tuple[str, str], int]) -> None:
    """Give the complaint row a wrong code where its id is planted."""
    field = planted(row["id"])
    if field is None:
        return
    kind = field.removesuffix("_id")
    choices = sorted(pk for (k, _code), pk in codes.items() if k == kind)
    others = [pk for pk in choices if pk != row[field]]
    if others:
        row[field] = others[_draw(row["id"]) // 20_000 % len(others)]
