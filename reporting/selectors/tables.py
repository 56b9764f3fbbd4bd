"""The KPIs of a subtree and period, overall and by dimensions, in two queries.

A dashboard shows the summary and four breakdowns; the regulator's workbook
more. Each as its own query read the same hundred thousand complaints again
and evaluated some thirty conditions per row each time: seconds at a million
complaints. Here the relevant complaints are read once, each condition is
evaluated once per row into a 0/1 column, and every table is a plain sum of
those columns, all tables from one read (GROUPING SETS on PostgreSQL):

    SELECT GROUPING(k_category, ...), k_category, ..., SUM(m_received), ...
    FROM (SELECT k_category, ..., m_received, m_on_time, ... FROM ...) s
    GROUP BY GROUPING SETS ((), (k_category), ...)

A second query of the same shape counts the concluded per handling-days value
for the 90th percentile (kpis.percentile_of_counts).

The definitions stay those of kpis.METRICS, so a number here, its drill-down
list (kpis.complaints_behind) and the monthly trend agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.paginator import Page, Paginator
from django.db import DatabaseError, connections
from django.db.models import (
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from complaints.timing.workdays import DatabaseCalendar
from organisations.models import Institution
from reporting.periods import Period
from reporting.selectors.kpis import (
    DIMENSIONS,
    METRICS,
    NOT_RECORDED,
    OWN_LEVEL,
    Actor,
    Window,
    _child_key,
    _finish,
    _relevant,
    as_date,
    children_of,
    complaints_in,
    metric_q,
    percentile_of_counts,
    reads_live,
    require_reports,
    window,
)

# Non-count figures: (column, the metric whose rows they are taken over),
# read as the sum of `column` over those rows and divided by their count.
AVERAGES = {
    "handling_days_avg": ("handling_days", "concluded"),
    "satisfaction_avg": ("satisfaction", "callbacks"),
}


def kpi_summary(
    *, user: Actor, institution: Institution, period: Period, today: date | None = None
) -> dict[str, Any]:
    """Every KPI of kpis' docstring for one subtree and period."""
    summary, _tables = kpi_tables(
        user=user, institution=institution, period=period, by=(), today=today
    )
    return summary


def kpi_breakdown(
    *,
    user: Actor,
    institution: Institution,
    period: Period,
    by: str,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The KPIs per channel, product line, category, cause or child institution.

    Each row has ``key`` (the code to drill down with) and ``label``; codes
    without complaints are left out, child institutions are all listed.
    """
    _summary, tables = kpi_tables(
        user=user, institution=institution, period=period, by=(by,), today=today
    )
    return tables[by]


def kpi_tables(
    *,
    user: Actor,
    institution: Institution,
    period: Period,
    by: Sequence[str],
    today: date | None = None,
    live: bool | None = None,
    percentiles: Sequence[str] | None = None,
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The summary and one breakdown per dimension of `by` (three queries).

    The percentiles and the median (handling_days_p90, working_days_*) are
    computed for the summary and the dimensions of `percentiles` (all of `by`
    when None); elsewhere they are None. A page that shows them for one
    breakdown spares the count per (received, ended) pair of the others: at
    a million complaints, 40,000 pairs read and walked in Python instead of
    15,000 for the compliance dashboard.

    The additive figures come from the rollup (reporting.rollup), the "as
    of" ones from the complaints open at the period's end, the percentiles
    from the complaints concluded in it. With `live`, every figure is read
    from the complaints (two queries): what the rollup is tested against.
    `live` None follows the setting REPORTING_KPI_ROLLUP (reads_live).
    """
    spread = tuple(by if percentiles is None else percentiles)
    for dim in by:
        if dim not in DIMENSIONS:
            raise ValueError(dim)
    if not set(spread) <= set(by):
        raise ValueError(spread)
    live = reads_live(live)
    w = window(period, today)
    children = children_of(institution) if "institution" in by else []
    concluded = _per_complaint(user, institution, w, spread, children, concluded=True)
    if live:
        figures = _per_complaint(user, institution, w, by, children)
        groups = _grouped(figures, concluded, by, spread, w)
    else:
        groups = _rolled_up(user, institution, w, by, children, concluded, spread)
    summary = _finish({n: 0 for n in METRICS} | groups.get(("", ""), {}))
    tables = {}
    for dim in by:
        found = {key: row for (d, key), row in groups.items() if d == dim}
        tables[dim] = _table(dim, found, institution, children)
    return summary, tables


def _per_complaint(
    user: Actor,
    institution: Institution,
    w: Window,
    by: Sequence[str],
    children: list[Institution],
    *,
    concluded: bool = False,
) -> Rows:
    """SELECT one row per relevant complaint: its keys and a 0/1 per metric;
    with `concluded`, one row per complaint concluded in the period: its keys
    and handling days (read through the index on ended_on)."""
    keys = _keys(institution, by, children)
    if concluded:
        qs = (
            complaints_in(user, institution)
            .filter(metric_q("concluded", w))
            .annotate(**keys)
            .values(*keys, "received_on", "ended_on")
            .order_by()
        )
        sql, params = qs.query.sql_with_params()
        return Rows(sql, params, qs.db)
    flags = {
        f"m_{name}": Case(
            When(metric_q(name, w), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for name in METRICS
    }
    qs = (
        complaints_in(user, institution)
        .filter(_relevant(w))
        .annotate(**keys, **flags)
        .values(*keys, *flags, "handling_days", "satisfaction", "redress_amount")
        .order_by()
    )
    sql, params = qs.query.sql_with_params()
    return Rows(sql, params, qs.db)


def _child_code(institution: Institution, children: list[Institution]) -> Any:
    """The code of the child institution whose subtree holds the complaint, or
    `institution`'s own code. PostgreSQL reads it off the path
    ("/HO/SD/SD01/": the segment after the root's); SQLite tests each child."""
    if connections["default"].vendor != "postgresql":
        return _child_key(institution, children)
    segment = institution.path.count("/") + 1
    return Coalesce(
        NullIf(
            Func(
                F("institution__path"),
                Value("/"),
                Value(segment),
                function="split_part",
                output_field=CharField(),
            ),
            Value(""),
        ),
        Value(institution.code),
        output_field=CharField(),
    )


def _q(name: str) -> str:
    # Both vendors quote names with double quotes.
    return connections["default"].ops.quote_name(name)


def _sums() -> str:
    parts = [f"COALESCE(SUM({_q('m_' + n)}), 0) AS {_q(n)}" for n in METRICS]
    parts.append(
        f"SUM(CASE WHEN {_q('m_redress_paid')} = 1 THEN {_q('redress_amount')} END)"
        f" AS {_q('redress_amount')}"
    )
    for column, over in AVERAGES.values():
        parts.append(
            f"SUM(CASE WHEN {_q('m_' + over)} = 1 THEN {_q(column)} END)"
            f" AS {_q(column + '_sum')}"
        )
    return ", ".join(parts)


Groups = dict[tuple[str, Any], dict[str, Any]]


class Rows(NamedTuple):
    """A SELECT of one row per complaint, and the database it reads."""

    sql: str
    params: Sequence[Any]
    db: str


def _rolled_up(
    user: Actor,
    institution: Institution,
    w: Window,
    by: Sequence[str],
    children: list[Institution],
    concluded: Rows,
    spread: Sequence[str],
) -> Groups:
    """The groups of _grouped, the additive figures read from the rollup's
    cells of the period, the "as of" ones from the complaints open at its end."""
    from reporting.models import KpiCell
    from reporting.rollup import AS_OF, ROLLED, SUMS

    require_reports(user, institution)
    keys = _keys(institution, by, children)
    cells = (
        KpiCell.objects.filter(
            institution__path__startswith=institution.path,
            day__gte=w.start,
            day__lte=w.end,
        )
        .annotate(**keys)
        .values(*keys, *ROLLED, *SUMS)
        .order_by()
    )
    sql, params = cells.query.sql_with_params()
    pg = connections[cells.db].vendor == "postgresql"
    sums = ", ".join(
        [f"COALESCE(SUM({_q(n)}), 0) AS {_q(n)}" for n in ROLLED]
        + [f"SUM({_q(n)}) AS {_q(n)}" for n in SUMS]
    )
    out: Groups = {}
    for dim, key, row in _per_group(Rows(sql, params, cells.db), by, sums, pg=pg):
        if not any(row[n] for n in ROLLED):
            continue  # only cancelled ledger rows: no complaint counts here
        row["redress_amount"] = (
            _decimal(row["redress_amount"]) if row["redress_paid"] else None
        )
        row["handling_days_avg"] = _average(
            row.pop("handling_days_sum"), row["concluded"]
        )
        row["satisfaction_avg"] = _average(
            row.pop("satisfaction_sum"), row["callbacks"]
        )
        out[(dim, key)] = row
    flags = {
        f"m_{name}": Case(
            When(metric_q(name, w), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for name in AS_OF
    }
    open_rows = (
        complaints_in(user, institution)
        .filter(metric_q("open_at_end", w))
        .annotate(**keys, **flags)
        .values(*keys, *flags)
        .order_by()
    )
    sql, params = open_rows.query.sql_with_params()
    sums = ", ".join(f"COALESCE(SUM({_q('m_' + n)}), 0) AS {_q(n)}" for n in AS_OF)
    for dim, key, row in _per_group(Rows(sql, params, open_rows.db), by, sums, pg=pg):
        out.setdefault((dim, key), {}).update(row)
    return _percentiles(out, concluded, spread, w, pg=pg)


def _decimal(value: Any) -> Decimal | None:
    # SQLite sums decimals as floats.
    return None if value is None else Decimal(str(value))


def _average(total: Any, n: int) -> Decimal | None:
    """AVG as the database computes it over integers: exact, then rounded to a
    tenth by _finish like the live figure."""
    if not n:
        return None
    return Decimal(int(total)) / Decimal(n)


def _keys(
    institution: Institution, by: Sequence[str], children: list[Institution]
) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for dim in by:
        if dim == "institution":
            keys["k_institution"] = _child_code(institution, children)
        else:  # ids, not codes: no join per dimension; _table names them
            keys[f"k_{dim}"] = F(f"{dim}_id")
    return keys


def _grouped(
    figures: Rows,
    concluded: Rows,
    by: Sequence[str],
    spread: Sequence[str],
    w: Window,
) -> Groups:
    """{(dimension, key): figures}; the summary is ("", "").

    With breakdowns, the summary is the sum of the first breakdown's groups
    (every complaint is in one of them), not grouped by the database once
    more: a fifth of the compliance dashboard's aggregation, which runs on
    one core. The averages are sums here, divided in _averaged."""
    pg = connections[figures.db].vendor == "postgresql"
    out: Groups = {}
    whole: dict[str, Any] = {}
    first = by[0] if by else ""
    for dim, key, row in _per_group(figures, by, _sums(), pg=pg, whole=not by):
        if not pg:  # SQLite sums decimals as floats.
            row["redress_amount"] = _decimal(row["redress_amount"])
        if by and dim == first:
            for name, value in row.items():
                if value is None:  # a sum over no rows
                    whole.setdefault(name, None)
                else:
                    whole[name] = (whole.get(name) or 0) + value
        if any(row[n] for n in METRICS):  # else rows that count in no figure
            out[(dim, key)] = _averaged(row)
    if any(whole.get(n) for n in METRICS):
        out[("", "")] = _averaged(whole)
    return _percentiles(out, concluded, spread, w, pg=pg)


def _averaged(row: dict[str, Any]) -> dict[str, Any]:
    for name, (column, over) in AVERAGES.items():
        row[name] = _average(row.pop(f"{column}_sum"), row[over])
    return row


# The working days of a concluded complaint are counted in PostgreSQL from
# the ranks of its two dates when it was received at most this many days
# before the period; an older one is counted here from its dates.
RANKED_DAYS = 366


def _percentiles(
    out: Groups, concluded: Rows, by: Sequence[str], w: Window, *, pg: bool
) -> Groups:
    """The percentiles of handling days of every group of `out`, from the
    count of concluded complaints per group and (calendar days, working days).

    PostgreSQL counts both per complaint (the working days as the difference
    of two ranks of the stored calendar, passed as an array): the groups come
    back per pair of counts, not per pair of dates (52,000 rows for the
    workbook at a million, walked here). SQLite groups by the dates.

    With breakdowns, the whole's counts are the sum of the first breakdown's
    (every complaint is in exactly one of its groups, "not recorded" being
    one): the database is not asked to group them once more."""
    calendar = WorkingDays()
    rows, also = _measured(concluded, by, w, calendar) if pg else (concluded, "")
    if not also:
        also = f"{_q('received_on')}, {_q('ended_on')}"
    _names, found = _grouped_values(
        rows, by, f"{also}, COUNT(*) AS n", pg=pg, also=also, whole=not by
    )
    first = by[0] if by else ""
    whole = ("", "")
    calendar_days: dict[tuple[str, Any], dict[int, int]] = {}
    working: dict[tuple[str, Any], dict[int, int]] = {}
    for dim, key, values in found:
        days, work, n = _counted(values, calendar, pg=pg)
        for group in ((dim, key), whole) if dim == first and by else ((dim, key),):
            spread = calendar_days.setdefault(group, {})
            spread[days] = spread.get(days, 0) + n
            spread = working.setdefault(group, {})
            spread[work] = spread.get(work, 0) + n
    for group, row in out.items():
        spread = working.get(group, {})
        row["handling_days_p90"] = percentile_of_counts(
            calendar_days.get(group, {}), Decimal("0.9")
        )
        row["working_days_median"] = percentile_of_counts(spread, Decimal("0.5"))
        row["working_days_p90"] = percentile_of_counts(spread, Decimal("0.9"))
    return out


def _measured(
    concluded: Rows, by: Sequence[str], w: Window, calendar: WorkingDays
) -> tuple[Rows, str]:
    """`concluded` with each complaint's calendar days and working days
    (PostgreSQL), and the columns to group by. A complaint received before
    the ranked days keeps its dates instead (counted by _counted)."""
    origin = w.start - timedelta(days=RANKED_DAYS)
    ranks = calendar.ranks(origin, w.end)
    r, e = _q("received_on"), _q("ended_on")
    ranked = f"{r} >= %s AND {e} <= %s"
    keys = "".join(f"{_q('k_' + dim)}, " for dim in by)
    sql = (
        f"SELECT {keys}{e} - {r} AS d, "  # noqa: S608
        f"CASE WHEN {ranked} THEN GREATEST(0, (%s::int[])[{e} - %s + 1]"
        f" - (%s::int[])[{r} - %s + 1]) END AS wk, "
        f"CASE WHEN NOT ({ranked}) THEN {r} END AS on_, "
        f"CASE WHEN NOT ({ranked}) THEN {e} END AS off "
        f"FROM ({concluded.sql}) c"
    )
    params = [
        *(origin, w.end, ranks, origin, ranks, origin),
        *(origin, w.end, origin, w.end),
        *concluded.params,
    ]
    return Rows(sql, params, concluded.db), "d, wk, on_, off"


def _counted(
    values: Sequence[Any], calendar: WorkingDays, *, pg: bool
) -> tuple[int, int, int]:
    """(calendar days, working days, complaints) of a row of _percentiles."""
    if pg:
        days, work, received, ended, n = values
        if work is None:  # received before the ranked days
            work = calendar.between(received, ended)
        return days, work, n
    # SQLite hands a date read through a CTE back as its text.
    received, ended, n = as_date(values[0]), as_date(values[1]), values[2]
    return (ended - received).days, calendar.between(received, ended), n


class WorkingDays:
    """Working days after receipt up to and including the end (the day of
    receipt is not counted, as for the deadlines), on the stored calendar; a
    day of a year not loaded counts by its weekday."""

    # Days ranked beyond the range asked for, so that a range growing a day
    # at a time is not ranked again at each step.
    MARGIN = 366

    def __init__(self) -> None:
        self.calendar = DatabaseCalendar()
        self._first = 0  # ordinal of the day _ranks[0] ranks
        self._ranks: list[int] = []  # working days in (day 0, day i]

    def is_workday(self, day: date) -> bool:
        known = self.calendar.is_workday(day)
        return day.weekday() < 5 if known is None else known

    def between(self, received: date, ended: date) -> int:
        # The working days up to `ended` less those up to `received`: two
        # look-ups where counting day by day cost a third of the compliance
        # dashboard's Python (20,000 pairs of up to 60 days).
        low, high = received.toordinal(), ended.toordinal()
        i, j = low - self._first, high - self._first
        if not (0 <= i < len(self._ranks) and 0 <= j < len(self._ranks)):
            # Ranks are counted from the range's first day: both ends must
            # be ranked in the same range.
            self._rank_around(min(low, high), max(low, high))
            i, j = low - self._first, high - self._first
        return max(0, self._ranks[j] - self._ranks[i])

    def ranks(self, first: date, last: date) -> list[int]:
        """[working days in (first, first + i] for i in 0..(last - first)]."""
        low, high = first.toordinal(), last.toordinal()
        i, j = low - self._first, high - self._first
        if not (i >= 0 and j < len(self._ranks)):
            self._rank_around(low, high)
            i, j = low - self._first, high - self._first
        base = self._ranks[i]
        return [rank - base for rank in self._ranks[i : j + 1]]

    def _rank_around(self, first: int, last: int) -> None:
        low, high = first - self.MARGIN, last + self.MARGIN
        if self._ranks:
            low = min(low, self._first)
            high = max(high, self._first + len(self._ranks) - 1)
        ranks, total = [], 0
        for o in range(low, high + 1):
            if o > low and self.is_workday(date.fromordinal(o)):
                total += 1
            ranks.append(total)
        self._first, self._ranks = low, ranks


def _per_group(
    rows: Rows,
    by: Sequence[str],
    columns: str,
    *,
    pg: bool,
    also: str = "",
    whole: bool = True,
) -> list[tuple[str, Any, dict[str, Any]]]:
    """(dimension, key, {column: value}) per group: the whole ("", "") and
    each key of each dimension of `by`; `also` is grouped by in every group."""
    names, found = _grouped_values(rows, by, columns, pg=pg, also=also, whole=whole)
    return [
        (dim, key, dict(zip(names, values, strict=True))) for dim, key, values in found
    ]


def _grouped_values(
    rows: Rows,
    by: Sequence[str],
    columns: str,
    *,
    pg: bool,
    also: str = "",
    whole: bool = True,
) -> tuple[list[str], list[tuple[str, Any, Sequence[Any]]]]:
    """The column names, and (dimension, key, values) per group, the values
    as the database returned them: no dict per row, for the tens of
    thousands of (received, ended) pairs of _percentiles.

    PostgreSQL reads the rows once for every grouping (GROUPING SETS, hashed);
    SQLite has no grouping sets: it reads them once into a CTE and groups that
    once per dimension. Without `whole`, the whole is not grouped (a caller
    that sums it from a breakdown's groups).
    """
    keys = [_q(f"k_{dim}") for dim in by]
    if not whole and not keys:
        raise ValueError("no grouping left")
    if pg:
        sets = ", ".join(
            f"({', '.join(filter(None, [k, also]))})"
            for k in ([""] if whole else []) + keys
        )
        marker = f"GROUPING({', '.join(keys)})" if keys else "0"
        sql = (
            f"SELECT {marker} AS g, {''.join(k + ', ' for k in keys)}{columns} "  # noqa: S608
            f"FROM ({rows.sql}) s GROUP BY GROUPING SETS ({sets})"
        )
    else:
        selects = [
            f"SELECT '' AS dim, '' AS key, {columns} FROM s"
            + (f" GROUP BY {also}" if also else "")
        ][: int(whole)]
        for dim, key in zip(by, keys, strict=True):
            selects.append(
                f"SELECT '{dim}' AS dim, {key} AS key, {columns} FROM s "
                f"GROUP BY {', '.join(filter(None, [key, also]))}"
            )
        sql = f"WITH s AS ({rows.sql}) " + " UNION ALL ".join(selects)  # noqa: S608
    with (
        connections[rows.db].cursor() as cursor,
        bitmap_reads(cursor, pg=pg, flags=GROUPED_FLAGS),
    ):
        cursor.execute(sql, rows.params)
        names = [c[0] for c in cursor.description]
        found = cursor.fetchall()
    if not pg:
        return names[2:], [(row[0], row[1], row[2:]) for row in found]
    # GROUPING() has a bit per key, the first key the highest, set where the
    # row is not grouped by that key: all set is the whole.
    n = len(keys)
    every = (1 << n) - 1
    dims = {every ^ (1 << (n - 1 - i)): (dim, i) for i, dim in enumerate(by)}
    out: list[tuple[str, Any, Sequence[Any]]] = []
    for row in found:
        marker = row[0]
        if marker == every:
            out.append(("", "", row[n + 1 :]))
        else:
            dim, i = dims[marker]
            out.append((dim, row[1 + i], row[n + 1 :]))
    return names[n + 1 :], out


# A period's rows are a bounded slice of the complaints, found through the
# indexes on its dates (a BitmapOr). PostgreSQL overestimates the OR of those
# conditions (351,000 rows for 103,000 in a quarter at a million) and then
# reads every complaint instead: in a grouping key's index order (the
# regulator's workbook, 2.4 s) or from end to end (1.0 s), where the bitmap
# takes 0.69 s. For these reads only, it may do neither.
PLANNER_FLAGS = ("enable_seqscan", "enable_indexscan")
# The grouped reads also may not sort: overestimating the groups, PostgreSQL
# sorted the company's 83,000 rows of a quarter to group one key of the
# GROUPING SETS in order, where hashing every key is faster (the compliance
# dashboard's figures: 290 -> 190 ms at a million, BENCHMARKS.md).
GROUPED_FLAGS = (*PLANNER_FLAGS, "enable_sort")


@contextmanager
def bitmap_reads(
    cursor: Any, *, pg: bool, flags: Sequence[str] = PLANNER_FLAGS
) -> Iterator[None]:
    if not pg:
        yield
        return
    cursor.execute(
        "SELECT "
        + ", ".join(f"current_setting('{flag}')" for flag in flags)
        + ", "
        + ", ".join(f"set_config('{flag}', 'off', false)" for flag in flags)
    )
    before = cursor.fetchone()[: len(flags)]
    try:
        yield
    finally:
        # Where the read failed inside a transaction, that is now aborted and
        # this fails too: the rollback takes the two settings back with it.
        with suppress(DatabaseError):
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, false)" for _ in flags),
                [v for pair in zip(flags, before, strict=True) for v in pair],
            )


def _table(
    dim: str,
    found: dict[Any, dict[str, Any]],
    institution: Institution,
    children: list[Institution],
) -> list[dict[str, Any]]:
    empty = {n: 0 for n in METRICS}
    if dim == "institution":
        labels = {c.code: c.name for c in children}
        labels[institution.code] = str(OWN_LEVEL) % {"name": institution.name}
        return [
            _finish({**empty, **found.get(k, {}), "key": k, "label": labels[k]})
            for k in [institution.code, *(c.code for c in children)]
            if k in found or k != institution.code
        ]
    codes = _codes_by_id([k for k in found if k is not None])
    out = []
    for k in sorted(found, key=lambda k: codes[k][1] if k in codes else 9999):
        code, _order, label = codes.get(k, ("", 0, str(NOT_RECORDED)))
        out.append(_finish({**empty, **found[k], "key": code, "label": label}))
    return out


def _codes_by_id(ids: list[int]) -> dict[int, tuple[str, int, str]]:
    """{id: (code, sort order, label)} of the codes a breakdown found."""
    from complaints.models import Code

    return {
        c.pk: (c.code, c.sort_order, str(c)) for c in Code.objects.filter(pk__in=ids)
    }


def page_behind(qs: QuerySet[Any], number: str | None, *, metric: str) -> Page:
    """A page of 50 of the drill-down list `qs` (kpis.complaints_behind) of
    `metric`. A figure dated other than by receipt is read through the index
    on its date: in the list's receipt order PostgreSQL walked the receipt
    index from the oldest complaint and tested each against the period (474
    ms for a company's quarter of concluded at a million); the bitmap reads
    the period's rows and sorts them. A figure dated by receipt is read in
    that index's order, its first 50 found at once."""
    from reporting.rollup import DATED_BY

    page = Paginator(qs, 50).get_page(number)  # the count: its own plan
    connection = connections[qs.db]
    by_receipt = DATED_BY.get(metric) == "received_on"
    pg = connection.vendor == "postgresql" and not by_receipt
    with connection.cursor() as cursor, bitmap_reads(cursor, pg=pg):
        page.object_list = list(page.object_list)
    return page
