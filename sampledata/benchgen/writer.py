"""Write generated rows in batches: COPY on PostgreSQL, bulk_create elsewhere.

A transaction per batch keeps the deferred foreign-key checks and the memory
bounded; ids are taken explicitly so a batch links its rows without reading
them back, and the sequences are moved past them at the end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max

from complaints.integrity import audit
from complaints.models import (
    Attachment,
    Complaint,
    Correspondence,
    Extension,
    NumberCounter,
)
from sampledata.benchgen.rows import local_day

TRACKED: list[type[models.Model]] = [Complaint, Correspondence, Attachment, Extension]


class Writer:
    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.columns: dict[type[models.Model], list[str]] = {}
        self.history_defaults: dict[type[models.Model], dict[str, Any]] = {}
        for model in TRACKED:
            history = model.history.model  # type: ignore[attr-defined]
            self.history_defaults[history] = _blank(history)
        self.skip_fk_checks = self.copy and _is_superuser()

    def write(
        self,
        rows: dict[type[models.Model], list[dict[str, Any]]],
        history: dict[type[models.Model], list[dict[str, Any]]],
    ) -> None:
        """One batch in one transaction: the rows, then their history, sealed
        into each complaint's audit chain as the services would seal it."""
        with transaction.atomic():
            if self.copy and self.skip_fk_checks:
                # Generated rows link only to rows that exist; checking fifteen
                # foreign keys per complaint would triple the time of a COPY.
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL session_replication_role = replica")
            for model, batch in rows.items():
                if batch:
                    self._write(model, batch)
            self._seal(history)
            for model, batch in history.items():
                if batch:
                    self._write(model, batch)

    def _seal(self, history: dict[type[models.Model], list[dict[str, Any]]]) -> None:
        """Seal the rows into each complaint's audit chain, in chain order."""
        links: list[tuple[tuple[Any, ...], type[models.Model], dict[str, Any]]] = []
        for rank, (model, batch) in enumerate(history.items()):
            key = audit.chain_key(model)
            links.extend(
                ((row[key], row["history_date"], rank), model, row) for row in batch
            )
        links.sort(key=lambda link: link[0])
        audit.seal_new_rows([(model, row) for _order, model, row in links])

    def history_rows(
        self, model: type[models.Model], rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Fill in the historical columns `rows` lack (they are alike: the first
        row says which), a creation row unless a row says otherwise."""
        if not rows:
            return rows
        history = model.history.model  # type: ignore[attr-defined]
        blank = {"history_type": "+", **self.history_defaults[history]}
        missing = [(k, v) for k, v in blank.items() if k not in rows[0]]
        for row in rows:
            for key, value in missing:
                row.setdefault(key, value)
        return rows

    def _write(self, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        names = self._columns(model, rows[0])
        if not self.copy:
            objs = [model(**{name: row[name] for name in names}) for row in rows]
            # The generated times are the record (as COPY writes them): auto_now
            # would stamp today and the live row would differ from its history.
            stamped = [
                f
                for f in model._meta.concrete_fields
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            ]
            saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]  # type: ignore[attr-defined]
            try:
                for f in stamped:
                    f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
                model.objects.bulk_create(objs, batch_size=500)  # type: ignore[attr-defined]
            finally:
                for f, now, now_add in saved:
                    f.auto_now, f.auto_now_add = now, now_add  # type: ignore[attr-defined]
            return
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in names)
        raw = connection.connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row([row[c] for c in names])

    def _columns(self, model: type[models.Model], sample: dict[str, Any]) -> list[str]:
        if model not in self.columns:
            self.columns[model] = [
                f.attname for f in model._meta.concrete_fields if f.attname in sample
            ]
        return self.columns[model]

    def finish(self) -> None:
        """Move the id sequences past the ids taken explicitly; refresh statistics."""
        if not self.copy:
            return
        with connection.cursor() as cur:
            for model in TRACKED:
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )
            cur.execute("ANALYZE")
            if connection.in_atomic_block:
                return  # VACUUM cannot run in a caller's transaction
            # Index-only scans need the visibility map VACUUM sets (the
            # monthly trend's counts); autovacuum would get there later.
            cur.execute("VACUUM complaints_complaint")


def _is_superuser() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cur.fetchone()[0])


def _blank(model: type[models.Model]) -> dict[str, Any]:
    from sampledata.benchgen.rows import defaults

    row = defaults(model)
    row.pop("history_id", None)  # the database numbers history rows in order
    return row


def next_id(model: Any) -> int:
    """The first id above every row of `model`: rows written past the services
    take their ids explicitly from here."""
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def take_numbers(times: list[datetime]) -> list[str]:
    """Complaint numbers in receipt order, continuing each year's counter and
    moving it past them (as complaint_register numbers one complaint)."""
    last = dict(NumberCounter.objects.values_list("year", "last"))
    out = []
    for moment in times:
        year = local_day(moment).year
        last[year] = last.get(year, 0) + 1
        out.append(f"TS{year}-{last[year]:06d}")
    for year, value in last.items():
        NumberCounter.objects.update_or_create(year=year, defaults={"last": value})
    return out
