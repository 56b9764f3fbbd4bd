"""The working-day calendar as stored data (CalendarDay rows)."""

from __future__ import annotations

from datetime import date

from complaints.models import CalendarDay


class DatabaseCalendar:
    """`WorkdayCalendar` over CalendarDay rows, one query per year touched.

    A year with no rows is not loaded: `is_workday` answers None, and the
    deadline functions then count on the safe side. Make one per unit of work
    (request, command run): it caches what it read.
    """

    def __init__(self) -> None:
        self._years: dict[int, dict[date, bool]] = {}

    def is_workday(self, day: date) -> bool | None:
        if day.year not in self._years:
            self._years[day.year] = dict(
                CalendarDay.objects.filter(day__year=day.year).values_list(
                    "day", "is_workday"
                )
            )
        return self._years[day.year].get(day)
