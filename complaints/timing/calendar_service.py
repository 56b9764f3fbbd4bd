"""Writes to the working-day calendar (CalendarDay rows).

Three ways in: a whole year from the chinese-calendar package, one day edited
in the admin, and a whole year imported from a spreadsheet (the State Council
publishes each new year's schedule late in the year, before the package has
it). Every row is written through the model's save(), so the history records
who changed which day and why, and every change is followed by
`recompute_open_deadlines`, so the stored due dates of open complaints follow
the calendar.

A year counts as loaded as soon as it has one row (complaints.timing.workdays), and a
day missing from a loaded year would read as "unknown". Years therefore come in
whole: loaded from the package or imported complete, and a single day can only
be edited inside a loaded year.
"""

from __future__ import annotations

import calendar as std_calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.exchange import spreadsheets
from complaints.models import CalendarDay, ImportRecord
from complaints.services import recompute_open_deadlines
from complaints.timing import deadlines

NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length or 40
SOURCE_MAX_LENGTH = CalendarDay._meta.get_field("source").max_length or 60

UNKNOWN_YEAR = _(
    "The installed chinese-calendar %(version)s has no data for %(year)d (it covers "
    "%(first)d-%(last)d). Import that year's State Council schedule from a "
    "spreadsheet instead."
)
YEAR_NOT_LOADED = _(
    "The calendar of %(year)d is not loaded: load or import the whole year first."
)
BAD_DATE = _("“%(value)s” is not a date (write it as YYYY-MM-DD).")
BAD_WORKDAY = _(
    "“%(value)s” is not a working-day flag (write 1 or 0, true or false, 是 or 否)."
)
NAME_TOO_LONG = _("The name is longer than %(max)d characters.")
# PostgreSQL cannot store NUL in text; Django's own message (translated).
NAME_NUL = ProhibitNullCharactersValidator.message
DUPLICATE_DATE = _("%(day)s is already on line %(line)d.")
INCOMPLETE_YEAR = _(
    "The file has %(count)d of the %(days)d days of %(year)d; a year is imported "
    "whole or not at all."
)
MISSING_COLUMNS = _("The header row must name the columns date, is_workday and name.")
NO_ROWS = _("The file holds no calendar rows.")
BAD_FILE_TYPE = spreadsheets.BAD_FILE_TYPE
ROW_ERROR = _("Line %(line)d: %(message)s")

# Accepted spellings, compared after strip() and lower().
_TRUE = {"1", "true", "yes", "y", "t", "是", "工作日", "班", "上班"}
_FALSE = {"0", "false", "no", "n", "f", "否", "休息日", "休", "节假日", "假"}
_HEADERS = {
    "date": {"date", "day", "日期"},
    "is_workday": {"is_workday", "workday", "working day", "是否工作日", "工作日"},
    "name": {"name", "holiday", "note", "名称", "节日", "节假日", "备注"},
}


class CalendarError(ValidationError):
    """A calendar change was refused (nothing was written)."""


@dataclass(frozen=True)
class RowError:
    """One reason a file was refused; `line` is None for the file as a whole."""

    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return str(ROW_ERROR) % {"line": self.line, "message": self.message}


class CalendarImportError(CalendarError):
    """Some rows are invalid; every reason is in `row_errors`, nothing was written."""

    def __init__(self, row_errors: Sequence[RowError]) -> None:
        self.row_errors = list(row_errors)
        super().__init__([str(e) for e in self.row_errors])


@dataclass
class CalendarChange:
    """What a calendar write did (or, in a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deadlines_changed: int = 0
    years: set[int] = field(default_factory=set)
    dry_run: bool = False

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        text = gettext(
            "Calendar %(years)s: %(created)d days created, %(updated)d changed, "
            "%(unchanged)d unchanged; %(deadlines)d open complaints' deadlines "
            "recomputed."
        ) % {
            "years": ", ".join(str(y) for y in sorted(self.years)) or "-",
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deadlines": self.deadlines_changed,
        }
        if self.dry_run:
            text = gettext("Dry run, nothing written. %(summary)s") % {"summary": text}
        return text


# --- Writes -------------------------------------------------------------------
def calendar_load_year(
    *, year: int, actor: Any = None, dry_run: bool = False
) -> CalendarChange:
    """Load (or reload) every day of `year` from the chinese-calendar package.

    Idempotent: days that already match are left alone, so a second run
    changes nothing. Days edited by hand are overwritten by the package's
    values. Raises CalendarError for a year the package does not cover.
    """
    try:
        days = deadlines.chinese_calendar_year(year)
    except ValueError:
        covered = deadlines.chinese_calendar_years()
        raise CalendarError(
            UNKNOWN_YEAR,
            code="unknown_year",
            params={
                "version": chinese_calendar.__version__,
                "year": year,
                "first": covered.start,
                "last": covered.stop - 1,
            },
        ) from None
    source = f"chinese-calendar {chinese_calendar.__version__}"
    return _write(
        [(d, w, n[:NAME_MAX_LENGTH]) for d, w, n in days],
        actor=actor,
        source=source,
        reason=gettext("Loaded from %(source)s") % {"source": source},
        dry_run=dry_run,
    )


def calendar_set_day(
    *, day: date, is_workday: bool, name: str, actor: Any
) -> CalendarDay:
    """Make `day` a working day or a rest day (e.g. a late State Council notice).

    The day's year must already be loaded (see the module docstring). Saving the
    same values again writes nothing.
    """
    if not CalendarDay.objects.filter(day__year=day.year).exists():
        raise CalendarError(
            YEAR_NOT_LOADED, code="year_not_loaded", params={"year": day.year}
        )
    if len(name) > NAME_MAX_LENGTH:
        raise CalendarError(
            NAME_TOO_LONG, code="name_too_long", params={"max": NAME_MAX_LENGTH}
        )
    _write(
        [(day, is_workday, name)],
        actor=actor,
        source="edited by hand",
        reason=gettext("Edited by hand"),
    )
    return CalendarDay.objects.get(day=day)


def calendar_import_rows(
    *,
    rows: Iterable[Sequence[Any]],
    actor: Any,
    source: str = "",
    dry_run: bool = False,
) -> CalendarChange:
    """Import whole years from spreadsheet rows (date, is_workday, name).

    `rows` are the file's lines in order (line numbers count from 1); an
    optional header row on line 1 may name the columns in any order, and blank
    lines are skipped. Every row is checked first; any bad row, duplicate date
    or incomplete year raises CalendarImportError listing each problem with
    its line, and nothing is written.
    """
    entries = _validate(list(rows))
    label = source or "spreadsheet"
    return _write(
        entries,
        actor=actor,
        source=f"import: {label}",
        reason=gettext("Imported from %(file)s") % {"file": label},
        dry_run=dry_run,
    )


def calendar_import_record(
    *,
    actor: Any,
    filename: str,
    result: CalendarChange | None = None,
    invalid: int = 0,
) -> ImportRecord:
    """Log a confirmed calendar import (admin upload or `load_calendar --file`):
    committed with its counts, or refused with the number of problems."""
    user = actor if getattr(actor, "pk", None) else None
    return ImportRecord.objects.create(
        user=user,
        file_name=filename[:200],
        kind=ImportRecord.Kind.CALENDAR,
        new=result.created if result else 0,
        updated=result.updated if result else 0,
        unchanged=result.unchanged if result else 0,
        invalid=invalid,
        committed=result is not None,
    )


def _write(
    entries: list[tuple[date, bool, str]],
    *,
    actor: Any,
    source: str,
    reason: str,
    dry_run: bool = False,
) -> CalendarChange:
    result = CalendarChange(years={d.year for d, _w, _n in entries}, dry_run=dry_run)
    changed_years: set[int] = set()
    with transaction.atomic():
        existing = {
            row.day: row
            for row in CalendarDay.objects.select_for_update().filter(
                day__year__in=result.years
            )
        }
        for day, is_workday, name in entries:
            row = existing.get(day)
            if row is None:
                row = CalendarDay(day=day)
                result.created += 1
            elif row.is_workday == is_workday and row.name == name:
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            changed_years.add(day.year)
            if dry_run:
                continue
            row.is_workday, row.name = is_workday, name
            row.source = source[:SOURCE_MAX_LENGTH]
            row._history_user = actor  # type: ignore[attr-defined]
            row._change_reason = reason[:100]  # type: ignore[attr-defined]
            row.full_clean(validate_unique=False)
            row.save()
    # Each complaint is recomputed in its own short transaction (a long one
    # would lock every open complaint at once); `recompute_deadlines` repeats
    # the work if this step is interrupted.
    if changed_years and not dry_run:
        result.deadlines_changed = recompute_open_deadlines(
            years=changed_years, actor=actor
        )
    return result


# --- Validation -----------------------------------------------------------------
def _validate(rows: list[Sequence[Any]]) -> list[tuple[date, bool, str]]:
    errors: list[RowError] = []
    columns = (0, 1, 2)
    start = 0
    if rows and _is_header(rows[0]):
        start = 1
        found = _columns(rows[0])
        if found is None:
            raise CalendarImportError([RowError(1, str(MISSING_COLUMNS))])
        columns = found
    entries: list[tuple[date, bool, str]] = []
    seen: dict[date, int] = {}
    for index in range(start, len(rows)):
        line = index + 1
        cells = [_cell(rows[index], i) for i in columns]
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        row_errors: list[str] = []
        day = _parse_date(cells[0])
        if day is None:
            row_errors.append(BAD_DATE % {"value": _shown(cells[0])})
        is_workday = _parse_workday(cells[1])
        if is_workday is None:
            row_errors.append(BAD_WORKDAY % {"value": _shown(cells[1])})
        name = "" if cells[2] is None else str(cells[2]).strip()
        if len(name) > NAME_MAX_LENGTH:
            row_errors.append(NAME_TOO_LONG % {"max": NAME_MAX_LENGTH})
        if "\x00" in name:
            row_errors.append(str(NAME_NUL))
        if day is not None and day in seen:
            row_errors.append(DUPLICATE_DATE % {"day": day, "line": seen[day]})
        elif day is not None:
            seen[day] = line
        errors.extend(RowError(line, message) for message in row_errors)
        if not row_errors and day is not None and is_workday is not None:
            entries.append((day, is_workday, name))
    if not seen and not errors:
        raise CalendarImportError([RowError(None, str(NO_ROWS))])
    for year in sorted({d.year for d in seen}):
        count = sum(1 for d in seen if d.year == year)
        days = 366 if std_calendar.isleap(year) else 365
        if count != days:
            errors.append(
                RowError(
                    None,
                    INCOMPLETE_YEAR % {"count": count, "days": days, "year": year},
                )
            )
    if errors:
        raise CalendarImportError(errors)
    return entries


def _cell(row: Sequence[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


def _shown(value: Any) -> str:
    return "" if value is None else str(value).strip()[:40]


def _is_header(row: Sequence[Any]) -> bool:
    # A mistyped date on line 1 ("2027-02-30") is a bad row, not a header.
    first = _cell(row, 0)
    return isinstance(first, str) and not any(ch.isdigit() for ch in first)


def _columns(header: Sequence[Any]) -> tuple[int, int, int] | None:
    names = [str(c).strip().lstrip("\ufeff").lower() if c else "" for c in header]
    found: list[int] = []
    for key in ("date", "is_workday", "name"):
        matches = [i for i, n in enumerate(names) if n in _HEADERS[key]]
        if not matches:
            return None
        found.append(matches[0])
    return found[0], found[1], found[2]


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().replace("/", "-").replace(".", "-")
    # Excel on Chinese Windows writes 2027/1/1; ISO is 2027-01-01.
    parts = text.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _parse_workday(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


# --- Files ----------------------------------------------------------------------
def calendar_file_rows(*, filename: str, content: bytes) -> list[Sequence[Any]]:
    """The lines of an uploaded .xlsx or .csv file, in order, header included,
    within the import limits (complaints.exchange.spreadsheets).

    CSV may be UTF-8 (with or without BOM) or GB18030/GBK, which is what Excel
    on Chinese Windows writes. Raises CalendarError if the file is unreadable.
    """
    try:
        return list(
            spreadsheets.file_rows(filename=filename, content=content, header=False)
        )
    except spreadsheets.SpreadsheetError as exc:
        raise CalendarError(exc.messages[0], code=exc.code) from exc


def decode_csv(content: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), else GB18030/GBK."""
    try:
        return spreadsheets.decode_csv(content)
    except spreadsheets.SpreadsheetError as exc:
        raise CalendarError(exc.messages[0], code=exc.code) from exc
