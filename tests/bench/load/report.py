"""Turn the samples into the results table (JSON and a markdown snippet)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tests.bench.load.client import OK, REFUSED, SERVER_ERROR, UNAVAILABLE, Sample
from tests.bench.load.users import STEPS

OUTCOMES = [
    OK,
    REFUSED,
    UNAVAILABLE,
    SERVER_ERROR,
    "client_error",
    "throttled",
    "connection",
]
ROWS = [
    "login",
    "register.form",
    "register.post",
    "complaint.view",
    "action.form",
    *[f"{action}.post" for action, _target in STEPS],
    "list.all",
    "list.filter",
    "list.search",
    "list.my_work",
    "list.channel",
    "api.register",
    "api.list",
]
ACTIONS = {action for action, _target in STEPS}
ACCESS = re.compile(r'"(?P<method>[A-Z]+) [^"]*" \d{3} \S+ (?P<ms>\d+)$')


def row_of(kind: str) -> str:
    head, _, tail = kind.partition(".")
    if head == "login":
        return "login"
    if head in ACTIONS and tail == "form":
        return "action.form"
    return kind


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_ms:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


def _stats(samples: list[Sample], seconds: float) -> dict[str, Any]:
    ms = sorted(s.ms for s in samples)
    outcomes = Counter(s.outcome for s in samples)
    return {
        "requests": len(samples),
        "per_second": round(len(samples) / seconds, 2) if seconds else None,
        **{o: outcomes.get(o, 0) for o in OUTCOMES},
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(ms[-1], 1) if ms else None,
    }


def summarise(
    samples: list[Sample], events: dict[str, float], grace: float
) -> dict[str, Any]:
    start, end = events["load_start"], events["load_end"]
    seconds = end - start
    measured = [
        s for s in samples if start <= s.at <= end and row_of(s.kind) != "login"
    ]
    groups: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        groups[row_of(s.kind)].append(s)
    by_kind = {
        row: _stats(groups[row], seconds if row != "login" else 0)
        for row in ROWS
        if groups.get(row)
    }
    summary: dict[str, Any] = {
        "measured_seconds": round(seconds, 1),
        "all": _stats(measured, seconds),
        "by_kind": by_kind,
        "restart": _restart(samples, events, grace),
    }
    refused = Counter(f"{s.kind}: {s.detail}" for s in samples if s.outcome == REFUSED)
    summary["refusals"] = dict(refused.most_common(5))
    bad = [s for s in samples if s.outcome == SERVER_ERROR]
    summary["server_errors"] = [
        {"kind": s.kind, "at": round(s.at, 1), "status": s.status, "detail": s.detail}
        for s in bad[:10]
    ]
    return summary


def _restart(
    samples: list[Sample], events: dict[str, float], grace: float
) -> dict[str, Any] | None:
    """Where the failures fell relative to the restart, and when service came back."""
    failures = [s for s in samples if s.outcome in {UNAVAILABLE, "connection"}]
    if "restart_start" not in events:
        return {"failures_outside_window": len(failures)}
    began, done = events["restart_start"], events["restart_end"]
    window = (began, done + grace)

    def ended(s: Sample) -> float:
        return s.at + s.ms / 1000

    inside = [s for s in failures if window[0] <= ended(s) <= window[1]]
    after_ok = [ended(s) for s in samples if s.outcome == OK and s.at >= done]
    first_ok = min(after_ok) - done if after_ok else None
    last_failure = max((ended(s) for s in failures), default=None)
    load_start = events["load_start"]  # times below count from it
    return {
        "started_at_s": round(began - load_start, 1),
        "took_s": round(done - began, 2),
        "window_s": [round(w - load_start, 1) for w in window],
        "failures_in_window": dict(Counter(s.outcome for s in inside)),
        "failures_outside_window": len(failures) - len(inside),
        "first_ok_after_restart_s": None if first_ok is None else round(first_ok, 2),
        "last_failure_s": None
        if last_failure is None
        else round(last_failure - load_start, 1),
    }


def server_time(access_log: Path) -> dict[str, Any]:
    """p50/p95/p99 of the workers' own time per request (gunicorn's %(M)s), by
    method: the rest of the client's latency is waiting for a free worker."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in access_log.read_text(errors="replace").splitlines():
        found = ACCESS.search(line)
        # Logins are hashing on purpose (PBKDF2); they happen before the run.
        if found and "/login/" not in line:
            times[found["method"]].append(float(found["ms"]))
    out = {}
    for method, ms in sorted(times.items()):
        ms.sort()
        out[method] = {
            "requests": len(ms),
            **{f"p{p}_ms": round(percentile(ms, p), 1) for p in (50, 95, 99)},
        }
    return out


def markdown(result: dict[str, Any]) -> str:
    cfg, s = result["config"], result["summary"]
    lines = [
        f"### Load: {cfg['users']} handlers + 1 API channel, {cfg['duration']} s, "
        f"gunicorn {cfg['workers']} workers, PostgreSQL {cfg['postgres']}"
        + (f", restart at {cfg['restart_db_at']} s" if cfg["restart_db_at"] else ""),
        "",
        f"{cfg['date']}, {cfg['cpus']} CPUs shared with other work, "
        f"think time {cfg['think'][0]}–{cfg['think'][1]} s, "
        f"{cfg['seed_complaints']} demo complaints seeded. "
        f"Verdict: **{result['verdict']}**.",
        "",
        "| request | n | req/s | ok | refused | 503 | 5xx | other | p50 ms | p95 ms "
        "| p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [*s["by_kind"].items(), ("**all (measured)**", s["all"])]
    for name, r in rows:
        other = r["client_error"] + r["throttled"] + r["connection"]
        lines.append(
            f"| {name} | {r['requests']} | {r['per_second'] or '—'} | {r[OK]} "
            f"| {r[REFUSED]} | {r[UNAVAILABLE]} | {r[SERVER_ERROR]} | {other} "
            f"| {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} |"
        )
    lines += ["", _work_line(result["work"])]
    served = "; ".join(
        f"{method} p50 {t['p50_ms']:.0f} / p95 {t['p95_ms']:.0f} "
        f"/ p99 {t['p99_ms']:.0f}"
        for method, t in s.get("server_time", {}).items()
    )
    if served:
        lines.append(
            f"Time inside the gunicorn worker (ms, from its access log): {served}; "
            "the rest of the latency above is waiting for a free worker."
        )
    restart = s["restart"]
    if restart and "started_at_s" in restart:
        lines.append(
            f"PostgreSQL restart at {restart['started_at_s']} s took "
            f"{restart['took_s']} s; failed requests inside the window "
            f"{restart['failures_in_window'] or 'none'}, outside it "
            f"{restart['failures_outside_window']}; the last failure ended at "
            f"{restart['last_failure_s']} s, the first success after the restart "
            f"{restart['first_ok_after_restart_s']} s after it."
        )
    lines.append(
        f"Server log: {result['server_log_tracebacks']} tracebacks (each 503's "
        "cause is logged for the operators; none reaches a user)."
    )
    if result["driver_errors"]:
        lines.append(
            f"Driver errors (the harness, not the app): {result['driver_errors']}"
        )
    lines += ["", "| invariant | checked | holds |", "|---|---:|---|"]
    for inv in result["invariants"]:
        mark = "yes" if inv["holds"] else f"**no** ({inv['problems']})"
        lines.append(f"| {inv['name']} | {inv['checked']} | {mark} |")
    return "\n".join(lines) + "\n"


def _work_line(work: dict[str, Any]) -> str:
    return (
        f"Work done: {work['registered_admin']} complaints registered at the desk, "
        f"{work['registered_api']} through the API ({work['api_replayed']} answered "
        f"by an idempotent replay), {work['taken_from_channel']} channel complaints "
        f"taken by handlers, {work['transitions_ok']} transitions "
        f"({work['transitions_recovered']} recovered after a lost answer, "
        f"{work['transitions_refused']} refused by the application), "
        f"{work['closed']} complaints closed."
    )
