"""Timing, query counting and the BENCHMARKS.md report of `make bench`."""

from __future__ import annotations

import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


@dataclass
class Result:
    name: str
    target: str
    runs: list[float] = field(default_factory=list)  # seconds
    queries: int | None = None
    query_budget: int | None = None
    peak_mb: float | None = None
    note: str = ""
    limit_s: float | None = None  # the target as a number, for the verdict
    per_second: float | None = None  # a throughput, where the target is one
    min_per_second: float | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs) * 1000

    @property
    def p90_ms(self) -> float:
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] * 1000

    @property
    def verdict(self) -> str:
        ok = self.limit_s is None or self.median_ms <= self.limit_s * 1000
        if self.min_per_second is not None:
            ok = ok and (self.per_second or 0) >= self.min_per_second
        if self.query_budget is not None and self.queries is not None:
            ok = ok and self.queries <= self.query_budget
        if self.peak_mb is not None and "MB" in self.target:
            ok = ok and self.peak_mb <= 300
        return "met" if ok else "**missed**"


def measure(
    name: str,
    action: Callable[[], Any],
    *,
    target: str,
    limit_s: float | None,
    repeat: int = 15,
    warmup: int = 2,
    query_budget: int | None = None,
    note: str = "",
) -> Result:
    """Run `action` warmup + repeat times; count the queries of the last run."""
    result = Result(name, target, query_budget=query_budget, note=note, limit_s=limit_s)
    for _ in range(warmup):
        action()
    for i in range(repeat):
        reset_queries()
        if i == repeat - 1:
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                action()
                result.runs.append(time.perf_counter() - started)
            result.queries = len(ctx.captured_queries)
        else:
            started = time.perf_counter()
            action()
            result.runs.append(time.perf_counter() - started)
    return result


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return (
        f"{cpu}, {cores} cores{mem}; Python {platform.python_version()}; "
        f"PostgreSQL {pg}"
    )


def table(results: list[Result]) -> str:
    lines = [
        "| Measurement | Target | Median | p90 | Queries | Peak memory | Verdict |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        queries = "" if r.queries is None else str(r.queries)
        if r.query_budget is not None:
            queries += f" (≤{r.query_budget})"
        peak = "" if r.peak_mb is None else f"{r.peak_mb:.0f} MB"
        name = r.name + (f" — {r.note}" if r.note else "")
        lines.append(
            f"| {name} | {r.target} | {_ms(r.median_ms)} | {_ms(r.p90_ms)} "
            f"| {queries} | {peak} | {r.verdict} |"
        )
    return "\n".join(lines)


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.0f} ms"


def write_report(path: Path, body: str) -> None:
    """Replace the generated part of BENCHMARKS.md, keep what people wrote."""
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    path.write_text(f"{head}{START}\n{body}\n{END}{tail}")
