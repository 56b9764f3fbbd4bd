"""Complaint time limits and day counting (pure: no Django, no ORM, no settings).

"Measures" = 《银行业保险业消费投诉处理管理办法》 (CBIRC Order 2020 No. 3).
Its limits are plain "日", i.e. calendar days. Day counting follows the Civil Code
(《民法典》) arts. 201-203: the day of receipt is not counted, and a last day that is
not a working day rolls forward to the next working day (a weekend made a working
day, 调休, counts as a working day). See DOMAIN.md §4 and domain-notes R25-R32.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

import chinese_calendar  # type: ignore[import-untyped]

# Measures art. 18: decide and notify within 15 days of receiving the complaint (R25).
DECISION_DAYS = 15
# Measures art. 18: complex cases may be extended to 30 days in total (R28).
EXTENDED_DECISION_DAYS = 30
# Measures art. 18: a further 30 days (60 in total) with upper-level or head-office
# approval and notice to the complainant (R29, R30).
FURTHER_EXTENSION_DAYS = 30
# Level 0 = 15 days, 1 = 30 days, 2 = 30 + 30 days; art. 18 allows nothing beyond (R30).
MAX_EXTENSION_LEVEL = 2
# Measures art. 20 (unconfirmed, "?" in DOMAIN.md §4): apply for review (核查)
# within 30 days of receiving the decision.
REVIEW_APPLICATION_DAYS = 30
# Measures art. 20 (unconfirmed, "?" in DOMAIN.md §4): review decided within 30 days of
# receiving the application.
REVIEW_DECISION_DAYS = 30
# Product rule, not the Measures' (DOMAIN.md §4, R32): due-soon reminders at these
# numbers of working days left.
REMINDER_WORKING_DAYS = (5, 3, 1)
# Product rule (DOMAIN.md §4): overdue goes one level further up after 3 working days.
ESCALATE_UP_AFTER_WORKING_DAYS = 3

_LIMIT_BY_LEVEL = {
    0: DECISION_DAYS,
    1: EXTENDED_DECISION_DAYS,
    # Counted from receipt and adjusted once at the end, not "roll day 30, then add 30".
    2: EXTENDED_DECISION_DAYS + FURTHER_EXTENSION_DAYS,
}
_ONE_DAY = timedelta(days=1)


class WorkdayCalendar(Protocol):
    def is_workday(self, day: date) -> bool | None:
        """True/False for a loaded year; None when the day's year is not loaded."""
        ...


class DictCalendar:
    """In-memory calendar: Mon-Fri work in loaded years unless overridden."""

    def __init__(
        self, years: Iterable[int], overrides: Mapping[date, bool] | None = None
    ) -> None:
        self.years = frozenset(years)
        self.overrides = dict(overrides or {})
        # An override in an unloaded year would be silently ignored; refuse it instead.
        stray = sorted(d for d in self.overrides if d.year not in self.years)
        if stray:
            raise ValueError(
                f"overrides outside the loaded years {sorted(self.years)}: {stray}"
            )

    def is_workday(self, day: date) -> bool | None:
        if day.year not in self.years:
            return None
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5


class ChineseCalendarAdapter:
    """The State Council schedule as shipped in the chinese_calendar package."""

    def is_workday(self, day: date) -> bool | None:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # the package raises for years it has no data for
            return None


@lru_cache(maxsize=1)
def chinese_calendar_years() -> range:
    """Years the installed chinese_calendar covers.

    Probed, not hardcoded, so a package bump needs no code change."""
    covered = [
        y
        for y in range(2000, 2101)
        if ChineseCalendarAdapter().is_workday(date(y, 1, 1)) is not None
    ]
    if not covered:
        return range(0)
    return range(covered[0], covered[-1] + 1)


def chinese_calendar_year(year: int) -> list[tuple[date, bool, str]]:
    """Every day of `year` as (date, is_workday, holiday name or '').

    For a 调休 working day the name is the holiday it makes up for (e.g. 2025-10-11 ->
    'National Day'); ordinary weekends and working days have ''.
    """
    if year not in chinese_calendar_years():
        years = chinese_calendar_years()
        raise ValueError(
            f"chinese_calendar {chinese_calendar.__version__} has no data for {year} "
            f"(covers {years.start}-{years.stop - 1}); "
            "load that year's State Council notice"
        )
    out: list[tuple[date, bool, str]] = []
    day = date(year, 1, 1)
    while day.year == year:
        _, name = chinese_calendar.get_holiday_detail(day)
        out.append((day, bool(chinese_calendar.is_workday(day)), name or ""))
        day += _ONE_DAY
    return out


def _roll_forward(day: date, calendar: WorkdayCalendar) -> date:
    # Civil Code art. 203: a last day that is a rest day or holiday moves to the next
    # working day. Only an explicit False moves it: an unloaded year (None) is never
    # assumed to be a holiday, so the result is never later than the true date.
    while calendar.is_workday(day) is False:
        day += _ONE_DAY
    return day


def legal_due(
    start: date, days: int, calendar: WorkdayCalendar, *, paused_days: int = 0
) -> date:
    """Civil Code arts. 201-203: day 1 is start + 1; the due day is
    start + days + paused_days, rolled forward to the next working day.

    `paused_days` are appraisal/testing pauses excluded by Measures art. 18 (R31).
    """
    if days < 1 or paused_days < 0:
        raise ValueError(
            f"days must be >= 1 and paused_days >= 0 (got {days}, {paused_days})"
        )
    return _roll_forward(start + timedelta(days=days + paused_days), calendar)


def _decision_limit(extension_level: int) -> int:
    try:
        return _LIMIT_BY_LEVEL[extension_level]
    except KeyError:
        raise ValueError(
            f"extension_level must be 0..{MAX_EXTENSION_LEVEL}, got {extension_level!r}"
        ) from None


def decision_due(
    received_on: date,
    calendar: WorkdayCalendar,
    *,
    extension_level: int = 0,
    paused_days: int = 0,
) -> date:
    """Legal decision-and-notice deadline (Measures art. 18, R25-R30).

    Level 0: 15 days, 1: 30 days, 2: 60 days, all from receipt."""
    return legal_due(
        received_on, _decision_limit(extension_level), calendar, paused_days=paused_days
    )


def internal_target(
    received_on: date,
    *,
    days: int = DECISION_DAYS,
    extension_level: int = 0,
    paused_days: int = 0,
) -> date:
    """Strict internal target (domain-notes §2.5, R26): the day of receipt is day 1
    and there is no roll-forward, so received_on + limit - 1 + paused_days.

    With the default `days` the limit follows `extension_level` like decision_due
    (15/30/60). A custom `days` (an internal SLA) is used as is and cannot be
    combined with an extension level.
    """
    if days == DECISION_DAYS:
        limit = _decision_limit(extension_level)
    elif extension_level != 0:
        raise ValueError(
            "extension_level applies only to the default DECISION_DAYS limit"
        )
    else:
        limit = days
    if limit < 1 or paused_days < 0:
        raise ValueError(
            f"days must be >= 1 and paused_days >= 0 (got {limit}, {paused_days})"
        )
    return received_on + timedelta(days=limit - 1 + paused_days)


def review_application_due(
    decision_received_on: date, calendar: WorkdayCalendar
) -> date:
    """Last day to apply for review (Measures art. 20, unconfirmed).

    30 days from the day the complainant received the decision."""
    return legal_due(decision_received_on, REVIEW_APPLICATION_DAYS, calendar)


def review_decision_due(
    applied_on: date, calendar: WorkdayCalendar, *, paused_days: int = 0
) -> date:
    """Review decision deadline (Measures art. 20, unconfirmed).

    30 days from receiving the application."""
    return legal_due(
        applied_on, REVIEW_DECISION_DAYS, calendar, paused_days=paused_days
    )


def binding_due(*dues: date | None) -> date:
    """The earliest date binds: legal due, regulator feedback date, internal target."""
    known = [d for d in dues if d is not None]
    if not known:
        raise ValueError("binding_due needs at least one date")
    return min(known)


def _days_between(after: date, through: date) -> Iterable[date]:
    day = after + _ONE_DAY
    while day <= through:
        yield day
        day += _ONE_DAY


def _count_working(after: date, through: date, calendar: WorkdayCalendar) -> int:
    counted = getattr(calendar, "count_working", None)  # DatabaseCalendar's
    if counted is not None:
        return int(counted(after, through))
    days = _days_between(after, through)
    return sum(1 for d in days if calendar.is_workday(d) is not False)


def is_provisional(start: date, due: date, calendar: WorkdayCalendar) -> bool:
    """True when a day in (start, due] has no calendar.

    Someone must load that year and `due` must be recomputed (it may move later)."""
    return any(calendar.is_workday(d) is None for d in _days_between(start, due))


def working_days_left(today: date, due: date, calendar: WorkdayCalendar) -> int:
    """Working days after `today` up to and including `due`.

    Sign convention: positive = working days still available; 0 = due today;
    negative when overdue = -(working days after `due` up to and including `today`).
    An overdue case on a rest day right after its due day also gives 0, so test
    `today > due` for "overdue". Unknown days (unloaded year) count as working days.
    """
    if due >= today:
        return _count_working(today, due, calendar)
    return -_count_working(due, today, calendar)


def add_working_days(start: date, n: int, calendar: WorkdayCalendar) -> date:
    """The n-th working day after `start` (n < 0: before it; n == 0: `start` itself).

    `start` itself is never counted, whatever its kind. Unknown days count as working.
    """
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    day, remaining = start, abs(n)
    while remaining:
        day += step
        if calendar.is_workday(day) is not False:
            remaining -= 1
    return day
