"""`make bench-insight`: each insight feature timed on the benchmark database and
judged against the signals planted in it (issue 18 point 7).

    python tests/bench/insight.py [--database complaints_bench]
        [--report BENCHMARKS.md] [--coding-limit 300000] [--only surge,rings]

Plants the signals first (`plant_insight_signals`, once: a second run plants
nothing), then per feature times its training (where it trains) and its
scoring or search, and measures its quality against the planted truth
(sampledata.benchgen.plant_signals, plant_coding). Writes its own section of
BENCHMARKS.md (between INSIGHT_START and INSIGHT_END), with the calibration
line of `make bench`.

Runs against a database `make bench` has generated (or any generated one);
it adds complaints, alerts, verdicts, models and scores to it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import NAME, environment  # noqa: E402

INSIGHT_START = "<!-- bench-insight:start -->"
INSIGHT_END = "<!-- bench-insight:end -->"
FEATURES = ("surge", "rectification", "coding", "similar", "escalation", "rings")
FEATURES += ("outliers",)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=NAME)
    parser.add_argument("--report", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--coding-limit",
        type=int,
        default=300_000,
        help="the coding model learns from this many recent closed cases",
    )
    parser.add_argument(
        "--escalation-limit",
        type=int,
        default=200_000,
        help="the escalation model learns from this many recent decided cases",
    )
    parser.add_argument("--repeat", type=int, default=5, help="similar-case runs")
    parser.add_argument("--only", default=",".join(FEATURES))
    return parser.parse_args(argv)


def main() -> None:
    args = arguments()
    os.environ.update(environment(args.database))
    started = time.monotonic()
    from tests.bench import harness

    planting = harness.Result("plant_insight_signals", "")
    with harness.calibrating(planting):
        began = time.monotonic()
        said = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "plant_insight_signals"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        planting.runs.append(time.monotonic() - began)
    print(said)
    import django

    django.setup()
    from django.utils import timezone

    from tests.bench import insight_steps, scenarios

    truth = insight_steps.Context.load(timezone.localdate())
    rows = [insight_steps.Row("Planting", "`plant_insight_signals`", planting, said)]
    for feature in args.only.split(","):
        step = getattr(insight_steps, feature.strip())
        done = len(rows)
        step(truth, rows, args)
        for row in rows[done:]:  # progress: a million takes minutes per feature
            print(
                f"{row.feature}: {row.step}: {_time(row)} — {row.quality}", flush=True
            )
    body = report(rows, args, scenarios.complaint_total(), time.monotonic() - started)
    harness.write_report(Path(args.report), body, start=INSIGHT_START, end=INSIGHT_END)
    print(body)


def report(rows: list[Any], args: argparse.Namespace, total: int, wall: float) -> str:
    from django.utils import timezone

    from tests.bench import harness

    lines = [
        "## Insight features against planted truth",
        "",
        f"Measured on {timezone.localdate()} by `make bench-insight` at {total:,} "
        f"complaints (with the planted signals); {wall / 60:.1f} min in all.",
        "",
        f"Machine: {harness.machine()}.",
        "",
        harness.calibration_line([r.result for r in rows]),
        "",
        "Each step runs once, in one process with DEBUG off. Quality is measured "
        "against the signals `plant_insight_signals` planted "
        "(sampledata/benchgen/plant_signals.py) and the miscoded cases of "
        "sampledata/benchgen/plant_coding.py. The coding model learns from the "
        f"{args.coding_limit:,} most recent closed cases (`coding_train(limit=…)`); "
        f"the escalation model from the {args.escalation_limit:,} most recent "
        "decided cases (`train_escalation_model --limit`; every complaint is "
        "still read for the labels); similar cases: median of "
        f"{args.repeat} runs after one warm-up.",
        "",
        "| Feature | Step | Time | Normalised | Quality against the planted truth |",
        "|---|---|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.feature} | {r.step} | {_time(r)} "
            f"| {_time(r, normalised=True)} | {r.quality} |"
        )
    return "\n".join(lines)


def _time(row: Any, normalised: bool = False) -> str:
    if not row.result.runs:
        return "—"  # judged in an earlier run
    ms = row.result.normalised_median_ms if normalised else row.result.median_ms
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


if __name__ == "__main__":
    main()
