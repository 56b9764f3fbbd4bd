"""Benchmark data: `generate_complaints --count 1000000` (see BENCHMARKS.md)."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, connections
from django.utils import timezone

from complaints.models import (
    Attachment,
    Complaint,
    Correspondence,
    Extension,
)
from reporting import rollup
from sampledata.benchgen.rows import Generator, local_day, received_times
from sampledata.benchgen.tree import grow_tree
from sampledata.benchgen.volumes import business_volumes
from sampledata.benchgen.writer import Writer, next_id, take_numbers

# Ids are taken from the complaint's position, so parallel workers never need
# to agree on them: at most this many letters per complaint (rows.Generator).
LETTERS_PER_COMPLAINT = 4
ATTACHMENTS_PER_COMPLAINT = 2  # the notice as delivered, some evidence


@dataclass(frozen=True)
class Bases:
    """The first free id of each table when the run started."""

    complaint: int
    correspondence: int
    attachment: int
    extension: int


_STATE: dict[str, Any] = {}  # set before the workers fork; read in them
TABLES = (Complaint, Correspondence, Attachment, Extension)


class Command(BaseCommand):
    help = (
        "Add N generated complaints (with case files and history) at a national "
        "insurer of a few hundred institutions. Benchmarks only: never in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=20261124)
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument(
            "--provinces",
            type=int,
            default=None,
            help="Grow the tree by this many provinces only (default: all 28).",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            # One more than the cores: a worker waiting for PostgreSQL to take a
            # batch leaves its core to the others (measured: 15% faster on 2).
            default=(os.cpu_count() or 1) + 1,
            help="Worker processes (PostgreSQL only; SQLite always uses one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count, seed = options["count"], options["seed"]
        staff = grow_tree(options["provinces"])
        today = timezone.localdate()
        gen = Generator(staff, seed=seed, today=today)
        times = list(
            received_times(
                count,
                today=today,
                years=options["years"],
                rng=random.Random(seed),
                latest=gen.latest,
            )
        )
        gen.warm({local_day(t) for t in times})
        numbers = take_numbers(times)
        bases = Bases(*(next_id(m) for m in TABLES))
        size = options["batch"]
        tasks = [
            (
                n,
                first,
                list(
                    zip(
                        times[first : first + size],
                        numbers[first : first + size],
                        strict=True,
                    )
                ),
            )
            for n, first in enumerate(range(0, count, size))
        ]
        jobs = options["jobs"] if connection.vendor == "postgresql" else 1
        if connection.in_atomic_block:
            # Inside a caller's transaction (a test's world) the workers'
            # own connections could not see its uncommitted rows.
            jobs = 1
        _STATE.update(gen=gen, bases=bases, seed=seed)
        done = 0
        if jobs > 1:
            connections.close_all()  # each worker opens its own connection
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for made in pool.imap_unordered(_work, tasks):
                    done += made
                    self._progress(done, started)
        else:
            for task in tasks:
                done += _work(task)
                self._progress(done, started)
        volumes = business_volumes(staff, today=today, years=options["years"])
        Writer().finish()
        # The rows went in by COPY, past the signals that keep the KPI rollup:
        # roll the whole table up again (reporting.rollup).
        rolled = time.monotonic()
        cells = rollup.rebuild()
        self.stdout.write(
            f"\nKPI rollup rebuilt: {cells:,} cells "
            f"in {time.monotonic() - rolled:.0f} s"
        )
        self.stdout.write(
            f"\n{done:,} complaints, {volumes} business-volume rows, "
            f"{len(staff.institutions)} institutions in "
            f"{time.monotonic() - started:.0f} s"
        )

    def _progress(self, done: int, started: float) -> None:
        self.stdout.write(
            f"{done:>10,} complaints  {time.monotonic() - started:7.1f} s", ending="\r"
        )
        self.stdout.flush()


def _work(task: tuple[int, int, list[tuple[datetime, str]]]) -> int:
    """Generate and write one batch (in a worker process, or inline)."""
    chunk, first, items = task
    gen: Generator = _STATE["gen"]
    bases: Bases = _STATE["bases"]
    gen.rng = random.Random(_STATE["seed"] * 100_000 + chunk)  # same rows per chunk
    writer = _STATE.get("writer") or _STATE.setdefault("writer", Writer())
    batch: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    # `Model.history` builds a manager on every access: look the models up once.
    histories = {m: m.history.model for m in TABLES}  # type: ignore[attr-defined]
    for offset, (received_at, number) in enumerate(items):
        position = first + offset
        made = gen.complaint(bases.complaint + position, number, received_at)
        batch[Complaint].append(made.complaint)
        batch[histories[Complaint]].extend(made.history)
        for k, row in enumerate(made.correspondence):
            row["id"] = bases.correspondence + position * LETTERS_PER_COMPLAINT + k
        for k, row in enumerate(made.attachments):
            row["id"] = bases.attachment + position * ATTACHMENTS_PER_COMPLAINT + k
        for row in made.extensions:
            row["id"] = bases.extension + position
        for model, rows, actor, at in (
            (Correspondence, made.correspondence, "recorded_by_id", "created_at"),
            (Attachment, made.attachments, "uploaded_by_id", "uploaded_at"),
            (Extension, made.extensions, "requested_by_id", "created_at"),
        ):
            batch[model].extend(rows)
            batch[histories[model]].extend(
                {**row, "history_date": row[at], "history_user_id": row[actor]}
                for row in rows
            )
    writer.write(
        {m: batch[m] for m in TABLES},
        {histories[m]: writer.history_rows(m, batch[histories[m]]) for m in TABLES},
    )
    return len(items)
