"""Writes to the working-day calendar and what they do to open complaints."""

from __future__ import annotations

import io
import random
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from complaints.models import CalendarDay, CalendarVersion, Complaint
from complaints.timing import calendar_service as cs
from complaints.timing.calendar_service import (
    CalendarError,
    CalendarImportError,
    RowError,
    calendar_file_rows,
    calendar_import_rows,
    calendar_load_year,
    calendar_set_day,
)
from complaints.timing.workdays import DatabaseCalendar
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db

HEADER = ("date", "is_workday", "name")
# 2027 is not in chinese-calendar 1.11.0; this stands in for the State Council's
# notice: New Year's Day and the Monday after it off.
HOLIDAYS_2027 = {date(2027, 1, 1): "元旦", date(2027, 1, 4): "元旦"}


def year_rows(
    year: int, holidays: dict[date, str] | None = None
) -> list[tuple[str, str, str]]:
    """Every day of `year` as spreadsheet text: weekends off, `holidays` off."""
    holidays = holidays or {}
    rows = []
    day = date(year, 1, 1)
    while day.year == year:
        workday = day.weekday() < 5 and day not in holidays
        rows.append((day.isoformat(), "1" if workday else "0", holidays.get(day, "")))
        day += timedelta(days=1)
    return rows


def csv_bytes(rows: list[tuple[str, str, str]], encoding: str) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[tuple[str, str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "是否工作日", "名称"])  # Chinese headers, native cell types
    for day, workday, name in rows:
        sheet.append([date.fromisoformat(day), workday == "1", name or None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FILES: dict[str, Callable[[list[tuple[str, str, str]]], tuple[str, bytes]]] = {
    "csv-gbk": lambda rows: ("2027.csv", csv_bytes(rows, "gbk")),
    "csv-utf8-bom": lambda rows: ("2027.csv", csv_bytes(rows, "utf-8-sig")),
    "xlsx": lambda rows: ("2027.xlsx", xlsx_bytes(rows)),
}


def import_file(filename: str, content: bytes, actor: Any = None) -> cs.CalendarChange:
    rows = calendar_file_rows(filename=filename, content=content)
    return calendar_import_rows(rows=rows, actor=actor, source=filename)


# --- Loading from the package ---------------------------------------------------
def test_load_year_creates_every_day_once_and_is_idempotent(outsider: Any) -> None:
    CalendarDay.objects.filter(day__year=2024).delete()

    written = CalendarDay.history.filter(day__year=2024).exclude(history_type="-")

    first = calendar_load_year(year=2024, actor=outsider)
    after_first = written.count()
    second = calendar_load_year(year=2024, actor=outsider)

    assert (first.created, first.updated, first.unchanged) == (366, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 366)
    assert written.count() == after_first == 366
    national_day = CalendarDay.objects.get(day=date(2024, 10, 1))
    assert national_day.is_workday is False
    assert national_day.source == "chinese-calendar 1.11.0"
    record = national_day.history.get()
    assert record.history_user == outsider
    assert record.history_change_reason == "Loaded from chinese-calendar 1.11.0"


def test_load_year_restores_a_day_changed_by_hand(admin_user: Any) -> None:
    calendar_set_day(day=date(2026, 5, 6), is_workday=False, name="x", actor=admin_user)

    result = calendar_load_year(year=2026)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 364)
    assert CalendarDay.objects.get(day=date(2026, 5, 6)).is_workday is True


def test_load_year_refuses_a_year_the_package_lacks() -> None:
    with pytest.raises(CalendarError, match="no data for 2027") as info:
        calendar_load_year(year=2027)
    assert info.value.code == "unknown_year"
    assert not CalendarDay.objects.filter(day__year=2027).exists()


# --- One day by hand -------------------------------------------------------------
def test_a_new_holiday_on_the_legal_due_date_moves_it(
    register: Any, tianhe_handler: Any, admin_user: Any, settings: Any
) -> None:
    settings.COMPLAINT_INTERNAL_TARGET = False
    c = register(tianhe_handler)  # received 2026-03-06: due Monday 2026-03-23
    assert (c.legal_due, c.due_on) == (date(2026, 3, 23), date(2026, 3, 23))
    history = c.history.count()

    day = calendar_set_day(
        day=date(2026, 3, 23), is_workday=False, name="临时调休", actor=admin_user
    )

    c.refresh_from_db()
    assert (c.legal_due, c.due_on) == (date(2026, 3, 24), date(2026, 3, 24))
    assert c.history.count() == history + 1
    latest = c.history.latest("history_id")
    assert latest.history_change_reason == "Deadline recomputed after a calendar change"
    assert latest.history_user == admin_user
    assert (day.is_workday, day.name, day.source) == (
        False,
        "临时调休",
        "edited by hand",
    )
    edit = day.history.latest("history_id")
    assert (edit.history_user, edit.history_change_reason) == (
        admin_user,
        "Edited by hand",
    )


def test_setting_a_day_to_what_it_is_writes_nothing(
    register: Any, tianhe_handler: Any, admin_user: Any
) -> None:
    c = register(tianhe_handler)
    before = (c.history.count(), CalendarDay.history.count())

    calendar_set_day(day=date(2026, 3, 23), is_workday=True, name="", actor=admin_user)

    assert (c.history.count(), CalendarDay.history.count()) == before


def test_a_day_of_an_unloaded_year_is_refused(admin_user: Any) -> None:
    with pytest.raises(CalendarError, match="2027 is not loaded"):
        calendar_set_day(
            day=date(2027, 1, 1), is_workday=False, name="元旦", actor=admin_user
        )
    assert not CalendarDay.objects.filter(day__year=2027).exists()


# --- Importing a spreadsheet -------------------------------------------------------
@pytest.mark.parametrize("kind", FILES)
def test_import_a_whole_year(kind: str, admin_user: Any) -> None:
    filename, content = FILES[kind](year_rows(2027, HOLIDAYS_2027))

    result = import_file(filename, content, admin_user)

    assert (result.created, result.updated, result.years) == (365, 0, {2027})
    assert CalendarDay.objects.filter(day__year=2027).count() == 365
    new_year = CalendarDay.objects.get(day=date(2027, 1, 1))
    assert (new_year.is_workday, new_year.name) == (False, "元旦")
    assert new_year.source == f"import: {filename}"
    assert CalendarDay.objects.get(day=date(2027, 1, 5)).is_workday is True
    assert import_file(filename, content).unchanged == 365  # idempotent


def test_importing_the_missing_year_clears_the_provisional_flag(
    register: Any, tianhe_handler: Any
) -> None:
    # Registered when it happened: a receipt is never in the future.
    with time_machine.travel(datetime(2026, 12, 21, 10, 0, tzinfo=SHANGHAI)):
        c = register(
            tianhe_handler, received_at=datetime(2026, 12, 20, 9, 0, tzinfo=SHANGHAI)
        )
        # Day 15 is 2027-01-04; with 2027 unknown it is taken as a working day.
        assert (c.legal_due, c.due_provisional) == (date(2027, 1, 4), True)

        filename, content = FILES["csv-gbk"](year_rows(2027, HOLIDAYS_2027))
        result = import_file(filename, content)

    c.refresh_from_db()
    assert result.deadlines_changed == 1
    assert (c.legal_due, c.due_provisional) == (date(2027, 1, 5), False)
    assert c.status == Complaint.Status.REGISTERED


def _line_of(day: date) -> int:
    """Spreadsheet line of `day` in a year_rows file with its header on line 1."""
    return (day - date(day.year, 1, 1)).days + 2


def _bad_date(rows: list[Any]) -> None:
    rows[_line_of(date(2027, 2, 1)) - 2] = ("2027-02-30", "1", "")


def _bad_flag(rows: list[Any]) -> None:
    rows[_line_of(date(2027, 3, 1)) - 2] = ("2027-03-01", "maybe", "")


def _incomplete(rows: list[Any]) -> None:
    del rows[-1]


def _duplicate(rows: list[Any]) -> None:
    rows.append(("2027-01-05", "0", "重复"))


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (
            _bad_date,
            RowError(33, "“2027-02-30” is not a date (write it as YYYY-MM-DD)."),
        ),
        (
            _bad_flag,
            RowError(
                61,
                "“maybe” is not a working-day flag (write 1 or 0, true or false, "
                "是 or 否).",
            ),
        ),
        (
            _incomplete,
            RowError(
                None,
                "The file has 364 of the 365 days of 2027; a year is imported whole "
                "or not at all.",
            ),
        ),
        (_duplicate, RowError(367, "2027-01-05 is already on line 6.")),
    ],
    ids=["bad-date", "bad-flag", "incomplete-year", "duplicate-date"],
)
def test_a_bad_file_is_refused_whole(
    spoil: Callable[[list[Any]], None], expected: RowError, admin_user: Any
) -> None:
    rows = year_rows(2027)
    spoil(rows)

    with pytest.raises(CalendarImportError) as info:
        calendar_import_rows(rows=[HEADER, *rows], actor=admin_user)

    assert expected in info.value.row_errors
    if expected.line is not None:
        assert f"Line {expected.line}: " in str(info.value)
    assert not CalendarDay.objects.filter(day__year=2027).exists()


def test_every_bad_row_is_reported_at_once() -> None:
    rows = year_rows(2027)
    _bad_date(rows)
    _bad_flag(rows)

    with pytest.raises(CalendarImportError) as info:
        calendar_import_rows(rows=[HEADER, *rows], actor=None)

    assert [e.line for e in info.value.row_errors] == [33, 61, None]


def test_a_file_of_an_unknown_kind_or_encoding_is_refused() -> None:
    with pytest.raises(CalendarError, match=r"\.xlsx or a \.csv"):
        calendar_file_rows(filename="2027.ods", content=b"")
    with pytest.raises(CalendarError, match="not an xlsx workbook"):
        calendar_file_rows(filename="2027.xlsx", content=b"not a zip")


def test_an_existing_year_can_be_corrected_by_import() -> None:
    rows = [(d.isoformat(), "1" if w else "0", n) for d, w, n in _year_2026()]
    rows[_line_of(date(2026, 3, 23)) - 2] = ("2026-03-23", "否", "补充通知")

    result = calendar_import_rows(rows=[HEADER, *rows], actor=None)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 364)
    assert CalendarDay.objects.get(day=date(2026, 3, 23)).name == "补充通知"


def _year_2026() -> list[tuple[date, bool, str]]:
    return list(
        CalendarDay.objects.filter(day__year=2026).values_list(
            "day", "is_workday", "name"
        )
    )


# --- Commands ------------------------------------------------------------------------
def test_load_calendar_command(tmp_path: Any) -> None:
    out = io.StringIO()
    call_command("load_calendar", "--year", "2026", stdout=out)
    assert out.getvalue().strip() == (
        "Calendar 2026: 0 days created, 0 changed, 365 unchanged; "
        "0 open complaints' deadlines recomputed."
    )

    path = tmp_path / "2027.csv"
    path.write_bytes(csv_bytes(year_rows(2027, HOLIDAYS_2027), "gbk"))
    out = io.StringIO()
    call_command("load_calendar", "--file", str(path), "--dry-run", stdout=out)
    assert out.getvalue().startswith("Dry run, nothing written. Calendar 2027: 365")
    assert not CalendarDay.objects.filter(day__year=2027).exists()

    call_command("load_calendar", "--file", str(path), stdout=io.StringIO())
    assert CalendarDay.objects.filter(day__year=2027).count() == 365


def test_load_calendar_command_fails_loudly(tmp_path: Any) -> None:
    with pytest.raises(CommandError, match="no data for 2027"):
        call_command("load_calendar", "--year", "2027")

    rows = year_rows(2027)
    _bad_flag(rows)
    path = tmp_path / "2027.csv"
    path.write_bytes(csv_bytes(rows, "utf-8"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problems in the file"):
        call_command("load_calendar", "--file", str(path), stderr=err)
    assert "Line 61: “maybe”" in err.getvalue()


def test_recompute_deadlines_command(
    register: Any, tianhe_handler: Any, settings: Any
) -> None:
    settings.COMPLAINT_INTERNAL_TARGET = False
    c = register(tianhe_handler)
    # A calendar row changed behind the services' back (e.g. a raw SQL fix).
    CalendarDay.objects.filter(day=date(2026, 3, 23)).update(is_workday=False)

    out = io.StringIO()
    call_command("recompute_deadlines", "--year", "2026", "--dry-run", stdout=out)
    c.refresh_from_db()
    assert c.legal_due == date(2026, 3, 23)
    assert "1 open complaints would change" in out.getvalue()

    out = io.StringIO()
    call_command("recompute_deadlines", stdout=out)
    c.refresh_from_db()
    assert c.legal_due == date(2026, 3, 24)
    assert out.getvalue().strip() == (
        "Deadlines recomputed: 1 open complaints changed."
    )


# --- The calendar kept in memory (complaints.timing.workdays) -------------------
def version() -> int | None:
    return CalendarVersion.objects.values_list("version", flat=True).first()


def test_every_kind_of_write_changes_the_calendar_version() -> None:
    day = date(2026, 3, 23)
    seen = [version()]
    CalendarDay.objects.filter(day=day).update(is_workday=False)
    seen.append(version())
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_calendarday SET name = %s WHERE day = %s", ["x", day]
        )
    seen.append(version())
    CalendarDay.objects.filter(day__year=2026, day__month=12).delete()
    seen.append(version())
    CalendarDay.objects.create(day=date(2099, 1, 1), is_workday=False)
    seen.append(version())
    list(CalendarDay.objects.filter(day__year=2026))  # reading changes nothing
    seen.append(version())
    assert None not in seen
    assert len(set(seen)) == 5
    assert seen[-1] == seen[-2]


def test_the_year_is_read_once_per_version() -> None:
    day = date(2026, 3, 23)
    CalendarDay.objects.filter(day=day).update(name="新版本")  # a version not read yet
    with CaptureQueriesContext(connection) as first:
        assert DatabaseCalendar().is_workday(day) is True
    with CaptureQueriesContext(connection) as second:
        assert DatabaseCalendar().is_workday(day) is True
    assert len(first.captured_queries) == 2  # the version, then the year's rows
    assert len(second.captured_queries) == 1  # the version only


def test_one_calendar_keeps_the_version_it_first_read() -> None:
    """One unit of work counts on one calendar, as before the shared copy."""
    day = date(2026, 3, 23)
    calendar = DatabaseCalendar()
    assert calendar.is_workday(day) is True
    CalendarDay.objects.filter(day=day).update(is_workday=False)
    assert calendar.is_workday(day) is True
    assert DatabaseCalendar().is_workday(day) is False


def test_registration_sees_calendar_rows_changed_behind_the_services_back(
    register: Any, tianhe_handler: Any
) -> None:
    # Received 2026-03-06: day 15 is Saturday 03-21, rolled to Monday 03-23.
    assert register(tianhe_handler).legal_due == date(2026, 3, 23)
    CalendarDay.objects.filter(day=date(2026, 3, 23)).update(is_workday=False)
    assert register(tianhe_handler).legal_due == date(2026, 3, 24)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_calendarday SET is_workday = %s WHERE day = %s",
            [False, date(2026, 3, 24)],
        )
    assert register(tianhe_handler).legal_due == date(2026, 3, 25)
    CalendarDay.objects.filter(day__year=2026).delete()
    unloaded = register(tianhe_handler)
    assert (unloaded.legal_due, unloaded.due_provisional) == (date(2026, 3, 21), True)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: two connections writing and reading at once",
)
@pytest.mark.django_db(transaction=True)
def test_registration_sees_a_calendar_change_committed_by_another_connection(
    register: Any, tianhe_handler: Any
) -> None:
    assert register(tianhe_handler).legal_due == date(2026, 3, 23)
    errors: list[BaseException] = []

    def other_process() -> None:
        try:
            with transaction.atomic():
                CalendarDay.objects.filter(day=date(2026, 3, 23)).update(
                    is_workday=False
                )
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    thread.join(timeout=30)
    assert errors == []
    assert register(tianhe_handler).legal_due == date(2026, 3, 24)


def test_counting_working_days_by_running_counts_equals_walking_them() -> None:
    """DatabaseCalendar.count_working (two look-ups a year) against the walk
    over every day it replaced, across year ends, the National Day week, a
    changed day and years with no rows (counted as working)."""
    from complaints.timing import deadlines

    day = CalendarDay.objects.get(day=date(2026, 10, 9))
    day.is_workday = not day.is_workday
    day.save()
    cal = DatabaseCalendar()

    def walked(after: date, through: date) -> int:
        days = deadlines._days_between(after, through)
        return sum(1 for d in days if cal.is_workday(d) is not False)

    years = sorted({d.year for d in CalendarDay.objects.dates("day", "year")})
    first = date(years[0] - 2, 12, 20)
    span = (date(years[-1] + 2, 1, 10) - first).days
    rng = random.Random(19)
    pairs = [
        (date(2026, 9, 30), date(2026, 10, 9)),
        (date(2026, 12, 31), date(2027, 1, 4)),
    ]
    for _ in range(400):
        after = first + timedelta(days=rng.randrange(span))
        pairs.append((after, after + timedelta(days=rng.randrange(-30, 900))))
    for after, through in pairs:
        assert cal.count_working(after, through) == walked(after, through), (
            after,
            through,
        )
    assert cal.count_working(date(2026, 9, 30), date(2026, 10, 7)) == 0  # 国庆
    # The deadlines count through it.
    assert deadlines.working_days_left(date(2026, 9, 30), date(2026, 10, 12), cal) == (
        walked(date(2026, 9, 30), date(2026, 10, 12))
    )
