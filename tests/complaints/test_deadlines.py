"""Deadline engine (complaints.timing.deadlines): pure tests, no database, no Django.

Expected dates were reasoned from DOMAIN.md §4 / domain-notes R25-R32 (Civil Code arts.
201-203 counting) and checked against chinese_calendar 1.11.0 before being written down.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from complaints.timing.deadlines import (
    DECISION_DAYS,
    ESCALATE_UP_AFTER_WORKING_DAYS,
    EXTENDED_DECISION_DAYS,
    FURTHER_EXTENSION_DAYS,
    MAX_EXTENSION_LEVEL,
    REMINDER_WORKING_DAYS,
    REVIEW_APPLICATION_DAYS,
    REVIEW_DECISION_DAYS,
    ChineseCalendarAdapter,
    DictCalendar,
    add_working_days,
    binding_due,
    chinese_calendar_year,
    chinese_calendar_years,
    decision_due,
    internal_target,
    is_provisional,
    legal_due,
    review_application_due,
    review_decision_due,
    working_days_left,
)

CN = ChineseCalendarAdapter()
D = date


def test_constants_match_the_rules():
    assert (DECISION_DAYS, EXTENDED_DECISION_DAYS, FURTHER_EXTENSION_DAYS) == (
        15,
        30,
        30,
    )
    assert MAX_EXTENSION_LEVEL == 2
    assert (REVIEW_APPLICATION_DAYS, REVIEW_DECISION_DAYS) == (30, 30)
    assert REMINDER_WORKING_DAYS == (5, 3, 1)
    assert ESCALATE_UP_AFTER_WORKING_DAYS == 3


# --- the calendar facts the tables below rely on --------------------------------------


def test_spring_festival_2026_and_national_day_2025_facts():
    sf = [D(2026, 2, 15) + timedelta(days=i) for i in range(9)]  # 02-15 .. 02-23
    assert all(chinese_calendar.is_workday(d) is False for d in sf)
    assert chinese_calendar.is_workday(D(2026, 2, 14))  # Saturday, 调休 workday
    assert chinese_calendar.is_workday(D(2026, 2, 28))  # Saturday, 调休 workday
    nd = [D(2025, 10, 1) + timedelta(days=i) for i in range(8)]  # 10-01 .. 10-08
    assert all(chinese_calendar.is_workday(d) is False for d in nd)
    assert chinese_calendar.is_workday(D(2025, 9, 28))  # Sunday, 调休 workday
    assert chinese_calendar.is_workday(D(2025, 10, 11))  # Saturday, 调休 workday


# --- decision_due: DOMAIN.md §4 examples and edge weeks -------------------------------

DECISION_CASES = [
    # (received, expected legal due, why)
    (D(2025, 9, 16), D(2025, 10, 9), "DOMAIN.md: day 15 = 10-01 National Day"),
    (D(2025, 9, 26), D(2025, 10, 11), "DOMAIN.md: day 15 = Sat 10-11, 调休 workday"),
    (D(2026, 3, 6), D(2026, 3, 23), "DOMAIN.md: day 15 = Sat 03-21"),
    # just before National Day 2025
    (D(2025, 9, 15), D(2025, 9, 30), "day 15 = Tue 09-30, last day before the break"),
    (D(2025, 9, 17), D(2025, 10, 9), "day 15 = 10-02 inside the holiday"),
    (D(2025, 9, 20), D(2025, 10, 9), "day 15 = Sun 10-05 inside the holiday"),
    (D(2025, 9, 23), D(2025, 10, 9), "day 15 = 10-08, last holiday day"),
    # just before Spring Festival 2026 (02-15..02-23 off; Sat 02-14 and 02-28 worked)
    (D(2026, 1, 30), D(2026, 2, 14), "day 15 = Sat 02-14, 调休 workday: no roll"),
    (D(2026, 1, 31), D(2026, 2, 24), "day 15 = 02-15, first holiday day"),
    (D(2026, 2, 5), D(2026, 2, 24), "day 15 = 02-20 inside the holiday"),
    (D(2026, 2, 8), D(2026, 2, 24), "day 15 = 02-23, last holiday day"),
    (D(2026, 2, 13), D(2026, 2, 28), "day 15 = Sat 02-28, 调休 workday: no roll"),
    (D(2026, 2, 14), D(2026, 3, 2), "day 15 = Sun 03-01"),
    # across the year end 2025 -> 2026 (New Year 01-01..01-03, Sun 01-04 worked)
    (D(2025, 12, 17), D(2026, 1, 4), "day 15 = 01-01 -> Sun 01-04 调休"),
    (D(2025, 12, 20), D(2026, 1, 4), "day 15 = Sun 01-04, 调休 workday"),
    # 2024 rows of domain-notes §5A.3
    (D(2024, 3, 1), D(2024, 3, 18), "§5A.3: day 15 = Sat 03-16"),
    (D(2024, 9, 20), D(2024, 10, 8), "§5A.3: day 15 = Sat 10-05 in holiday"),
    (D(2024, 1, 26), D(2024, 2, 18), "§5A.3: 02-10 holiday -> Sun 02-18 调休"),
]


@pytest.mark.parametrize(("received", "expected", "why"), DECISION_CASES)
def test_decision_due(received, expected, why):
    assert decision_due(received, CN) == expected, why
    assert not is_provisional(received, expected, CN)


@pytest.mark.parametrize(
    ("received", "level", "expected"),
    [
        # domain-notes §5A.3: 15 / 30 / 60 days from Fri 2024-03-01
        (D(2024, 3, 1), 0, D(2024, 3, 18)),
        (D(2024, 3, 1), 1, D(2024, 4, 1)),  # day 30 = Sun 03-31
        (D(2024, 3, 1), 2, D(2024, 4, 30)),  # day 60 = Tue 04-30, a working day
        (D(2025, 9, 16), 1, D(2025, 10, 16)),
        (D(2025, 9, 16), 2, D(2025, 11, 17)),  # day 60 = Sat 11-15
        (D(2026, 3, 6), 2, D(2026, 5, 6)),  # day 60 = 05-05 Labour Day holiday
    ],
)
def test_extension_levels(received, level, expected):
    assert decision_due(received, CN, extension_level=level) == expected


def test_second_extension_is_adjusted_once_at_the_end():
    # 2024-09-05: day 30 = Sat 10-05 (holiday, would roll to 10-08); day 60 = Mon 11-04.
    # Rolling day 30 first and then adding 30 would give 11-07: wrong.
    received = D(2024, 9, 5)
    assert decision_due(received, CN, extension_level=1) == D(2024, 10, 8)
    assert decision_due(received, CN, extension_level=2) == D(2024, 11, 4)


@pytest.mark.parametrize("level", [-1, 3, 15])
def test_invalid_extension_level_raises(level):
    with pytest.raises(ValueError, match="extension_level"):
        decision_due(D(2025, 3, 3), CN, extension_level=level)
    with pytest.raises(ValueError, match="extension_level"):
        internal_target(D(2025, 3, 3), extension_level=level)


@pytest.mark.parametrize(
    ("received", "paused", "expected"),
    [
        (D(2024, 3, 1), 10, D(2024, 3, 26)),  # §5A.3: day 25 = Tue 03-26
        (D(2025, 9, 6), 0, D(2025, 9, 22)),  # day 15 = Sun 09-21
        (D(2025, 9, 6), 10, D(2025, 10, 9)),  # pause pushes day 25 onto 10-01
    ],
)
def test_paused_days_are_excluded(received, paused, expected):
    assert decision_due(received, CN, paused_days=paused) == expected


# --- years the package does not cover -------------------------------------------------


@pytest.mark.parametrize(
    ("received", "level"),
    [
        (D(2026, 12, 17), 0),  # day 15 = 2027-01-01
        (D(2026, 12, 20), 0),
        (D(2026, 12, 31), 0),
        (D(2026, 12, 5), 1),  # day 30 = 2027-01-04
        (D(2026, 11, 24), 2),
    ],
)
def test_unloaded_year_is_never_later_and_is_provisional(received, level):
    limit = {0: 15, 1: 30, 2: 60}[level]
    due = decision_due(received, CN, extension_level=level)
    assert due <= received + timedelta(days=limit)  # never later than a plain count
    assert due == received + timedelta(days=limit)  # unknown days are never rolled over
    assert is_provisional(received, due, CN)


def test_year_end_2026_inside_loaded_data_is_not_provisional():
    assert decision_due(D(2026, 12, 16), CN) == D(2026, 12, 31)
    assert not is_provisional(D(2026, 12, 16), D(2026, 12, 31), CN)


def test_roll_forward_stops_at_an_unloaded_day():
    cal = DictCalendar([2026], {D(2026, 12, 31): False})
    # day 15 = Thu 2026-12-31 made a holiday -> rolls into 2027, unknown -> stops there
    assert legal_due(D(2026, 12, 16), 15, cal) == D(2027, 1, 1)
    assert is_provisional(D(2026, 12, 16), D(2027, 1, 1), cal)


# --- internal target: receipt = day 1, no roll-forward --------------------------------


@pytest.mark.parametrize(
    ("received", "kwargs", "expected"),
    [
        (D(2024, 3, 1), {}, D(2024, 3, 15)),  # §5A.3
        (D(2024, 3, 1), {"extension_level": 1}, D(2024, 3, 30)),  # §5A.3
        (D(2024, 3, 1), {"extension_level": 2}, D(2024, 4, 29)),  # §5A.3
        (D(2024, 9, 20), {}, D(2024, 10, 4)),  # §5A.3: inside the holiday, no roll
        (D(2024, 1, 26), {}, D(2024, 2, 9)),  # §5A.3
        (D(2024, 3, 1), {"paused_days": 10}, D(2024, 3, 25)),  # §5A.3: target + 10
        (D(2024, 3, 1), {"days": 10}, D(2024, 3, 10)),  # custom internal SLA
        (D(2027, 1, 4), {}, D(2027, 1, 18)),  # no calendar needed
    ],
)
def test_internal_target(received, kwargs, expected):
    assert internal_target(received, **kwargs) == expected


def test_internal_target_custom_days_with_extension_raises():
    with pytest.raises(ValueError, match="extension_level"):
        internal_target(D(2024, 3, 1), days=10, extension_level=1)


def test_internal_target_is_never_after_the_legal_due():
    day = D(2024, 1, 1)
    while day <= D(2026, 12, 31):
        for level in (0, 1, 2):
            target = internal_target(day, extension_level=level)
            assert target < decision_due(day, CN, extension_level=level)
        day += timedelta(days=1)


# --- review (Measures art. 20, unconfirmed) -------------------------------------------


@pytest.mark.parametrize(
    ("func", "start", "kwargs", "expected"),
    [
        (review_application_due, D(2025, 9, 1), {}, D(2025, 10, 9)),  # day 30 = 10-01
        (review_application_due, D(2026, 1, 15), {}, D(2026, 2, 14)),  # Sat 调休
        (review_application_due, D(2024, 3, 1), {}, D(2024, 4, 1)),  # Sun 03-31
        (review_decision_due, D(2025, 9, 1), {}, D(2025, 10, 9)),
        (review_decision_due, D(2025, 9, 1), {"paused_days": 5}, D(2025, 10, 9)),
        (review_decision_due, D(2025, 10, 1), {"paused_days": 2}, D(2025, 11, 3)),
    ],
)
def test_review_limits(func, start, kwargs, expected):
    assert func(start, CN, **kwargs) == expected


# --- binding_due ----------------------------------------------------------------------


def test_binding_due_takes_the_earliest():
    legal = decision_due(D(2025, 9, 16), CN)  # 2025-10-09
    target = internal_target(D(2025, 9, 16))  # 2025-09-30
    assert binding_due(legal, D(2025, 9, 25)) == D(2025, 9, 25)  # regulator earlier
    assert binding_due(legal, D(2025, 10, 20)) == legal  # regulator later
    assert binding_due(legal, None, target) == target
    assert binding_due(None, legal) == legal


@pytest.mark.parametrize("dues", [(), (None,), (None, None)])
def test_binding_due_without_dates_raises(dues):
    with pytest.raises(ValueError, match="at least one"):
        binding_due(*dues)


# --- working days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "due", "expected"),
    [
        (D(2025, 9, 26), D(2025, 10, 11), 6),  # 09-28 调休, 09-29, 09-30, 10-09..10-11
        (D(2025, 9, 30), D(2025, 10, 9), 1),  # the whole holiday counts for nothing
        (D(2026, 2, 13), D(2026, 2, 24), 2),  # Sat 02-14 调休 and 02-24
        (D(2025, 10, 9), D(2025, 10, 9), 0),  # due today
        (D(2025, 10, 9), D(2025, 9, 30), -1),  # overdue: 10-09 only
        (D(2025, 10, 13), D(2025, 10, 9), -3),  # 10-10, Sat 10-11 调休, 10-13
        (D(2026, 2, 24), D(2026, 2, 13), -2),  # 02-14, 02-24
        (D(2024, 3, 16), D(2024, 3, 15), 0),  # overdue on a Saturday: 0, see docstring
        (D(2026, 12, 28), D(2027, 1, 8), 11),  # unknown 2027 days all count as working
    ],
)
def test_working_days_left(today, due, expected):
    assert working_days_left(today, due, CN) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 9, 26), 15, D(2025, 10, 23)),  # stack-notes §7
        (D(2025, 9, 27), 15, D(2025, 10, 23)),  # start (Sat) is never counted
        (D(2025, 9, 30), 1, D(2025, 10, 9)),  # over National Day
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # Sun 09-28 is a 调休 workday
        (D(2025, 10, 9), -1, D(2025, 9, 30)),  # backwards over the holiday
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # Sat 02-14, then after Spring Festival
        (D(2025, 10, 9), 0, D(2025, 10, 9)),
        (D(2026, 12, 30), 3, D(2027, 1, 2)),  # unknown days count as working
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n, CN) == expected


def test_add_working_days_and_working_days_left_agree():
    start = D(2025, 9, 1)
    for n in range(0, 60):
        assert working_days_left(start, add_working_days(start, n, CN), CN) == n


# --- DictCalendar ---------------------------------------------------------------------


def test_dict_calendar_semantics():
    cal = DictCalendar([2030], {D(2030, 1, 1): False, D(2030, 1, 5): True})
    assert cal.is_workday(D(2030, 1, 1)) is False  # Tuesday, overridden holiday
    assert cal.is_workday(D(2030, 1, 2)) is True  # plain Wednesday
    assert cal.is_workday(D(2030, 1, 5)) is True  # Saturday made a workday
    assert cal.is_workday(D(2030, 1, 6)) is False  # plain Sunday
    assert cal.is_workday(D(2031, 1, 2)) is None  # year not loaded
    assert DictCalendar([2030]).is_workday(D(2030, 1, 1)) is True


def test_dict_calendar_rejects_overrides_outside_loaded_years():
    with pytest.raises(ValueError, match="outside the loaded years"):
        DictCalendar([2030], {D(2031, 1, 1): False})


def test_legal_due_with_dict_calendar():
    cal = DictCalendar([2030], {D(2030, 1, 16): False, D(2030, 1, 17): False})
    # 2030-01-01 + 15 = Wed 01-16 (holiday), Thu 01-17 (holiday) -> Fri 01-18
    assert legal_due(D(2030, 1, 1), 15, cal) == D(2030, 1, 18)
    # 2030-01-04 + 15 = Sat 01-19 -> Mon 01-21
    assert legal_due(D(2030, 1, 4), 15, cal) == D(2030, 1, 21)


@pytest.mark.parametrize(("days", "paused"), [(0, 0), (-1, 0), (15, -1)])
def test_legal_due_rejects_bad_counts(days, paused):
    with pytest.raises(ValueError, match="must be"):
        legal_due(D(2025, 3, 3), days, CN, paused_days=paused)


# --- chinese_calendar helpers ---------------------------------------------------------


def test_chinese_calendar_years_probed():
    years = chinese_calendar_years()
    assert years.start == 2004
    assert {2024, 2025, 2026} <= set(years)
    for year in (years.start - 1, years.stop):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(year, 6, 1))


def test_chinese_calendar_year_rows():
    rows = chinese_calendar_year(2025)
    assert len(rows) == 365
    by_day = {d: (w, name) for d, w, name in rows}
    assert by_day[D(2025, 10, 1)] == (False, "National Day")
    assert by_day[D(2025, 10, 11)] == (True, "National Day")  # 调休 keeps the name
    assert by_day[D(2025, 9, 28)] == (True, "National Day")
    assert by_day[D(2025, 9, 27)] == (False, "")  # plain Saturday
    assert by_day[D(2025, 9, 29)] == (True, "")
    assert len(chinese_calendar_year(2024)) == 366
    assert dict((d, w) for d, w, _ in chinese_calendar_year(2026))[D(2026, 2, 14)]


@pytest.mark.parametrize("year", [2003, 2027])
def test_chinese_calendar_year_unavailable_raises(year):
    with pytest.raises(ValueError, match=f"no data for {year}"):
        chinese_calendar_year(year)


def test_adapter_returns_none_for_uncovered_years():
    assert CN.is_workday(D(2027, 1, 4)) is None
    assert CN.is_workday(D(2026, 2, 14)) is True
    assert CN.is_workday(D(2026, 2, 15)) is False


# --- independent cross-check ----------------------------------------------------------


def _naive_due(received: date) -> date:
    due = received + timedelta(days=15)
    while chinese_calendar.is_workday(due) is False:
        due += timedelta(days=1)
    return due


def test_decision_due_matches_naive_computation_2024_2025():
    day = D(2024, 1, 1)
    checked = 0
    while day <= D(2025, 12, 31):
        assert decision_due(day, CN) == _naive_due(day), day
        day += timedelta(days=1)
        checked += 1
    assert checked == 731
