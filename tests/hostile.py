"""Hypothesis strategies for hostile input, shared by the property tests of
every parser (spreadsheet imports, the intake API).

The values are what real files and clients send by mistake or on purpose:
huge strings, NUL and other control characters, bidi overrides, full-width
digits, Excel date serials, impossible dates, non-finite and over-long
numbers, spreadsheet formulas, and files in the wrong encoding.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Strings a person or a program sends by mistake, or to break things.
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "GD\x00GZ",
    "\u202eGDGZ",  # right-to-left override
    "\u2066motor\u2069",  # isolate
    "\u200bclaims",  # zero-width space
    "\ufeff监管",  # a stray BOM
    "\r\n",
    '"',
    "'",
    "\\",
    "𠀀𠀁",  # outside the BMP
    "ß" * 30,  # upper() doubles it
    "ﬃ" * 10,  # upper() triples it
    "ı",  # upper() is ASCII "I"
    "２０２６-０３-０６",  # full-width digits
    "٢٠٢٦-٠٣-٠٦",  # Arabic-Indic digits
    "①②③",  # digits int() refuses
    "²⁰²⁶",
    "46087",  # an Excel date serial
    "46087.5",
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026/3/6",
    "2026.03.06",
    "20260306",
    "2026-W10-1",
    "-1",
    "-0",
    "1e309",
    "-1e309",
    "1E5000",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "9" * 400,
    "1" * 30,
    "0.000000000000000000001",
    "1,234.50",
    "=1+1",
    "+1",
    "-2+3",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "true",
    "None",
    "null",
    "<script>alert(1)</script>",
    "%(x)s %d %s",
    "{value}",
]


def huge(size: int) -> st.SearchStrategy[str]:
    """One long string, built rather than drawn (drawing it is slow)."""
    return st.sampled_from(["x", "中", "\x00", "9", "𠀀"]).map(lambda c: c * size)


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Any text: arbitrary code points (control characters included), the nasty
    list, and now and then a very long string."""
    return st.one_of(
        st.sampled_from(NASTY_STRINGS),
        st.text(max_size=max_size),
        st.text(
            alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Nd"]),
            max_size=12,
        ),
        huge(100_001),
    )


def hostile_cell() -> st.SearchStrategy[Any]:
    """A spreadsheet cell: text, or what openpyxl reads from a typed cell."""
    return st.one_of(
        hostile_text(),
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.dates(min_value=date(1900, 1, 1)),
        # Excel keeps naive local times, from 1900 on.
        st.datetimes(min_value=datetime(1900, 1, 1)),  # noqa: DTZ001
        st.times(),
    )


ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "big5"]


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["" if c is None else str(c) for c in r] for r in rows])
    return out.getvalue().encode(encoding, errors="replace")


_ILLEGAL = re.compile(ILLEGAL_CHARACTERS_RE.pattern)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # Excel cannot hold control characters nor more than 32,767 per cell.
        return _ILLEGAL.sub("", value)[:32_767]
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    return value


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for r in rows:
        sheet.append([_xlsx_value(c) for c in r])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_forms() -> st.SearchStrategy[tuple[str, Any]]:
    """How rows reach the server: CSV in some encoding, xlsx, or now and then
    bytes that are no spreadsheet at all (the file name is kept)."""
    return st.one_of(
        st.tuples(st.just("csv"), st.sampled_from(ENCODINGS)),
        st.just(("xlsx", "")),
        st.tuples(
            st.sampled_from(["junk.csv", "junk.xlsx", "junk.ods"]),
            st.binary(max_size=200),
        ),
    )


def to_file(rows: Sequence[Sequence[Any]], form: tuple[str, Any]) -> tuple[str, bytes]:
    """`rows` as an uploaded file (name, content) in the given form."""
    kind, detail = form
    if kind == "csv":
        return "upload.csv", csv_bytes(rows, detail)
    if kind == "xlsx":
        return "upload.xlsx", xlsx_bytes(rows)
    return kind, detail


def template_pattern(*templates: Any) -> re.Pattern[str]:
    """A regex matching any of the message templates once formatted: proves an
    error is one of the declared (translatable) messages, not a raw exception."""
    parts = []
    for template in templates:
        text = re.escape(str(template))
        text = re.sub(r"%\\\(\w+\\\)[sd]", ".*", text)
        text = re.sub(r"\\\{\w+\\\}", ".*", text)
        parts.append(text)
    return re.compile("^(?:" + "|".join(parts) + ")$", re.DOTALL)
