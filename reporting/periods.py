"""Reporting periods: month, quarter, year or a custom range of days (pure).

Written and read as text so a period fits in a URL, a command-line option and
a spreadsheet cell: "2026-07" (month), "2026Q3" (quarter), "2026" (year),
"2026-07-01~2026-08-15" (custom, both days included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

BAD_PERIOD = _("Write a period as 2026Q3, 2026-07, 2026 or 2026-07-01~2026-08-15.")

_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})[-/Mm](\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:~|\.\.|至)\s*(\d{4}-\d{2}-\d{2})$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """Days `start` to `end`, both included."""

    start: date
    end: date
    kind: str  # "month" | "quarter" | "year" | "custom"

    def __str__(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "year":
            return f"{self.start.year}"
        return f"{self.start.isoformat()}~{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[first instant, first instant after) in `tz`, for datetime columns."""
        first = datetime.combine(self.start, time.min, tzinfo=tz)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)
        return first, after

    def months(self) -> list[Period]:
        """The calendar months this period touches, in order."""
        out: list[Period] = []
        day = self.start.replace(day=1)
        while day <= self.end:
            out.append(month(day.year, day.month))
            day = _next_month(day)
        return out

    def previous(self) -> Period:
        if self.kind == "month":
            day = self.start - timedelta(days=1)
            return month(day.year, day.month)
        if self.kind == "quarter":
            day = self.start - timedelta(days=1)
            return quarter(day.year, (day.month - 1) // 3 + 1)
        if self.kind == "year":
            return year(self.start.year - 1)
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period(end - length, end, "custom")


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month(y: int, m: int) -> Period:
    start = date(y, m, 1)
    return Period(start, _next_month(start) - timedelta(days=1), "month")


def quarter(y: int, q: int) -> Period:
    start = date(y, 3 * (q - 1) + 1, 1)
    end = _next_month(date(y, 3 * q, 1)) - timedelta(days=1)
    return Period(start, end, "quarter")


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31), "year")


def months_ending(day: date, count: int) -> list[Period]:
    """The `count` calendar months up to and including `day`'s month."""
    out = [month(day.year, day.month)]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out


def current_quarter(today: date) -> Period:
    return quarter(today.year, (today.month - 1) // 3 + 1)


def parse(text: str) -> Period:
    """Parse a period written as in the module docstring; PeriodError if not."""
    text = (text or "").strip()
    try:
        if m := _QUARTER.match(text):
            return quarter(int(m[1]), int(m[2]))
        if m := _MONTH.match(text):
            return month(int(m[1]), int(m[2]))
        if m := _YEAR.match(text):
            return year(int(m[1]))
        if m := _RANGE.match(text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise PeriodError(str(BAD_PERIOD))
            return Period(start, end, "custom")
    except ValueError as exc:  # month 13, 2026-02-30 ...
        raise PeriodError(str(BAD_PERIOD)) from exc
    raise PeriodError(str(BAD_PERIOD))
