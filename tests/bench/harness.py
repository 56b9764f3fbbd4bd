"""Timing, query counting and the BENCHMARKS.md report of `make bench`.

Every figure is recorded twice: as measured, and normalised to the machine the
targets were set on. A shared or throttled machine runs everything slower by
about the same factor, so each measurement is bracketed by a CPU calibration
(a fixed pure-Python loop) and judged on `measured × REFERENCE / calibration`:
a slow hour no longer flips a verdict, and figures from two machines compare.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

# The calibration loop's time on the machine BENCHMARKS.md's targets were set
# on (2026-11-25, final run: `sum(range(10**6))` took 14-16 ms).
REFERENCE_CALIBRATION_MS = 15.0
CALIBRATION_RUNS = 7


def calibrate() -> float:
    """Median milliseconds of a fixed pure-Python loop on this machine, now."""
    runs = []
    for _ in range(CALIBRATION_RUNS):
        started = time.perf_counter()
        sum(range(10**6))
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


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
    calibration_ms: float | None = None  # this machine's loop, around the runs
    max_mb: float | None = None  # a peak-memory target (not normalised)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs) * 1000

    @property
    def p90_ms(self) -> float:
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] * 1000

    @property
    def speed(self) -> float:
        """How much slower than the reference machine this one ran (1.0 when
        not calibrated): figures are divided by it to be normalised."""
        if not self.calibration_ms:
            return 1.0
        return self.calibration_ms / REFERENCE_CALIBRATION_MS

    @property
    def normalised_median_ms(self) -> float:
        return self.median_ms / self.speed

    @property
    def normalised_per_second(self) -> float | None:
        return None if self.per_second is None else self.per_second * self.speed

    @property
    def in_calibrations(self) -> float | None:
        """The median as a multiple of the calibration loop's time."""
        if not self.calibration_ms:
            return None
        return self.median_ms / self.calibration_ms

    @property
    def verdict(self) -> str:
        # Judged on the normalised figures; the absolute ones stay in the table.
        ok = self.limit_s is None or self.normalised_median_ms <= self.limit_s * 1000
        if self.min_per_second is not None:
            ok = ok and (self.normalised_per_second or 0) >= self.min_per_second
        if self.query_budget is not None and self.queries is not None:
            ok = ok and self.queries <= self.query_budget
        if self.max_mb is not None:
            # Memory does not scale with CPU speed: judged as measured.
            ok = ok and self.peak_mb is not None and self.peak_mb <= self.max_mb
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
    with calibrating(result):
        _run(result, action, repeat)
    return result


@contextmanager
def calibrating(result: Result) -> Iterator[Result]:
    """Calibrate just before and just after the runs; keep the mean of the two,
    so a change of speed during a long measurement counts half."""
    before = calibrate()
    yield result
    result.calibration_ms = (before + calibrate()) / 2


def _run(result: Result, action: Callable[[], Any], repeat: int) -> None:
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


def calibration_line(results: list[Result]) -> str:
    measured = [r.calibration_ms for r in results if r.calibration_ms]
    if not measured:
        return "CPU calibration: not measured."
    return (
        f"CPU calibration (`sum(range(10**6))`, median of {CALIBRATION_RUNS}, taken "
        f"around each measurement): {min(measured):.1f}–{max(measured):.1f} ms "
        f"during this run; the reference machine took {REFERENCE_CALIBRATION_MS:.0f} "
        "ms. Verdicts are judged on the normalised figures."
    )


def table(results: list[Result]) -> str:
    lines = [
        "| Measurement | Target | Median | p90 | × calibration | Normalised median "
        "| Queries | Peak memory | Verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        queries = "" if r.queries is None else str(r.queries)
        if r.query_budget is not None:
            queries += f" (≤{r.query_budget})"
        peak = "" if r.peak_mb is None else f"{r.peak_mb:.0f} MB"
        name = r.name + (f" — {r.note}" if r.note else "")
        multiple = "" if r.in_calibrations is None else f"{r.in_calibrations:.1f}"
        if r.normalised_per_second is not None:
            normalised = f"{r.normalised_per_second:.0f}/s"
        else:
            normalised = _ms(r.normalised_median_ms)
        lines.append(
            f"| {name} | {r.target} | {_ms(r.median_ms)} | {_ms(r.p90_ms)} "
            f"| {multiple} | {normalised} | {queries} | {peak} | {r.verdict} |"
        )
    return "\n".join(lines)


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.0f} ms"


def write_report(path: Path, body: str, *, start: str = START, end: str = END) -> None:
    """Replace the generated part of BENCHMARKS.md (between `start` and
    `end`, added at the end if missing), keep what people wrote."""
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1] if end in rest else ""
    path.write_text(f"{head}{start}\n{body}\n{end}{tail}")
