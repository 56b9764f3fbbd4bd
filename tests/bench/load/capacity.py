"""`make load LOAD_ARGS="--capacity"`: the highest request rate the server
answers with p95 ≤ 500 ms and no error (issue 19 point 6).

The handlers' day is replayed open-loop: actions start at a fixed rate,
whatever the server's speed (a closed loop of thinking users slows down with
the server and hides its limit). The rate rises step by step — each step
`step_seconds` long — until a step fails; the capacity is the request rate
achieved in the best step that passed. Each action is what a handler does
at one moment, in the proportions of a working day (MIX): open a list or
filter, open a case, search, move a case one step (form + post + the page it
lands on), register a complaint at the desk, open a dashboard. An action
takes one to three requests; the rate offered is in actions, the capacity
is reported in requests a second, as served.

A step fails when its 95th percentile passes P95_LIMIT_MS, when any request
ends in an error (5xx, 503, no answer, 4xx; the application's own refusals
under concurrency are not errors), or when actions could not start on time
because every simulated handler was still waiting for an answer.
"""

from __future__ import annotations

import math
import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from tests.bench.load.client import (
    CLIENT_ERROR,
    CONNECTION,
    SERVER_ERROR,
    THROTTLED,
    UNAVAILABLE,
    Sample,
)
from tests.bench.load.report import percentile
from tests.bench.load.users import ADMIN, NEXT, Case, Handler

P95_LIMIT_MS = 500.0
ERRORS = {SERVER_ERROR, CONNECTION, UNAVAILABLE, THROTTLED, CLIENT_ERROR}
# An action that cannot start within this long of its time (no handler free)
# means the driver, not the server, set the pace: the step does not count.
LATE_SECONDS = 1.0

# A day of handlers, by action (weights in percent).
MIX: list[tuple[str, int]] = [
    ("list", 30),  # the list, its filters, my work
    ("case", 25),  # a case page
    ("search", 10),  # by phone or number
    ("transition", 20),  # one step of a case: form, post, the page after
    ("register", 8),  # a complaint at the desk: form, post, its page
    ("dashboard", 7),  # the manager's dashboard
]


@dataclass
class Step:
    rate: float  # actions offered a second
    seconds: float
    requests: int
    errors: int
    late: int
    p50_ms: float
    p95_ms: float
    served_per_second: float  # requests answered a second
    error_kinds: dict[str, int]

    @property
    def passed(self) -> bool:
        return (
            self.requests > 0
            and self.errors == 0
            and self.late == 0
            and self.p95_ms <= P95_LIMIT_MS
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def step_of(rate: float, seconds: float, samples: list[Sample], late: int) -> Step:
    """The figures of one step from the requests it started."""
    ms = sorted(s.ms for s in samples)
    kinds: dict[str, int] = {}
    for s in samples:
        if s.outcome in ERRORS:
            key = f"{s.kind} {s.outcome} {s.status or ''}".strip()
            kinds[key] = kinds.get(key, 0) + 1
    return Step(
        rate=rate,
        seconds=seconds,
        requests=len(samples),
        errors=sum(kinds.values()),
        late=late,
        p50_ms=round(percentile(ms, 50), 1) if ms else math.nan,
        p95_ms=round(percentile(ms, 95), 1) if ms else math.nan,
        served_per_second=round(len(samples) / seconds, 2) if seconds else 0.0,
        error_kinds=kinds,
    )


def capacity(steps: list[Step]) -> Step | None:
    """The best step that passed before the first one that failed (a ramp
    stops at its first failure; a later lucky step does not count)."""
    best = None
    for step in steps:
        if not step.passed:
            break
        if best is None or step.served_per_second > best.served_per_second:
            best = step
    return best


def next_rate(rate: float, factor: float) -> float:
    return round(rate * factor, 1)


class Day:
    """The handlers and the actions they take, for the dispatcher."""

    def __init__(self, handlers: list[Handler], seed: int = 19) -> None:
        self.free: queue.Queue[Handler] = queue.Queue()
        for h in handlers:
            self.free.put(h)
        self.rnd = random.Random(seed)
        self.lock = threading.Lock()
        # Cases by institution: a handler opens and searches those of its
        # own branch (another branch's are out of its scope: a 404).
        self.cases: dict[int, list[Case]] = {}
        for h in handlers:
            self.cases.setdefault(h.me.institution_pk, []).extend(h.cases)
        names = [name for name, _w in MIX]
        weights = [w for _n, w in MIX]
        self.pick: Callable[[], str] = lambda: self.rnd.choices(names, weights)[0]

    def act(self, h: Handler, action: str) -> None:
        if action == "list":
            h.recent_phone = ""  # searches are their own action
            h.browse()
        elif action == "case":
            h.view(self._any_case(h).pk)
        elif action == "search":
            case = self._any_case(h)
            h.desk.call("GET", f"{ADMIN}?q={case.number}", "list.search")
        elif action == "transition":
            self._transition(h)
        elif action == "register":
            self._register(h)
        elif action == "dashboard":
            h.approver.call(
                "GET", "/admin/reporting/dashboard/manager/", "dashboard.manager"
            )

    def _any_case(self, h: Handler) -> Case:
        with self.lock:
            return self.rnd.choice(self.cases[h.me.institution_pk])

    def _register(self, h: Handler) -> None:
        case = h.register()
        if case is not None:
            h.cases.append(case)
            with self.lock:
                self.cases[h.me.institution_pk].append(case)

    def _transition(self, h: Handler) -> None:
        open_cases = [c for c in h.cases if c.status in NEXT]
        if not open_cases:
            self._register(h)  # an empty desk takes new work
            return
        case = h.rnd.choice(open_cases)
        if not h.transition(case, NEXT[case.status]) or case.status == "closed":
            h.cases.remove(case)


def run_step(
    day: Day,
    pool: ThreadPoolExecutor,
    rate: float,
    seconds: float,
    samples: list[Sample],
) -> Step:
    """Offer `rate` actions a second for `seconds`; wait for the stragglers."""
    first = len(samples)
    late = 0
    pending = []
    began = time.monotonic()
    n = 0
    while True:
        due = began + n / rate
        if due - began >= seconds:
            break
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            handler = day.free.get(timeout=LATE_SECONDS)
        except queue.Empty:
            late += 1
            n += 1
            continue
        if time.monotonic() - due > LATE_SECONDS:
            late += 1
        action = day.pick()

        def job(h: Handler = handler, a: str = action) -> None:
            try:
                day.act(h, a)
            except Exception as exc:  # a driver bug must not stop the step
                h.recorder.driver_error(exc)
            finally:
                day.free.put(h)

        pending.append(pool.submit(job))
        n += 1
    for future in pending:
        future.result()
    step_samples = samples[first:]
    return step_of(rate, time.monotonic() - began, step_samples, late)


def ramp(
    day: Day,
    samples: list[Sample],
    *,
    start: float,
    factor: float,
    seconds: float,
    max_rate: float,
    threads: int,
    report: Callable[[Step], None] = lambda step: None,
) -> list[Step]:
    """Steps of rising rate until one fails (or max_rate)."""
    steps: list[Step] = []
    rate = start
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while rate <= max_rate:
            step = run_step(day, pool, rate, seconds, samples)
            steps.append(step)
            report(step)
            if not step.passed:
                break
            rate = next_rate(rate, factor)
    return steps


def markdown(steps: list[Step], config: dict[str, Any]) -> str:
    best = capacity(steps)
    head = (
        f"**Capacity: {best.served_per_second:.1f} requests a second** "
        f"({best.rate:g} actions a second offered; p95 {best.p95_ms:.0f} ms, "
        "0 errors)"
        if best
        else "**Capacity: below the first step** (it failed)"
    )
    lines = [
        head + f" — {config.get('date', '')}, {config.get('workers')} gunicorn "
        f"workers, {config.get('users')} handlers, {config.get('cpus')} cores, "
        f"steps of {config.get('step_seconds', 0):g} s; mix "
        + ", ".join(f"{name} {w} %" for name, w in MIX)
        + ".",
        "",
        "| Offered (actions/s) | Served (requests/s) | Requests | p50 | p95 "
        "| Errors | Late starts | Step |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in steps:
        errors = str(s.errors)
        if s.error_kinds:
            errors += " (" + ", ".join(f"{k}: {v}" for k, v in s.error_kinds.items())
            errors += ")"
        lines.append(
            f"| {s.rate:g} | {s.served_per_second:.1f} | {s.requests} "
            f"| {s.p50_ms:.0f} ms | {s.p95_ms:.0f} ms | {errors} | {s.late} "
            f"| {'passed' if s.passed else 'failed'} |"
        )
    return "\n".join(lines)
