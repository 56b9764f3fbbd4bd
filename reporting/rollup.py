"""The KPI rollup (reporting.models.KpiCell): the additive figures of
reporting.selectors.kpis.METRICS per day x institution x product line x
category x cause x channel, so a dashboard sums a few thousand cells instead
of evaluating thirty conditions on a hundred thousand complaints.

What is in it. Each additive metric is dated by one field of the complaint
(DATED_BY): a complaint adds 1 to the metric in the cell of that day (the
day in the project's time zone for a datetime, as kpis' windows read them)
when it meets the metric's condition. The condition is METRICS' own, taken
over a window of all time, so the two cannot drift apart. Beside the counts:
the redress paid, and the sums of handling days and satisfaction scores for
the averages (sum / count, as AVG computes them).

What is not (kept live, reporting.selectors.tables): the figures "as of"
the period's end (open at end, overdue and its ageing buckets), which are not
sums over days but read only the open complaints; and the percentiles and
median, read from the counts per (received, ended) pair of the complaints
concluded in the period.

How it stays current: a ledger. Before a complaint (or an attachment, which
can make a decision "notified with evidence") is written, the rows taking its
figures out are inserted, computed from the row as the database holds it; after
the write, the rows putting its new figures in. Both in the write's
transaction, through the model signals every door goes through (services,
imports, the API, merges, reclassification, retention). Any change of a
grouping field thus moves the complaint from one cell to another. Bulk writes
that bypass the signals (the benchmark generator's COPY) call `rebuild()`
(`manage.py rollup_kpis --rebuild`); `--compact` folds the ledger's rows into
one per cell; `--check` compares the rollup with the complaints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from django.db import connections, router, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DecimalField,
    F,
    GeneratedField,
    IntegerField,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import Complaint
from complaints.models.records import sync_notice_evidence
from config import prepared
from reporting.models import KpiCell
from reporting.periods import Period
from reporting.selectors.kpis import METRICS, Window, metric_q

# metric -> the field whose day dates it (kpis.METRICS' window field).
DATED_BY: dict[str, str] = {
    "received": "received_on",
    "repeat": "received_on",
    "group": "received_on",
    "regulator": "received_on",
    "not_transferred": "received_on",
    "accepted": "accepted_at",
    "declined": "closed_at",
    "routed": "closed_at",
    "closed": "closed_at",
    "withdrawn": "withdrawn_on",
    "concluded": "ended_on",
    "on_time": "ended_on",
    "late": "ended_on",
    "within_15": "ended_on",
    "within_30": "ended_on",
    "within_60": "ended_on",
    "extended": "ended_on",
    "extended_twice": "ended_on",
    "notified": "notified_at",
    "notified_evidence": "notified_at",
    "review_requested": "notified_at",
    "mediated": "notified_at",
    "reviewed": "reviewed_at",
    "review_on_time": "reviewed_at",
    "review_changed": "reviewed_at",
    "redress_paid": "redress_paid_on",
    "callbacks": "callback_at",
    "satisfied": "callback_at",
}
ROLLED = list(DATED_BY)
# "As of" figures: read live from the open complaints (tables._as_of_groups).
AS_OF = [m for m in METRICS if m not in DATED_BY]
# Sums beside the counts: column -> (complaint field, metric it is taken over).
SUMS: dict[str, tuple[str, str]] = {
    "redress_amount": ("redress_amount", "redress_paid"),
    "handling_days_sum": ("handling_days", "concluded"),
    "satisfaction_sum": ("satisfaction", "callbacks"),
}
KEYS = {
    "day": "r_day",
    "institution_id": "r_institution",
    "product_line_id": "r_product_line",
    "category_id": "r_category",
    "cause_id": "r_cause",
    "channel_id": "r_channel",
}
# Complaint fields a write must touch to change the rollup (update_fields).
FIELDS = {
    "item_type",
    "institution",
    "product_line",
    "category",
    "cause",
    "channel",
    "received_at",
    "received_on",
    "accepted_at",
    "closed_at",
    "withdrawn_on",
    "notified_at",
    "reviewed_at",
    "review_due",
    "review_result",
    "review_applied_on",
    "mediation_referred_on",
    "redress_paid_on",
    "redress_amount",
    "callback_at",
    "satisfaction",
    "route_kind",
    "route_reason",
    "legal_due",
    "regulator_due",
    "extension_level",
    "is_repeat",
    "is_group",
    "regulator_reference",
    "paused_days",
    "clock_start",
}


def _all_time() -> Window:
    """A window no date falls outside: METRICS' conditions without the period."""
    start, end = date(1900, 1, 1), date(2999, 12, 31)
    return Window(
        Period(start, end, "custom"),
        end,
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(3000, 1, 1, tzinfo=UTC),
    )


def _flag(name: str, w: Window, then: Any = None) -> Case:
    return Case(
        When(metric_q(name, w), then=then if then is not None else Value(1)),
        default=Value(0),
        output_field=DecimalField() if then is not None else IntegerField(),
    )


def _day(field: str) -> Any:
    if isinstance(Complaint._meta.get_field(field), DateTimeField):
        return TruncDate(field)  # the day in the current (project) time zone
    return F(field)


def _select(field: str, sign: int, pks: list[int] | None) -> tuple[str, list[Any]]:
    """One SELECT of cells: the figures dated by `field`, grouped by cell,
    times `sign`; with every column of KpiCell in a fixed order.

    Composing it through the ORM was most of a registration's time (thirty
    conditional sums resolved at every write): a write's statement is composed
    once per shape and time zone, and only its complaint ids change."""
    if pks is None:
        return _compose(field, sign, None)
    tz = timezone.get_current_timezone_name()
    sql, template, slots = _composed(field, sign, len(pks), tz)
    params = list(template)
    for slot, pk in zip(slots, pks, strict=True):
        params[slot] = pk
    return sql, params


# Stand-ins for the complaint ids while a statement is composed: no real id.
_STAND_IN = -7_300_000_000


@lru_cache(maxsize=512)
def _composed(
    field: str, sign: int, count: int, tz: str
) -> tuple[str, tuple[Any, ...], list[int]]:
    """The statement for `count` ids and where in its parameters they go."""
    marks = [_STAND_IN - i for i in range(count)]
    sql, params = _compose(field, sign, marks)
    return sql, tuple(params), [params.index(m) for m in marks]


def _compose(field: str, sign: int, pks: list[int] | None) -> tuple[str, list[Any]]:
    w = _all_time()
    metrics = [m for m, f in DATED_BY.items() if f == field]
    qs = Complaint.objects.filter(
        item_type=Complaint.ItemType.COMPLAINT, **{f"{field}__isnull": False}
    )
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    sums = {f"s_{m}": Sum(_flag(m, w)) for m in metrics} | {
        f"s_{col}": Sum(_flag(over, w, then=F(source)))
        for col, (source, over) in SUMS.items()
        if over in metrics
    }
    inner = (
        qs.annotate(r_day=_day(field))
        .annotate(
            r_institution=F("institution_id"),
            r_product_line=F("product_line_id"),
            r_category=F("category_id"),
            r_cause=F("cause_id"),
            r_channel=F("channel_id"),
        )
        .values(*KEYS.values())
        .annotate(**sums)
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    q = connections[inner.db].ops.quote_name
    columns = [f"s.{q(alias)} AS {q(name)}" for name, alias in KEYS.items()]
    for m in ROLLED:
        value = f"{sign} * s.{q('s_' + m)}" if m in metrics else "0"
        columns.append(f"{value} AS {q(m)}")
    for col, (_source, over) in SUMS.items():
        value = f"{sign} * COALESCE(s.{q('s_' + col)}, 0)" if over in metrics else "0"
        columns.append(f"{value} AS {q(col)}")
    return f"SELECT {', '.join(columns)} FROM ({sql}) s", list(params)  # noqa: S608


DATED_FIELDS = list(dict.fromkeys(DATED_BY.values()))
GENERATED = {
    f.name
    for f in Complaint._meta.concrete_fields
    if isinstance(f, GeneratedField) and f.name in DATED_FIELDS
}


def _dated(pks: list[int] | None, using: str) -> list[str]:
    """The dating fields the given complaints have (all for a rebuild).

    A write's ledger statement selects only these: each SELECT left out is one
    the database need not plan (a registration has one dated field of nine,
    and planning them all was most of the ledger's cost at every write)."""
    if pks is None:
        return DATED_FIELDS
    present = (
        Complaint.objects.using(using)
        .filter(pk__in=pks, item_type=Complaint.ItemType.COMPLAINT)
        .aggregate(**{f: Count(f) for f in DATED_FIELDS})
    )
    return [f for f in DATED_FIELDS if present[f]]


def _insert(
    sign: int, pks: Iterable[int] | None, using: str, fields: list[str] | None = None
) -> None:
    pks = None if pks is None else list(pks)
    if pks is not None and not pks:
        return
    fields = _dated(pks, using) if fields is None else fields
    if not fields:
        return
    if pks is not None and _prepares(using, len(pks)):
        _execute_prepared(using, tuple(fields), sign, pks)
        return
    parts, params = _selects(fields, sign, pks)
    with connections[using].cursor() as cursor:
        cursor.execute(_insert_sql(using, parts), params)


def _selects(
    fields: Iterable[str],
    sign: int,
    pks: list[int] | None,
    compose: Callable[..., tuple[str, list[Any]]] = _select,
) -> tuple[list[str], list[Any]]:
    """One SELECT of cells per dating field, and their parameters in order."""
    parts: list[str] = []
    params: list[Any] = []
    for field in fields:
        sql, p = compose(field, sign, pks)
        parts.append(sql)
        params += p
    return parts, params


def _insert_sql(using: str, selects: list[str]) -> str:
    q = connections[using].ops.quote_name
    names = ", ".join(q(n) for n in [*KEYS, *ROLLED, *SUMS])
    table = q(KpiCell._meta.db_table)
    return f"INSERT INTO {table} ({names}) " + " UNION ALL ".join(selects)  # noqa: S608


# --- The write's statement, prepared (PostgreSQL) -------------------------------------
# Planning the ledger's INSERT (thirty conditional sums, grouped) took 1.3 of
# its 1.6 ms at every complaint write, a quarter of a registration (BENCHMARKS.md,
# 2026-12-04, third session): each shape is PREPAREd once a session
# (config.prepared) and EXECUTEd with the complaint ids.
PREPARED_MAX_IDS = 16  # bulk writes (a merge, a reclassification) plan as before
_SHAPES: dict[tuple[Any, ...], str] = {}  # shape -> statement name


def _prepares(using: str, count: int) -> bool:
    return prepared.enabled(using) and count <= PREPARED_MAX_IDS


def _execute_prepared(
    using: str, fields: tuple[str, ...], sign: int, pks: list[int]
) -> None:
    tz = timezone.get_current_timezone_name()
    shape = (fields, sign, len(pks), tz)
    name = _SHAPES.get(shape) or _SHAPES.setdefault(shape, _statement_name(shape))
    prepared.execute(using, name, lambda: _prepared_text(using, shape), pks)


def _statement_name(shape: tuple[Any, ...]) -> str:
    return prepared.name("kpi_ledger", shape)


def _prepared_text(using: str, shape: tuple[Any, ...]) -> str:
    """The INSERT with every constant inlined and the ids as $1..$n."""
    fields, sign, count, _tz = shape
    marks = [_STAND_IN - i for i in range(count)]
    parts, params = _selects(fields, sign, marks, compose=_compose)
    sql = _insert_sql(using, parts)
    text = connections[using].ops.compose_sql(sql, params)  # type: ignore[attr-defined]  # PostgreSQL only
    # The stand-ins are all of one length: none is a prefix of another.
    for i, mark in enumerate(marks):
        text = text.replace(str(mark), f"${i + 1}")
    return text


def take_out(pks: Iterable[int], using: str = "default") -> None:
    """Insert the rows that remove these complaints' current figures."""
    _insert(-1, pks, using)


def put_in(
    pks: Iterable[int], using: str = "default", fields: list[str] | None = None
) -> None:
    """Insert the rows that add these complaints' current figures; `fields`,
    when the caller knows them, are the dating fields they have."""
    _insert(1, pks, using, fields)


def _lock(using: str) -> None:
    """Writers wait while the ledger is rebuilt or folded (PostgreSQL): a
    write's rows are then either in what was read or inserted afterwards."""
    if connections[using].vendor == "postgresql":
        table = connections[using].ops.quote_name(KpiCell._meta.db_table)
        with connections[using].cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def rebuild(using: str | None = None) -> int:
    """Recompute the rollup from the complaints; returns the number of cells.

    The cells are folded as they are computed and written once: writing the
    ledger's rows and folding them afterwards wrote 3.3 million rows three
    times at a million complaints (139 s of the generator's run)."""
    using = using or router.db_for_write(KpiCell)
    parts, params = _selects(DATED_FIELDS, 1, None)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _lock(using)
        _empty(cursor, using)
        cursor.execute(
            _insert_sql(using, [_folded(using, " UNION ALL ".join(parts))]), params
        )
        cells: int = cursor.rowcount
    _analyze(using)
    return cells


def compact(using: str | None = None) -> int:
    """Fold the ledger into one row per cell, leaving out empty cells."""
    using = using or router.db_for_write(KpiCell)
    table = connections[using].ops.quote_name(KpiCell._meta.db_table)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _lock(using)
        folded = _folded(using, f"SELECT * FROM {table}")  # noqa: S608
        cursor.execute(f"CREATE TEMPORARY TABLE kpicell_folded AS {folded}")
        # DELETE, not TRUNCATE: the dashboards go on reading while it folds.
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(_insert_sql(using, ["SELECT * FROM kpicell_folded"]))
        cells: int = cursor.rowcount
        cursor.execute("DROP TABLE kpicell_folded")
    _analyze(using)
    return cells


def _folded(using: str, rows: str) -> str:
    """One row per cell of `rows` (ledger-shaped), leaving out empty cells."""
    q = connections[using].ops.quote_name
    keys = ", ".join(q(k) for k in KEYS)
    values = [*ROLLED, *SUMS]
    sums = ", ".join(f"SUM({q(v)}) AS {q(v)}" for v in values)
    nonzero = " OR ".join(f"SUM({q(v)}) <> 0" for v in values)
    return f"SELECT {keys}, {sums} FROM ({rows}) l GROUP BY {keys} HAVING {nonzero}"  # noqa: S608


def _empty(cursor: Any, using: str) -> None:
    table = connections[using].ops.quote_name(KpiCell._meta.db_table)
    # A rebuild TRUNCATEs (readers wait for it, as writers already do): a
    # DELETE of millions of rows leaves them all to vacuum.
    verb = "TRUNCATE" if connections[using].vendor == "postgresql" else "DELETE FROM"
    cursor.execute(f"{verb} {table}")


def _analyze(using: str) -> None:
    if connections[using].vendor == "postgresql":
        # Fresh statistics, or the planner guesses the rows of a subtree.
        table = connections[using].ops.quote_name(KpiCell._meta.db_table)
        with connections[using].cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def _cell(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLite hands the stored day back as a date, the computed one as text.
    return (str(row[0])[:10], *row[1:6])


def differences(using: str | None = None) -> list[tuple[Any, ...]]:
    """Cells whose rollup figures differ from the complaints' (empty when the
    rollup is current): (cell keys..., column, rollup, complaints)."""
    using = using or router.db_for_write(KpiCell)
    q = connections[using].ops.quote_name
    values = [*ROLLED, *SUMS]
    keys = ", ".join(q(k) for k in KEYS)
    sums = ", ".join(f"SUM({q(v)}) AS {q(v)}" for v in values)
    fresh, params = _selects(DATED_FIELDS, 1, None)
    table = q(KpiCell._meta.db_table)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT {keys}, {sums} FROM {table} GROUP BY {keys}",
            [],  # noqa: S608
        )
        stored = {_cell(r): r[6:] for r in cursor.fetchall()}
        cursor.execute(
            f"SELECT {keys}, {sums} FROM ({' UNION ALL '.join(fresh)}) f "  # noqa: S608
            f"GROUP BY {keys}",
            params,
        )
        computed = {_cell(r): r[6:] for r in cursor.fetchall()}
    out = []
    zero = tuple(0 for _v in values)
    for cell in stored.keys() | computed.keys():
        a, b = stored.get(cell, zero), computed.get(cell, zero)
        for name, x, y in zip(values, a, b, strict=True):
            if float(x or 0) != float(y or 0):
                out.append((*cell, name, x, y))
    return out


# --- Keeping it current ------------------------------------------------------------
def _relevant_write(instance: Complaint, update_fields: Any) -> bool:
    return update_fields is None or bool(FIELDS & set(update_fields))


def _complaint_pre_save(
    sender: Any,
    instance: Complaint,
    update_fields: Any = None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    instance._rollup_moves = _relevant_write(instance, update_fields)  # type: ignore[attr-defined]
    if instance._rollup_moves and instance.pk and not instance._state.adding:  # type: ignore[attr-defined]
        take_out([instance.pk], using)


def _complaint_post_save(
    sender: Any, instance: Complaint, using: str = "default", **kwargs: Any
) -> None:
    if not getattr(instance, "_rollup_moves", True):
        return
    fields = None
    if kwargs.get("update_fields") is None:
        # Every column was just written from the instance: it says which
        # dating fields the row has, without asking the database; except
        # the ones the database computes (ended_on), kept in to be safe.
        is_complaint = instance.item_type == Complaint.ItemType.COMPLAINT
        fields = [
            f
            for f in DATED_FIELDS
            if f in GENERATED or getattr(instance, f) is not None
        ]
        fields = fields if is_complaint else []
    put_in([instance.pk], using, fields)


def _complaint_pre_delete(
    sender: Any, instance: Complaint, using: str = "default", **kwargs: Any
) -> None:
    take_out([instance.pk], using)


def _cascaded(origin: Any) -> bool:
    """The attachment goes with its complaint: the complaint's own
    pre_delete takes its figures out, once."""
    model = getattr(origin, "model", None) or type(origin)
    return isinstance(model, type) and issubclass(model, Complaint)


def _attachment_before(
    sender: Any, instance: Any, using: str = "default", **kwargs: Any
) -> None:
    if _cascaded(kwargs.get("origin")):
        return
    if instance.complaint_id and not (
        instance._state.adding and instance.kind not in EVIDENCE_KINDS
    ):
        instance._rollup_moves = True
        take_out([instance.complaint_id], using)


def _attachment_after(
    sender: Any, instance: Any, using: str = "default", **kwargs: Any
) -> None:
    if getattr(instance, "_rollup_moves", False):
        instance._rollup_moves = False
        # The figures go back in as the complaint's notice_evidence says;
        # complaints' own receiver may not have run yet.
        sync_notice_evidence(instance.complaint_id, using)
        put_in([instance.complaint_id], using)


EVIDENCE_KINDS: set[str] = set()


def connect() -> None:
    """Called from ReportingConfig.ready."""
    from django.db.models import signals

    from complaints.models import Attachment

    EVIDENCE_KINDS.update(Attachment.NOTICE_EVIDENCE)
    uid = "reporting.rollup"
    signals.pre_save.connect(_complaint_pre_save, Complaint, dispatch_uid=uid)
    signals.post_save.connect(_complaint_post_save, Complaint, dispatch_uid=uid)
    signals.pre_delete.connect(_complaint_pre_delete, Complaint, dispatch_uid=uid)
    signals.pre_save.connect(_attachment_before, Attachment, dispatch_uid=uid)
    signals.post_save.connect(_attachment_after, Attachment, dispatch_uid=uid)
    signals.pre_delete.connect(_attachment_before, Attachment, dispatch_uid=uid)
    signals.post_delete.connect(_attachment_after, Attachment, dispatch_uid=uid)
