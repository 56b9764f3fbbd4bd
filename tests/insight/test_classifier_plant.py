"""The benchmark's planted miscoded cases (sampledata.benchgen.plant_coding)."""

from __future__ import annotations

from sampledata.benchgen import plant_coding

CODES = {("category", c): i for i, c in enumerate("abcdef", start=1)} | {
    ("product_line", c): i for i, c in enumerate("uvwxyz", start=11)
}


def test_about_two_percent_are_planted_by_id_alone() -> None:
    hits = [pk for pk in range(1, 100_001) if plant_coding.planted(pk)]
    assert 1_800 <= len(hits) <= 2_200
    fields = {plant_coding.planted(pk) for pk in hits}
    assert fields == {"category_id", "product_line_id"}


def test_a_planted_row_gets_another_code_of_the_same_list() -> None:
    pk = next(pk for pk in range(1, 10_000) if plant_coding.planted(pk))
    field = plant_coding.planted(pk)
    assert field is not None
    row = {"id": pk, "category_id": 1, "product_line_id": 11}
    plant_coding.plant(row, CODES)
    changed = {k for k in ("category_id", "product_line_id") if row[k] not in (1, 11)}
    assert changed == {field}
    valid = range(1, 7) if field == "category_id" else range(11, 17)
    assert row[field] in valid


def test_an_unplanted_row_is_untouched() -> None:
    pk = next(pk for pk in range(1, 10_000) if not plant_coding.planted(pk))
    row = {"id": pk, "category_id": 1, "product_line_id": 11}
    plant_coding.plant(row, CODES)
    assert row == {"id": pk, "category_id": 1, "product_line_id": 11}
