"""The KPIs of a subtree and period, overall and by dimensions, in one query.

A dashboard shows the summary and four breakdowns; the regulator's workbook
more. Each as its own query read the same hundred thousand complaints again
and evaluated some thirty conditions per row each time: seconds at a million
complaints. Here the relevant complaints are read once, each condition is
evaluated once per row into a 0/1 column (a CTE), and every table is a plain
sum over that CTE:

    WITH s AS (SELECT k_category, ..., m_received, m_on_time, ... FROM ...)
    SELECT 0, '', SUM(m_received), ... FROM s
    UNION ALL SELECT 1, k_category, SUM(m_received), ... FROM s GROUP BY 2
    ...

The definitions stay those of kpis.METRICS, so a number here, its drill-down
list (kpis.complaints_behind) and the monthly trend agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Case, CharField, F, Func, IntegerField, Value, When
from django.db.models.functions import Coalesce, NullIf

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
    children_of,
    complaints_in,
    metric_q,
    percentile_cont,
    window,
)

# Non-count figures: (column, the metric whose rows they are taken over).
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
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The summary and one breakdown per dimension of `by`, from one query."""
    for dim in by:
        if dim not in DIMENSIONS:
            raise ValueError(dim)
    w = window(period, today)
    children = children_of(institution) if "institution" in by else []
    rows_sql, params, db = _per_complaint(user, institution, w, by, children)
    pg = connections[db].vendor == "postgresql"
    groups = _grouped(db, rows_sql, params, by, pg=pg)
    if not pg:
        _p90_in_python(db, rows_sql, params, by, groups)
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
) -> tuple[str, Sequence[Any], str]:
    """SELECT one row per relevant complaint: its keys and a 0/1 per metric;
    with its parameters and the database alias it reads."""
    keys: dict[str, Any] = {}
    for dim in by:
        if dim == "institution":
            keys["k_institution"] = _child_code(institution, children)
        else:  # ids, not codes: no join per dimension; _table names them
            keys[f"k_{dim}"] = F(f"{dim}_id")
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
    return sql, params, qs.db


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


def _sums(pg: bool) -> str:
    parts = [f"COALESCE(SUM({_q('m_' + n)}), 0) AS {_q(n)}" for n in METRICS]
    parts.append(
        f"SUM(CASE WHEN {_q('m_redress_paid')} = 1 THEN {_q('redress_amount')} END)"
        f" AS {_q('redress_amount')}"
    )
    for name, (column, over) in AVERAGES.items():
        parts.append(
            f"AVG(CASE WHEN {_q('m_' + over)} = 1 THEN {_q(column)} END) AS {_q(name)}"
        )
    if pg:  # ordered-set aggregates skip NULLs: the CASE keeps the concluded only
        parts.append(
            "PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY CASE WHEN "
            f"{_q('m_concluded')} = 1 THEN {_q('handling_days')} END) AS "
            f"{_q('handling_days_p90')}"
        )
    return ", ".join(parts)


def _grouped(
    db: str, rows_sql: str, params: Sequence[Any], by: Sequence[str], *, pg: bool
) -> dict[tuple[str, Any], dict[str, Any]]:
    """{(dimension, key): figures}; the summary is ("", "")."""
    sums = _sums(pg)
    selects = [f"SELECT '' AS dim, '' AS key, {sums} FROM s"]
    for name in by:
        column = _q(f"k_{name}")
        selects.append(
            # One type for every branch's key: codes, ids (read back below).
            f"SELECT '{name}' AS dim, CAST({column} AS VARCHAR(64)) AS key, "
            f"{sums} FROM s GROUP BY {column}"
        )
    sql = f"WITH s AS ({rows_sql}) " + " UNION ALL ".join(selects)  # noqa: S608
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        out: dict[tuple[str, Any], dict[str, Any]] = {}
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            dim: str = row.pop("dim")
            key: Any = row.pop("key")
            if dim not in ("", "institution") and key is not None:
                key = int(key)
            if not pg and row["redress_amount"] is not None:
                # SQLite sums decimals as floats.
                row["redress_amount"] = Decimal(str(row["redress_amount"]))
            out[(dim, key)] = row
    return out


def _p90_in_python(
    db: str,
    rows_sql: str,
    params: Sequence[Any],
    by: Sequence[str],
    groups: dict[tuple[str, Any], dict[str, Any]],
) -> None:
    """SQLite has no percentile_cont: one sorted read of the concluded rows'
    handling days, interpolated per group the way PostgreSQL does."""
    keys = [_q(f"k_{dim}") for dim in by]
    columns = ", ".join([*keys, _q("handling_days")])
    sql = (
        f"WITH s AS ({rows_sql}) SELECT {columns} FROM s "  # noqa: S608
        f"WHERE {_q('m_concluded')} = 1 ORDER BY {_q('handling_days')}"
    )
    values: dict[tuple[str, Any], list[int]] = {}
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            days = row[-1]
            values.setdefault(("", ""), []).append(days)
            for dim, key in zip(by, row[:-1], strict=True):
                values.setdefault((dim, key), []).append(days)
    for group, row in groups.items():
        row["handling_days_p90"] = percentile_cont(
            values.get(group, []), Decimal("0.9")
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
        out.append(_finish({**found[k], "key": code, "label": label}))
    return out


def _codes_by_id(ids: list[int]) -> dict[int, tuple[str, int, str]]:
    """{id: (code, sort order, label)} of the codes a breakdown found."""
    from complaints.models import Code

    return {
        c.pk: (c.code, c.sort_order, str(c)) for c in Code.objects.filter(pk__in=ids)
    }
