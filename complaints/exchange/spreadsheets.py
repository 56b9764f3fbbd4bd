"""Reading an uploaded spreadsheet within bounds, for every import.

An upload is refused before it is parsed when it is larger than
COMPLAINT_IMPORT_MAX_MB, or (xlsx) when its unpacked parts exceed
COMPLAINT_IMPORT_MAX_UNPACKED_MB (a zip bomb) or its sheet declares more rows
than COMPLAINT_IMPORT_MAX_ROWS. Then the rows are read one at a time (openpyxl
read-only mode, the csv module on the decoded text) and reading stops at the
first row past the row limit or the first cell longer than
COMPLAINT_IMPORT_MAX_CELL_CHARS, so no file costs more than the limits allow.

Every refusal is a translated message with the limit in it; the text of the
parser's exception (English, often cryptic: "File is not a zip file",
"illegal multibyte sequence") never reaches the user.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULTS = {
    "COMPLAINT_IMPORT_MAX_MB": 10,
    "COMPLAINT_IMPORT_MAX_UNPACKED_MB": 200,
    "COMPLAINT_IMPORT_MAX_ROWS": 50_000,
    "COMPLAINT_IMPORT_MAX_CELL_CHARS": 10_000,
}
# Columns read from each row: every import has fewer than 20; a sheet whose
# formatting claims 16,384 columns is read as this many.
MAX_COLUMNS = 100

FILE_TOO_LARGE = _("The file is larger than %(max)d MB.")
UNPACKED_TOO_LARGE = _(
    "The workbook unpacks to more than %(max)d MB: save only the data sheet "
    "and upload it again."
)
TOO_MANY_ROWS = _(
    "The file has more than %(max)d rows: split it into files of at most %(max)d rows."
)
CELL_TOO_LONG = _(
    "Line %(line)d: a cell is longer than %(max)d characters, the limit for one cell."
)
BAD_FILE_TYPE = _("Upload an .xlsx or a .csv file.")
NOT_XLSX = _(
    "The file is not an xlsx workbook (it may be damaged, or an older .xls): "
    "open it in Excel or WPS and save it as .xlsx."
)
NOT_TEXT = _(
    "The CSV file is neither UTF-8 nor GBK/GB18030 text: save it again as “CSV UTF-8”."
)
BROKEN_CSV = _(
    "Line %(line)d of the CSV file cannot be read (a quote left open or a "
    "control character): correct it or save the file as .xlsx."
)
EMPTY_FILE = _("The file holds no rows.")
HEADER_ONLY = _("The file holds a header row but no data rows: nothing to import.")
MISSING_HEADERS = _("The header row lacks the columns: %(columns)s.")
DUPLICATE_HEADERS = _(
    "The header row names these columns more than once: %(columns)s. Keep one of each."
)
UNKNOWN_HEADERS = _(
    "The header row has columns this import does not know: %(columns)s. "
    "Remove them or use the import template."
)


class SpreadsheetError(ValidationError):
    """The file as a whole was refused (size, format, limits, header)."""


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def max_bytes() -> int:
    return limit("COMPLAINT_IMPORT_MAX_MB") << 20


def check_size(size: int) -> None:
    if size > max_bytes():
        raise SpreadsheetError(
            FILE_TOO_LARGE,
            code="too_large",
            params={"max": limit("COMPLAINT_IMPORT_MAX_MB")},
        )


def file_rows(
    *, filename: str, content: bytes, header: bool = True
) -> list[tuple[Any, ...]]:
    """The rows of an uploaded .xlsx or .csv file within the limits; raises
    SpreadsheetError otherwise. With a header (the default) blank rows are
    dropped and a file of the header alone is refused."""
    rows, _more = _bounded(_source(filename, content), header=header, stop=None)
    return rows


def head_rows(
    *, filename: str, content: bytes, rows: int
) -> tuple[list[tuple[Any, ...]], bool]:
    """The header and at most `rows` data rows, and whether more follow:
    what a request may read of a file (the rest is the task worker's). An
    xlsx of more rows than that answers ([], True) before it is parsed."""
    source = _source(filename, content)
    if _is_xlsx(filename):
        count = xlsx_row_count(content)
        _refuse_rows(count)
        if count > rows + 1:
            return [], True
    return _bounded(source, header=True, stop=rows)


def _refuse_rows(count: int) -> None:
    max_rows = limit("COMPLAINT_IMPORT_MAX_ROWS")
    if count > max_rows + 1:  # the header is not a data row
        raise SpreadsheetError(
            TOO_MANY_ROWS, code="too_many_rows", params={"max": max_rows}
        )


def _is_xlsx(filename: str) -> bool:
    return filename.lower().endswith(".xlsx")


def _source(filename: str, content: bytes) -> Iterator[tuple[Any, ...]]:
    check_size(len(content))
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "xlsx":
        _check_package(content)
        return _xlsx_rows(content)
    if suffix == "csv":
        return _csv_rows(content)
    raise SpreadsheetError(BAD_FILE_TYPE, code="bad_file_type")


def _bounded(
    read: Iterable[tuple[Any, ...]], *, header: bool, stop: int | None
) -> tuple[list[tuple[Any, ...]], bool]:
    max_rows, max_chars = (
        limit("COMPLAINT_IMPORT_MAX_ROWS"),
        limit("COMPLAINT_IMPORT_MAX_CELL_CHARS"),
    )
    rows: list[tuple[Any, ...]] = []
    for line, row in enumerate(read, start=1):
        for cell in row:
            if isinstance(cell, str) and len(cell) > max_chars:
                raise SpreadsheetError(
                    CELL_TOO_LONG,
                    code="cell_too_long",
                    params={"line": line, "max": max_chars},
                )
        if header and not any(_filled(c) for c in row):
            continue
        if stop is not None and len(rows) == stop + header:
            return rows, True
        rows.append(row)
        if len(rows) > max_rows + header:  # the header is not a data row
            raise SpreadsheetError(
                TOO_MANY_ROWS, code="too_many_rows", params={"max": max_rows}
            )
    if not any(any(_filled(c) for c in row) for row in rows):
        raise SpreadsheetError(EMPTY_FILE, code="empty")
    if header and len(rows) == 1:
        raise SpreadsheetError(HEADER_ONLY, code="header_only")
    return rows, False


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _check_package(content: bytes) -> None:
    """A zip whose parts unpack within the limit (before anything unpacks)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetError(NOT_XLSX, code="unreadable") from exc
    max_unpacked = limit("COMPLAINT_IMPORT_MAX_UNPACKED_MB")
    if unpacked > max_unpacked << 20:
        raise SpreadsheetError(
            UNPACKED_TOO_LARGE, code="too_large", params={"max": max_unpacked}
        )


def _xlsx_rows(content: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook  # only needed for uploads

    # Counted on the unpacked XML before openpyxl sees it: openpyxl parses a
    # whole sheet that states no <dimension> as it opens the workbook.
    _refuse_rows(xlsx_row_count(content))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise SpreadsheetError(NOT_XLSX, code="unreadable") from exc
    try:
        sheet = workbook.worksheets[0]
        # A stated <dimension> is not trusted: openpyxl would pad the rows up
        # to it (a million empty rows from a one-row sheet claiming A1:A1048576).
        sheet.reset_dimensions()
        # Read-only sheets are parsed while iterating: a damaged sheet fails here.
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield _trimmed(row)
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError(NOT_XLSX, code="unreadable") from exc
    finally:
        workbook.close()


# A row element (<row ...>, <x:row>), not <rowBreaks>.
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CHUNK = 1 << 20


def xlsx_row_count(content: bytes) -> int:
    """The row elements of the workbook's first worksheet, counted on its
    unpacked XML in chunks (an upper bound of the rows: blank ones count)."""
    from openpyxl.reader.excel import ExcelReader, _find_workbook_part
    from openpyxl.reader.workbook import WorkbookParser

    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True)
        reader.read_manifest()
        part = _find_workbook_part(reader.package)
        parser = WorkbookParser(reader.archive, part.PartName[1:])
        parser.parse()
        paths = [
            rel.target
            for _sheet, rel in parser.find_sheets()
            if rel.Type.endswith("/worksheet")
        ]
        if not paths:
            raise SpreadsheetError(NOT_XLSX, code="unreadable")
        count, tail = 0, b""
        with reader.archive.open(paths[0].lstrip("/")) as sheet:
            while chunk := sheet.read(_CHUNK):
                buffer = tail + chunk
                count += sum(
                    1 for m in _ROW_TAG.finditer(buffer) if m.end() > len(tail)
                )
                tail = buffer[-64:]
        return count
    except SpreadsheetError:
        raise
    except Exception as exc:  # a damaged package: many exception types
        raise SpreadsheetError(NOT_XLSX, code="unreadable") from exc


def _trimmed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row without the empty cells padded after its last value."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def _csv_rows(content: bytes) -> Iterator[tuple[Any, ...]]:
    reader = csv.reader(io.StringIO(decode_csv(content), newline=""))
    try:
        for row in reader:
            yield tuple(row[:MAX_COLUMNS])
    except csv.Error as exc:  # e.g. a cell over csv.field_size_limit(), a NUL
        if "field limit" in str(exc):  # the csv module's own cap (128 KiB)
            raise SpreadsheetError(
                CELL_TOO_LONG,
                code="cell_too_long",
                params={
                    "line": reader.line_num,
                    "max": limit("COMPLAINT_IMPORT_MAX_CELL_CHARS"),
                },
            ) from exc
        raise SpreadsheetError(
            BROKEN_CSV, code="unreadable", params={"line": reader.line_num}
        ) from exc


def decode_csv(content: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), else GB18030/GBK."""
    # utf-8-sig also reads UTF-8 without a BOM; GBK bytes with Chinese text are
    # practically never valid UTF-8, so the fallback is safe.
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(NOT_TEXT, code="unreadable") from exc


def header_index(
    header: Sequence[str], *, known: Sequence[str], required: Sequence[str]
) -> dict[str, int]:
    """Each known column's position; refuses a header naming a column twice,
    lacking a required one or naming one the import does not know (a typo
    would otherwise leave a column silently empty)."""
    named = [h for h in header if h]
    duplicates = sorted({h for h in named if named.count(h) > 1}, key=named.index)
    if duplicates:
        raise SpreadsheetError(
            DUPLICATE_HEADERS,
            code="headers",
            params={"columns": "、".join(duplicates)},
        )
    missing = [c for c in required if c not in named]
    if missing:
        raise SpreadsheetError(
            MISSING_HEADERS, code="headers", params={"columns": "、".join(missing)}
        )
    unknown = [h for h in named if h not in known]
    if unknown:
        raise SpreadsheetError(
            UNKNOWN_HEADERS, code="headers", params={"columns": "、".join(unknown)}
        )
    return {name: header.index(name) for name in known if name in header}


# Every message a refused file may carry (tests check no other text appears).
FILE_MESSAGES = (
    FILE_TOO_LARGE,
    UNPACKED_TOO_LARGE,
    TOO_MANY_ROWS,
    CELL_TOO_LONG,
    BAD_FILE_TYPE,
    NOT_XLSX,
    NOT_TEXT,
    BROKEN_CSV,
    EMPTY_FILE,
    HEADER_ONLY,
    MISSING_HEADERS,
    DUPLICATE_HEADERS,
    UNKNOWN_HEADERS,
)
