"""Many plain rows into one sheet of an openpyxl workbook, fast.

openpyxl builds a cell object per value and writes each through its styles
and type checks: 1.2 s for the regulator workbook's list of 11,000 group and
regulator-transferred complaints, most of the workbook's time. The list's
cells are plain (text, whole numbers, dates), so they are written here as XML
text: openpyxl writes the workbook with the sheet's header row, then the
sheet's part is copied with the rows added before `</sheetData>`.

Text is written as inline strings, escaped, without the control characters
XML cannot carry; dates as day numbers with the date style openpyxl itself
registered for a date cell of the same workbook.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

EXCEL_EPOCH = date(1899, 12, 30).toordinal()
# XML 1.0 allows tab, newline and carriage return among the control characters.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CHUNK = 2000


def date_style(ws: WriteOnlyWorksheet) -> int:
    """The style index of a date cell in `ws`'s workbook (openpyxl registers
    it the way it does for its own date cells)."""
    return int(WriteOnlyCell(ws, value=date(2000, 1, 1)).style_id)


def _cell(ref: str, value: Any, date_xf: int) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, Decimal, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):
        raise TypeError("datetimes need a time zone decision: pass a date")
    if isinstance(value, date):
        return (
            f'<c r="{ref}" s="{date_xf}"><v>{value.toordinal() - EXCEL_EPOCH}</v></c>'
        )
    text = escape(ILLEGAL.sub("", str(value)))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def text_cell(ref: str, text: str) -> str:
    """A cell of non-empty text as _cell writes it, without the control
    characters check (a row's writer checks the whole row once)."""
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _row(n: int, values: Sequence[Any], letters: list[str], date_xf: int) -> str:
    """The <row> of `values`: the common cells (text, whole numbers, dates)
    written inline, each other through _cell; the same XML as _cell per value.
    A call per cell was half of the regulator workbook's Python (156,000
    cells of its list)."""
    cells: list[str] = []
    append = cells.append
    for letter, v in zip(letters, values, strict=False):
        kind = v.__class__
        if kind is str:
            if v:
                append(text_cell(f"{letter}{n}", v))
        elif kind is int:
            append(f'<c r="{letter}{n}"><v>{v}</v></c>')
        elif kind is date:
            append(
                f'<c r="{letter}{n}" s="{date_xf}">'
                f"<v>{v.toordinal() - EXCEL_EPOCH}</v></c>"
            )
        else:
            append(_cell(f"{letter}{n}", v, date_xf))
    row = "".join(cells)
    if ILLEGAL.search(row):  # a control character in a text: cell by cell
        row = "".join(
            _cell(f"{letter}{n}", v, date_xf)
            for letter, v in zip(letters, values, strict=False)
        )
    return f'<row r="{n}">{row}</row>'


def rows_xml(
    rows: Iterable[Sequence[Any]], *, first_row: int, date_xf: int
) -> Iterable[str]:
    """The <row> elements of `rows`, numbered from `first_row`, in chunks."""
    letters: list[str] = []
    chunk: list[str] = []
    for n, values in enumerate(rows, start=first_row):
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        chunk.append(_row(n, values, letters, date_xf))
        if len(chunk) >= CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def save_with_rows(
    wb: Workbook, stream: IO[bytes], sheet_index: int, rows: Iterable[str]
) -> None:
    """Save `wb` into `stream` with the XML `rows` appended to the data of its
    sheet number `sheet_index` (0-based, in the order the sheets were made)."""
    written = io.BytesIO()
    wb.save(written)
    part = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    with (
        zipfile.ZipFile(written) as source,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != part:
                target.writestr(info, data, zipfile.ZIP_DEFLATED)
                continue
            xml = data.decode("utf-8")
            # The dimension openpyxl wrote covers the header only: drop it
            # (optional; readers compute it).
            xml = re.sub(r"<dimension [^>]*/>", "", xml, count=1)
            head, end, tail = xml.partition("</sheetData>")
            if not end:  # an empty sheet is written <sheetData />
                head, end, tail = xml.partition("<sheetData />")
                head, end = head + "<sheetData>", "</sheetData>"
            with target.open(info.filename, "w") as out:
                out.write(head.encode("utf-8"))
                for chunk in rows:
                    out.write(chunk.encode("utf-8"))
                out.write((end + tail).encode("utf-8"))
