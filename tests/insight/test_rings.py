"""Complaint rings (issue 18 point 6): the planted ring of 12 among 10,000 is found
whole, a clean control set gives none, and each kind of tie works on its own terms."""

from __future__ import annotations

import random

from insight import rings
from insight.rings import Row
from tests.insight.ring_data import TEMPLATE, control_set, grievance, planted_ring


def test_planted_ring_of_twelve_among_ten_thousand_is_found_whole() -> None:
    planted = planted_ring()
    found = rings.find_rings(control_set() + planted, min_size=3)
    assert [r.members for r in found] == [[row.id for row in planted]]
    assert found[0].kinds == [rings.PHONE, rings.NAME, rings.ADDRESS, rings.WORDING]


def test_a_clean_control_set_gives_no_ring() -> None:
    assert rings.find_rings(control_set(seed=8), min_size=3) == []


def test_agent_names_match_in_pinyin_and_characters() -> None:
    assert rings.name_key("张伟") == rings.name_key("Zhang Wei") == "zhangwei"
    assert rings.name_key("张  伟") == rings.name_key("ZHANG wei")
    assert rings.name_key("") == ""


def test_one_weak_tie_alone_makes_no_ring() -> None:
    # Three complaints by agents called 王伟 with different addresses and wording:
    # a common name is not a ring.
    texts = [grievance(random.Random(seed)) * 2 for seed in (1, 2, 5)]
    assert len({rings.signature(t).tobytes() for t in texts}) == 3  # type: ignore[union-attr]
    rows = [Row(i, "", "王伟", f"杭州市西湖区文三路{i}号", texts[i]) for i in range(3)]
    assert rings.find_rings(rows) == []


def test_the_same_agent_phone_alone_is_a_ring() -> None:
    rows = [Row(i, "+86 139-0000-2222" if i else "13900002222") for i in range(3)]
    found = rings.find_rings(rows)
    assert [r.members for r in found] == [[0, 1, 2]]
    assert found[0].kinds == [rings.PHONE]


def test_near_identical_wording_with_the_same_address_ties() -> None:
    letter = TEMPLATE.format(y=2021, p="年金保险", a=30_000)
    rows = [
        Row(1, address="深圳市南山区科技园路8号", text=letter),
        Row(2, address="深圳市南山区 科技园路8号", text=letter.replace("2021", "2023")),
        Row(3, address="深圳市南山区科技园路8号", text=letter.replace("诱饵", "幌子")),
    ]
    found = rings.find_rings(rows)
    assert [r.members for r in found] == [[1, 2, 3]]
    assert found[0].kinds == [rings.ADDRESS, rings.WORDING]


def test_short_texts_are_not_compared() -> None:
    assert rings.signature("要求退保") is None
