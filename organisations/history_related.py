"""The objects a history page's foreign keys name, read one query per model.

simple-history's history page select_related()s every tracked foreign key, so
that the changes can name the old and new handler, category, institution...
For a complaint that is a join of 17 tables, which PostgreSQL took 56 ms to
plan (the query itself ran in 4 ms; BENCHMARKS.md). Here the page's rows are
read alone, and the objects their foreign keys point at are read with one
query per related model (codes, institutions, users) and cached on the rows,
so the changes read them without a query each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import ForeignKey


def attach_related(records: Sequence[Any], tracked: Sequence[Any]) -> None:
    """Cache on each historical record the objects of its `tracked` foreign keys."""
    if not records:
        return
    meta = records[0]._meta
    fields = [
        meta.get_field(f.name)
        for f in tracked
        if isinstance(f, ForeignKey) and f.name != "history_user"
    ]
    wanted: dict[Any, set[Any]] = {}
    for field in fields:
        ids = {getattr(r, field.attname) for r in records} - {None}
        if ids:
            wanted.setdefault(field.related_model, set()).update(ids)
    found = {
        model: model._base_manager.in_bulk(list(ids)) for model, ids in wanted.items()
    }
    for field in fields:
        objects = found.get(field.related_model, {})
        for record in records:
            value = getattr(record, field.attname)
            if value is None:
                field.set_cached_value(record, None)
            elif value in objects:
                field.set_cached_value(record, objects[value])
            # else: the object is gone; simple-history's diff handles the miss
