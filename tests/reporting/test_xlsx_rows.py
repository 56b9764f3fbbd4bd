"""The list sheet written as XML text reads back as openpyxl would have written it."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from reporting import xlsx_rows


def _written(rows: list[list[object]]) -> list[tuple[object, ...]]:
    wb = Workbook(write_only=True)
    wb.create_sheet("first").append(["a sheet before the list"])
    ws = wb.create_sheet("list")
    ws.append(["number", "received", "name", "count"])
    date_xf = xlsx_rows.date_style(ws)
    out = io.BytesIO()
    xlsx_rows.save_with_rows(
        wb, out, 1, xlsx_rows.rows_xml(rows, first_row=2, date_xf=date_xf)
    )
    back = load_workbook(io.BytesIO(out.getvalue()))
    assert [c.value for c in back["first"][1]] == ["a sheet before the list"]
    return [tuple(r) for r in back["list"].iter_rows(values_only=True)]


def test_values_read_back_with_their_types() -> None:
    rows = _written(
        [
            ["TS2026-1", date(2026, 7, 3), '张三 <&> "李四"', 3],
            ["TS2026-2", None, " spaced ", 0],
        ]
    )
    assert rows[0] == ("number", "received", "name", "count")
    # openpyxl reads a date cell back as a naive datetime
    read_date = datetime(2026, 7, 3)  # noqa: DTZ001
    assert rows[1] == ("TS2026-1", read_date, '张三 <&> "李四"', 3)
    # An empty value is an empty cell; surrounding spaces are kept.
    assert rows[2] == ("TS2026-2", None, " spaced ", 0)


def test_control_characters_xml_cannot_carry_are_dropped() -> None:
    rows = _written([["TS2026-3", date(2026, 7, 3), "bad\x00\x1bname\tok", 1]])
    assert rows[1][2] == "badname\tok"


def test_no_rows_leaves_the_header() -> None:
    assert _written([]) == [("number", "received", "name", "count")]


def test_a_datetime_is_refused() -> None:
    moment = datetime(2026, 7, 3, 9)  # noqa: DTZ001
    with pytest.raises(TypeError):
        list(xlsx_rows.rows_xml([[moment]], first_row=2, date_xf=1))


def test_the_row_writer_writes_what_the_cell_writer_writes() -> None:
    """_row writes text, whole numbers and dates inline; every value comes out
    as _cell writes it, gaps and control characters included."""
    from decimal import Decimal

    values = [
        "TS2026-9",
        date(2026, 7, 3),
        "",
        None,
        ' a<&>"b" ',
        7,
        True,
        Decimal("12.50"),
        1.5,
        "=SUM(A1)",
        "否",
    ]
    letters = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"]
    cells = "".join(
        xlsx_rows._cell(f"{letter}5", v, 3)
        for letter, v in zip(letters, values, strict=True)
    )
    assert xlsx_rows._row(5, values, letters, 3) == f'<row r="5">{cells}</row>'
    bad = ["ok", "bad\x00name", 2]
    expected = "".join(
        xlsx_rows._cell(f"{letter}6", v, 3)
        for letter, v in zip(letters, bad, strict=False)
    )
    assert xlsx_rows._row(6, bad, letters, 3) == f'<row r="6">{expected}</row>'
    assert "\x00" not in expected
