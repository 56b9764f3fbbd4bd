"""The live rows against their history (issue 14 point 6; DOMAIN.md C21).

The hash chain (complaints.integrity.audit) proves the history rows were not changed.
This pass checks the live rows against that history, for the complaint and its
correspondence:
- a live row that differs from its latest history row was changed outside the
  application (raw SQL, QuerySet.update), since every change through the
  services writes a history row with the new values;
- a live row without any history lost it (its rows were removed);
- a row the history knows but the table no longer has, or whose history ends
  in a deletion, was deleted: a case-file entry is never deleted.

Both tables and their histories are streamed in id order and merge-joined,
so the pass reads each row once, with no query per row.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from complaints.integrity.audit import NOT_HASHED, RECORD_CHAINS, Problem, canon

# Columns only a history row has.
HISTORY_ONLY = NOT_HASHED | {
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}
CHECKED = ("complaint", "correspondence")


def _columns(model: type[Model], history: type[Model]) -> list[str]:
    live = {f.attname for f in model._meta.concrete_fields}
    return [
        f.attname
        for f in history._meta.concrete_fields
        if f.attname not in HISTORY_ONLY and f.attname in live
    ]


def _live(model: type[Model], key: str, columns: list[str], ids: Any, chunk: int):  # type: ignore[no-untyped-def]
    qs = model._default_manager.order_by("pk")
    if ids is not None:
        qs = qs.filter(**{f"{key}__in": ids})
    yield from qs.values(*columns).iterator(chunk_size=chunk)


def _latest(
    history: type[Model], key: str, columns: list[str], ids: Any, chunk: int
) -> Iterator[dict[str, Any]]:
    """The last history row of each id, in id order."""
    extra = ["history_id", "history_type", "chain_seq"]
    qs = history._default_manager.order_by("id", "chain_seq", "history_id")
    if ids is not None:
        qs = qs.filter(**{f"{key}__in": ids})
    rows = qs.values(*columns, *extra).iterator(chunk_size=chunk)
    for _id, group in itertools.groupby(rows, key=lambda r: r["id"]):
        *_, last = group
        yield last


def _problem(
    table: str, key: str, live: Any, hist: Any, kind: str, detail: str
) -> Problem:
    row = live or hist
    return Problem(
        int(row[key]),
        table,
        hist["history_id"] if hist else None,
        hist["chain_seq"] if hist else None,
        kind,
        detail,
    )


def verify_live_rows(
    *, complaint_ids: list[int] | None = None, chunk_size: int = 2000
) -> list[Problem]:
    from django.apps import apps

    problems: list[Problem] = []
    for name in CHECKED:
        model = apps.get_model("complaints", name)
        history = model.history.model  # type: ignore[attr-defined]
        key = "id" if name == "complaint" else "complaint_id"
        columns = _columns(model, history)
        label = history._meta.label_lower
        live = _live(model, key, columns, complaint_ids, chunk_size)
        latest = _latest(history, key, columns, complaint_ids, chunk_size)
        problems.extend(_compare(label, key, columns, live, latest))
    return problems


def verify_record_rows(*, chunk_size: int = 2000) -> list[Problem]:
    """The same check for the sealed records outside the case file (the
    register, the weights, published scorecards: audit.RECORD_CHAINS):
    a published score changed by SQL differs from its sealed history."""
    from django.apps import apps

    problems: list[Problem] = []
    for name, (app, kind, key) in RECORD_CHAINS.items():
        model = apps.get_model(app, name)
        history = model.history.model  # type: ignore[attr-defined]
        columns = _columns(model, history)
        label = history._meta.label_lower
        live = _live(model, "id", columns, None, chunk_size)
        latest = _latest(history, "id", columns, None, chunk_size)
        problems.extend(
            replace(p, record_kind=kind)
            for p in _compare(label, key or "id", columns, live, latest)
        )
    return problems


def _compare(
    label: str,
    key: str,
    columns: list[str],
    live: Iterator[dict[str, Any]],
    latest: Iterator[dict[str, Any]],
) -> Iterator[Problem]:
    row, hist = next(live, None), next(latest, None)
    while row is not None or hist is not None:
        if hist is None or (row is not None and row["id"] < hist["id"]):
            detail = _("row %(id)s has no history: its history rows were removed") % {
                "id": row["id"]  # type: ignore[index]
            }
            yield _problem(label, key, row, None, "no_history", detail)
            row = next(live, None)
            continue
        if row is None or hist["id"] < row["id"]:
            detail = _(
                "row %(id)s was deleted: the history knows it, the table no longer "
                "has it (case-file rows are never deleted)"
            ) % {"id": hist["id"]}
            yield _problem(label, key, None, hist, "deleted", detail)
            hist = next(latest, None)
            continue
        if hist["history_type"] == "-":
            detail = _("row %(id)s is recorded as deleted") % {"id": hist["id"]}
            yield _problem(label, key, row, hist, "deleted", detail)
        changed = [c for c in columns if canon(row[c]) != canon(hist[c])]
        if changed:
            detail = _(
                "row %(id)s differs from its latest history in %(columns)s: "
                "changed outside the application"
            ) % {"id": row["id"], "columns": ", ".join(changed)}
            yield _problem(label, key, row, hist, "live_differs", detail)
        row, hist = next(live, None), next(latest, None)
