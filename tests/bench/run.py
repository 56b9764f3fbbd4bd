"""`make bench`: a million complaints on PostgreSQL, every page measured.

    python tests/bench/run.py [--count 1000000] [--fresh] [--repeat 15]

Creates (or reuses) the database `complaints_bench` on BENCH_DATABASE_URL's
server, fills it with `generate_complaints`, runs Django with production
settings (DEBUG off) against it and writes the figures into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
NAME = os.environ.get("BENCH_DATABASE", "complaints_bench")


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{NAME}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY")
        or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True)


def prepare(count: int, fresh: bool) -> str:
    """Create and fill the database unless it already holds `count` complaints."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [NAME]
        ).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{NAME}"')
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    with psycopg.connect(f"{SERVER}/{NAME}") as conn:
        have = conn.execute("SELECT COUNT(*) FROM complaints_complaint").fetchone()[0]
    if have >= count:
        return f"reused: the database already held {have:,} complaints"
    started = time.monotonic()
    manage("generate_complaints", "--count", str(count - have))
    minutes = (time.monotonic() - started) / 60
    return f"generated {count - have:,} complaints in {minutes:.1f} min"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--report", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    os.environ.update(environment())
    data = prepare(args.count, args.fresh)

    import django

    django.setup()
    from django.utils import timezone

    from tests.bench import harness, scenarios

    results = scenarios.pages(args.repeat)
    results.append(scenarios.regulator_statistics(args.repeat))
    results.append(scenarios.appraisal_scorecard(args.repeat))
    results.append(scenarios.export("csv", args.export_rows, 3))
    results.append(scenarios.export("xlsx", args.export_rows, 3))
    results.append(scenarios.sweep_all(args.repeat))
    results.append(scenarios.registration(1000))
    body = "\n".join(
        [
            f"Measured on {timezone.localdate()} by `make bench` at "
            f"{scenarios.complaint_total():,} complaints ({data}).",
            "",
            f"Machine: {harness.machine()}.",
            "",
            harness.calibration_line(results),
            "",
            "Times are wall-clock in one process with DEBUG off, through Django's test "
            f"client (no network); median and 90th percentile over {args.repeat} runs "
            "after two warm-up runs unless the row says otherwise; queries counted on "
            "the last run. “× calibration” is the median as a multiple of the "
            "calibration loop's time; “normalised” is the median this machine would "
            "have shown at the reference machine's speed.",
            "",
            harness.table(results),
        ]
    )
    harness.write_report(Path(args.report), body)
    print(harness.table(results))


if __name__ == "__main__":
    main()
