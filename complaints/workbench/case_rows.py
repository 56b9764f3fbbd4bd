"""The rows of one complaint's file, read once per view of the case page.

The case page shows the file three ways: the timeline, the case-file tables
(the admin's inlines) and the summary (running supervision, open tasks,
internal notes). Each read the same tables again, and the page took 72
statements for a full file (issue 19). A complaint read by the admin for a
page view carries a memo (`remember`); the first `rows(complaint, Model)` then
reads the whole file in one statement (`_read_file`) and hands every part the
same rows, with the people and places each part shows, in the model's own
order. Without the memo (services, other callers) it reads afresh each time.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import F, Field, QuerySet, Value, Window
from django.db.models.functions import JSONObject, RowNumber
from django.utils.dateparse import parse_date, parse_datetime

from complaints.models import (
    ApprovalRequest,
    Attachment,
    Complaint,
    Correspondence,
    Extension,
    InternalNote,
    InvestigationTask,
    Letter,
    Notification,
    Pause,
    Recusal,
    Routing,
    Supervision,
)
from config import prepared

MEMO = "_case_rows"
# Links of a case often empty, or set only once it is decided or reviewed.
CASE_LINKS = (
    "subject_institution",
    "subject_staff_user",
    "route_reason",
    "merged_into",
    "drafted_by",
    "approved_by",
    "review_institution",
    "reviewer",
)
CHUNK = 40
History = Complaint.history.model  # type: ignore[attr-defined]
# What each part of the page shows of a row: the union, read with it.
RELATED: dict[type[Any], tuple[str, ...]] = {
    Correspondence: ("recorded_by",),
    Attachment: ("uploaded_by",),
    Extension: ("requested_by", "approved_by"),
    Pause: ("recorded_by",),
    Recusal: ("user", "declared_by"),
    ApprovalRequest: ("requested_by", "decided_by"),
    InternalNote: ("author",),
    Letter: ("created_by",),
    InvestigationTask: (
        "requested_by",
        "answered_by",
        "withdrawn_by",
        "department__institution",
        "assignee",
    ),
    Supervision: ("started_by", "ended_by"),
    Routing: ("reason", "merged_into"),
    Notification: (),
    History: ("history_user",),
    # The case's own links that the read of the case leaves out: joined there
    # they made PostgreSQL plan a 16-table join, longer than this statement.
    Complaint: CASE_LINKS,
}
# The timeline reads of the history only the state and who moved it.
HISTORY_FIELDS = (
    "id",
    "status",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
    "chain_seq",
)

# Of the case itself only its links (CASE_LINKS) are wanted; its state too, as
# the state machine reads it when a case is built.
CASE_FIELDS = ("id", "status")


def remember(complaint: Complaint) -> None:
    """From now on, `rows` reads each table of this complaint's file once."""
    complaint.__dict__.setdefault(MEMO, {})


def remembered(complaint: Complaint) -> bool:
    return MEMO in complaint.__dict__


def rows(complaint: Complaint, model: type[Any]) -> list[Any]:
    """The rows of `model` in `complaint`'s file, in the model's order, each
    knowing its complaint (the history: the timeline's fields, by chain)."""
    memo = complaint.__dict__.get(MEMO)
    if memo is None:
        found = list(_rows_of(complaint, model).select_related(*RELATED[model]))
    else:
        if not memo:
            memo.update(_read_file(complaint))
            for link in CASE_LINKS:
                field = Complaint._meta.get_field(link)
                field.set_cached_value(
                    complaint, field.get_cached_value(memo[Complaint][0])
                )
        found = memo[model]
    if model not in (History, Complaint):
        for row in found:
            row.complaint = complaint
    return found


def _rows_of(complaint: Complaint, model: type[Any]) -> QuerySet[Any]:
    if model is Complaint:
        return Complaint._base_manager.filter(pk=complaint.pk)
    if model is History:
        return (
            History._default_manager.filter(id=complaint.pk)
            .order_by("chain_seq")
            .only(*HISTORY_FIELDS)
        )
    return model._default_manager.filter(complaint=complaint)  # type: ignore[no-any-return]


# --- The whole file in one statement ------------------------------------------
# Each table gives (its place in RELATED, its row's place in its own order,
# the row and its linked rows as one JSON object); UNION ALL joins them. JSON
# carries the values as text, numbers and booleans; `_value` turns them back
# into what the field holds. Only the field types these tables use are handled:
# a new type fails the case page's tests rather than showing a wrong value.
def _fields(model: type[Any]) -> list[Field[Any, Any]]:
    # In the table's order, as Model.from_db takes them.
    wanted = {History: HISTORY_FIELDS, Complaint: CASE_FIELDS}.get(model)
    return [
        f for f in model._meta.concrete_fields if wanted is None or f.attname in wanted
    ]


def _tree(paths: tuple[str, ...]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for name in path.split("__"):
            node = node.setdefault(name, {})
    return tree


def _payload(model: type[Any], tree: dict[str, Any], prefix: str = "") -> JSONObject:
    values: dict[str, Any] = {f.attname: F(prefix + f.attname) for f in _fields(model)}
    for name, below in tree.items():
        target = model._meta.get_field(name).related_model
        values["~" + name] = _payload(target, below, f"{prefix}{name}__")
    # SQLite's json_object takes 127 arguments, PostgreSQL's 100: a wide row
    # (a merged-into complaint) goes in pieces of at most CHUNK keys.
    items = list(values.items())
    if len(items) <= CHUNK:
        return JSONObject(**values)
    return JSONObject(
        **{
            f"@{n}": JSONObject(**dict(items[start : start + CHUNK]))
            for n, start in enumerate(range(0, len(items), CHUNK))
        }
    )


def _ordering(model: type[Any]) -> list[str]:
    if model is History:
        return ["chain_seq"]
    if model is Complaint:
        return ["pk"]
    return list(model._meta.ordering) or ["pk"]


def _read_file(complaint: Complaint) -> dict[type[Any], list[Any]]:
    models = list(RELATED)
    db = complaint._state.db or "default"
    found: dict[type[Any], list[tuple[int, Any]]] = {m: [] for m in models}
    for part, pos, data in _file_rows(db, complaint.pk):
        model = models[part]
        row = json.loads(data) if isinstance(data, str) else data
        found[model].append((pos, _build(model, row, db)))
    return {m: [row for _, row in sorted(found[m], key=lambda p: p[0])] for m in models}


# The statement is the same for every case but its number: Django took longer
# to build it (a join set up per linked field) than the database to run it,
# so it is built once per process and database, with a stand-in number.
_STATEMENTS: dict[str, tuple[str, tuple[Any, ...], list[int]]] = {}
_STAND_IN = -1_999_999_999
_NAMES: dict[str, str] = {}  # database -> the prepared statement's name


def _file_rows(db: str, pk: int) -> list[tuple[Any, ...]]:
    """The case file's rows: (part, position, row as JSON).

    PostgreSQL took 5 ms to plan the fourteen-part statement and 1 ms to run
    it (issue 19): it is PREPAREd once a session (config.prepared)."""
    if prepared.enabled(db):
        if db not in _NAMES:
            sql, template, _slots = _STATEMENTS.get(db) or _built(db)
            _NAMES[db] = prepared.name("case_file", (sql, template))
        return prepared.execute(db, _NAMES[db], lambda: _prepared_text(db), [pk]) or []
    sql, params = _statement(db, pk)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _prepared_text(db: str) -> str:
    """The statement with its constants inlined and the case's id as $1."""
    sql, params = _statement(db, _STAND_IN)
    text = connections[db].ops.compose_sql(sql, params)  # type: ignore[attr-defined]  # PostgreSQL only
    return text.replace(str(_STAND_IN), "$1")


def _built(db: str) -> tuple[str, tuple[Any, ...], list[int]]:
    _statement(db, _STAND_IN)
    return _STATEMENTS[db]


def _statement(db: str, pk: int) -> tuple[str, list[Any]]:
    if db not in _STATEMENTS:
        probe = Complaint(pk=_STAND_IN)
        parts = [
            _rows_of(probe, model)
            .order_by()
            .values(
                part=Value(n),
                pos=Window(RowNumber(), order_by=_ordering(model)),
                row=_payload(model, _tree(RELATED[model])),
            )
            for n, model in enumerate(RELATED)
        ]
        union = parts[0].union(*parts[1:], all=True)
        sql, params = union.query.get_compiler(db).as_sql()
        slots = [n for n, p in enumerate(params) if p == _STAND_IN]
        if len(slots) != len(parts):  # the stand-in met another value
            raise RuntimeError("case_rows: one case number per table expected")
        _STATEMENTS[db] = (sql, tuple(params), slots)
    sql, template, slots = _STATEMENTS[db]
    params = list(template)
    for n in slots:
        params[n] = pk
    return sql, params


def _build(model: type[Any], data: dict[str, Any], db: str) -> Any:
    data = _joined(data)
    fields = _fields(model)
    row = model.from_db(
        db, [f.attname for f in fields], [_value(f, data[f.attname]) for f in fields]
    )
    for key, value in data.items():
        if key.startswith("~"):
            field = model._meta.get_field(key[1:])
            target = field.related_model
            value = _joined(value)
            linked = None  # a link left empty: the outer join gave nulls
            if value[target._meta.pk.attname] is not None:
                linked = _build(target, value, db)
            field.set_cached_value(row, linked)
    return row


def _joined(data: dict[str, Any]) -> dict[str, Any]:
    """A wide row's pieces (see _payload) as one."""
    if any(key.startswith("@") for key in data):
        return {k: v for piece in data.values() for k, v in piece.items()}
    return data


def _value(field: Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        moment = value if isinstance(value, datetime) else parse_datetime(value)
        if moment is not None and moment.tzinfo is None:  # SQLite keeps UTC
            moment = moment.replace(tzinfo=UTC)
        return moment
    if kind == "DateField":
        return value if isinstance(value, date) else parse_date(value)
    if kind == "BooleanField":
        return bool(value)
    if kind == "DecimalField":  # a JSON number: to the places the column keeps
        places = Decimal(1).scaleb(-field.decimal_places)  # type: ignore[attr-defined]
        return Decimal(str(value)).quantize(places)
    return field.to_python(value)
