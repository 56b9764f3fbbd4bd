"""The working-day calendar as stored data (CalendarDay rows)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from complaints.models import CalendarDay, CalendarVersion

Years = dict[int, dict[date, bool]]

# The years read so far, and the CalendarVersion they were read under; shared
# by the process's threads, replaced (never edited back) when the version moves.
_shared: tuple[int | None, Years] = (None, {})


class DatabaseCalendar:
    """`WorkdayCalendar` over CalendarDay rows.

    The first answer costs one query for the calendar's version; the rows of a
    year are then read once per process and version (one query per year), so
    a registration does not read 365 rows. Any write to CalendarDay, through
    the services, raw SQL or another process, changes the version (triggers),
    and the next DatabaseCalendar reads the new rows.

    A year with no rows is not loaded: `is_workday` answers None, and the
    deadline functions then count on the safe side. Make one per unit of work
    (request, command run): it keeps the version it first saw.
    """

    def __init__(self) -> None:
        self._years: Years | None = None
        self._running: dict[int, list[int]] = {}

    def is_workday(self, day: date) -> bool | None:
        if self._years is None:
            self._years = _current()
        if day.year not in self._years:
            self._years[day.year] = dict(
                CalendarDay.objects.filter(day__year=day.year).values_list(
                    "day", "is_workday"
                )
            )
        return self._years[day.year].get(day)

    def count_working(self, after: date, through: date) -> int:
        """Working days in (after, through], a day of a year not loaded
        counted as working (deadlines._count_working's rule): each year's
        running count read twice, where walking the days asked for each one.
        The overdue list walked 4,600 days a page (issue 19)."""
        if through <= after:
            return 0
        whole = sum(self._running_count(y)[-1] for y in range(after.year, through.year))
        return (
            whole
            + self._running_count(through.year)[through.timetuple().tm_yday - 1]
            - self._running_count(after.year)[after.timetuple().tm_yday - 1]
        )

    def _running_count(self, year: int) -> list[int]:
        """[working days among the year's first n + 1 days for each n]."""
        if year not in self._running:
            day, total, running = date(year, 1, 1), 0, []
            while day.year == year:
                total += self.is_workday(day) is not False
                running.append(total)
                day += timedelta(days=1)
            self._running[year] = running
        return self._running[year]


def _current() -> Years:
    """The shared years if they belong to the version the database has now.

    The version is read before any row, so rows written after it was read only
    make the copy newer than its version, and the next check discards it.
    """
    global _shared
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version FROM {CalendarVersion._meta.db_table} WHERE id = 1"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is None:  # no version row (a flushed test database): nothing to trust
        return {}
    version, years = _shared
    if version != row[0]:
        years = {}
        _shared = (row[0], years)
    return years
