"""Load and faults: many handlers at once on gunicorn + PostgreSQL.

    .venv/bin/python tests/bench/load/run_load.py [--users 50] [--duration 120]
        [--restart-db-at 60 [--scratch-cluster]] [--keep]

Creates a fresh database (complaints_load) on the PostgreSQL server of
DATABASE_URL (default postgres://postgres@127.0.0.1:5432), migrates, loads
the demo insurer plus one account per simulated handler, serves it with
gunicorn as in production (debug off, a random secret key) on a free
loopback port, and lets the handlers and one API channel work for the given
duration. With --restart-db-at, PostgreSQL restarts at that second. Then it
checks the database against what the clients saw, writes the results
(JSON + markdown) under --out, stops gunicorn and drops the database.

Exit status 0 when there was no server error, every 503 fell in the restart
window, service came back, and every invariant holds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.bench.load import postgres  # noqa: E402
from tests.bench.load.client import Recorder  # noqa: E402
from tests.bench.load.users import (  # noqa: E402
    Account,
    Case,
    Channel,
    Context,
    Handler,
    Ledger,
)

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# Failures this long after the restart has finished still count as its own.
RESTART_GRACE_SECONDS = 15.0


def arguments() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=50, help="simulated handlers")
    p.add_argument("--duration", type=float, default=120, help="seconds of load")
    p.add_argument("--restart-db-at", type=float, default=None, metavar="SECONDS")
    p.add_argument("--restart-cmd", default=None, help="instead of pg_ctlcluster")
    p.add_argument(
        "--scratch-cluster",
        action="store_true",
        help="run a private PostgreSQL server (initdb) so the restart hits only it",
    )
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument(
        "--think", type=float, nargs=2, default=[3.0, 10.0], metavar=("MIN", "MAX")
    )
    p.add_argument("--api-pace", type=float, default=0.75, help="s between API calls")
    p.add_argument("--seed-complaints", type=int, default=300)
    p.add_argument("--db-name", default="complaints_load")
    p.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    p.add_argument("--out", type=Path, default=ROOT / "test-results" / "load")
    p.add_argument("--keep", action="store_true", help="keep the database")
    p.add_argument(
        "--capacity",
        action="store_true",
        help="instead of the steady run: raise the rate step by step to find the "
        "highest request rate served with p95 <= 500 ms and no error",
    )
    p.add_argument("--start-rate", type=float, default=2.0, help="actions/s, step 1")
    p.add_argument("--rate-factor", type=float, default=1.4, help="rate x per step")
    p.add_argument("--max-rate", type=float, default=200.0)
    p.add_argument("--step-seconds", type=float, default=30.0)
    p.add_argument(
        "--report",
        type=Path,
        default=ROOT / "BENCHMARKS.md",
        help="capacity: the file whose capacity section is rewritten",
    )
    return p.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(
    database_url: str, static_root: Path, media_root: Path
) -> dict[str, str]:
    """Production settings, except plain HTTP on loopback."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, collect static files, seed; in this process, through Django."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from complaints.models import Complaint
    from tests.bench.load.seed import seed_load

    quiet = {"verbosity": 0, "stdout": io.StringIO()}
    call_command("migrate", interactive=False, **quiet)
    call_command("collectstatic", interactive=False, **quiet)
    call_command("seed_demo", complaints=args.seed_complaints, **quiet)
    seeded = seed_load(args.users)
    last = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first()
    seeded["first_new_pk"] = (last or 0) + 1
    connections.close_all()
    return seeded


def start_gunicorn(
    args: argparse.Namespace, env: dict[str, str], port: int
) -> subprocess.Popen[bytes]:
    log = open(args.out / "server.log", "wb")  # noqa: SIM115 (lives with the server)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "60",
        "--access-logfile",
        str(args.out / "access.log"),
        # The worker's own time per request (%(M)s ms), apart from queueing.
        "--access-logformat",
        '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)s',
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=5).ok:
                return server
        except requests.RequestException:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {args.out / 'server.log'}")
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def context(args: argparse.Namespace, seeded: dict[str, Any], port: int) -> Context:
    from sampledata.organisation import DEMO_PASSWORD

    return Context(
        base=f"http://127.0.0.1:{port}",
        password=DEMO_PASSWORD,
        timeout=args.timeout,
        think=(args.think[0], args.think[1]),
        channel_pks=seeded["desk_channels"],
        api_channel_pk=seeded["api_channel_pk"],
        api_token=seeded["api_token"],
        api_institutions=seeded["api_institutions"],
        api_institution_pks=seeded["api_institution_pks"],
        product_lines=seeded["product_lines"],
        categories=seeded["categories"],
        api_pace=args.api_pace,
    )


def drive(
    args: argparse.Namespace,
    ctx: Context,
    seeded: dict[str, Any],
    restart_command: list[str] | None,
) -> tuple[Recorder, Ledger]:
    """Log everyone in, then run the load for the duration (restarting once)."""
    recorder, ledger = Recorder(), Ledger()
    stop, go = threading.Event(), threading.Event()
    for desk in seeded["desks"]:
        for c in desk:
            ledger.register(
                via="seed", phone=c["phone"], outcome="seeded", number=c["number"]
            )
            for action, username in c["steps"]:
                ledger.transition(c["number"], action, "seeded", username)
    handlers = [
        Handler(
            i,
            Account(user, user_pk, inst_pk),
            Account(approver, approver_pk, inst_pk),
            [Case(c["pk"], c["number"], c["status"]) for c in desk],
            ctx,
            recorder,
            ledger,
            stop,
        )
        for i, ((user, user_pk, approver, approver_pk, inst_pk), desk) in enumerate(
            zip(seeded["handlers"], seeded["desks"], strict=True)
        )
    ]
    logged_in: list[bool] = []

    def person(h: Handler, delay: float) -> None:
        time.sleep(delay)
        logged_in.append(h.login())
        go.wait()
        h.run()

    threads = [
        threading.Thread(target=person, args=(h, i * 0.2), daemon=True)
        for i, h in enumerate(handlers)
    ]
    channel = Channel(ctx, recorder, ledger, stop)
    threads.append(
        threading.Thread(target=lambda: (go.wait(), channel.run()), daemon=True)
    )
    for t in threads:
        t.start()
    while len(logged_in) < len(handlers):
        time.sleep(0.2)
    if not all(logged_in):
        print(f"warning: {logged_in.count(False)} handlers could not log in")
    recorder.event("load_start")
    go.set()
    began = time.monotonic()
    if args.restart_db_at is not None and restart_command:
        time.sleep(max(0.0, args.restart_db_at - (time.monotonic() - began)))
        # Output to a file, not a pipe: the restarted server inherits it.
        with open(args.out / "restart.log", "ab") as log:
            recorder.event("restart_start")
            done = subprocess.run(restart_command, stdout=log, stderr=log)
            recorder.event("restart_end")
        print(f"restart: {shlex.join(restart_command)} -> exit {done.returncode}")
    time.sleep(max(0.0, args.duration - (time.monotonic() - began)))
    recorder.event("load_end")
    stop.set()
    for t in threads:
        t.join(timeout=150)
    return recorder, ledger


def work_done(ledger: Ledger) -> dict[str, int]:
    api = {
        r["number"]
        for r in ledger.registrations
        if r["via"] == "api" and r.get("number")
    }
    outcomes = [
        (number, action, outcome)
        for number, seen in ledger.transitions.items()
        for action, outcome, _user in seen
    ]
    return {
        "registered_admin": sum(
            1 for r in ledger.registrations if r["via"] == "admin" and r.get("number")
        ),
        "registered_api": len(api),
        "api_replayed": sum(1 for r in ledger.registrations if r.get("replayed")),
        "taken_from_channel": len(
            {n for n, a, o in outcomes if n in api and a == "accept" and o == "ok"}
        ),
        "transitions_ok": sum(1 for _n, _a, o in outcomes if o == "ok"),
        "transitions_recovered": sum(1 for _n, _a, o in outcomes if o == "recovered"),
        "transitions_refused": sum(1 for _n, _a, o in outcomes if o == "refused"),
        "transitions_failed": sum(1 for _n, _a, o in outcomes if o == "failed"),
        "closed": sum(
            1 for _n, a, o in outcomes if a == "close" and o in {"ok", "recovered"}
        ),
    }


def verdict(summary: dict[str, Any], invariants: list[dict[str, Any]]) -> str:
    problems = []
    if summary["all"]["server_error"] or summary["server_errors"]:
        problems.append("server errors")
    restart = summary["restart"] or {}
    if restart.get("failures_outside_window"):
        problems.append("503s or connection errors outside the restart window")
    if "started_at_s" in restart and restart.get("first_ok_after_restart_s") is None:
        problems.append("no recovery after the restart")
    problems += [f"invariant: {i['name']}" for i in invariants if not i["holds"]]
    return "pass" if not problems else "FAIL (" + "; ".join(problems) + ")"


def main() -> int:
    args = arguments()
    # A plain `kill` cleans up too (gunicorn, the database, the scratch server).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = None
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    if args.scratch_cluster:
        scratch = postgres.ScratchCluster(free_port())
        scratch.start()
        server_url = scratch.url
    database_url = postgres.with_database(server_url, args.db_name)
    server = None
    work_dir = Path(tempfile.mkdtemp(prefix="complaints-load-"))
    try:
        postgres.create_database(server_url, args.db_name)
        env = server_env(database_url, args.out / "static", work_dir / "media")
        os.environ.update(env)
        print(f"seeding {args.db_name} ...", flush=True)
        seeded = prepare(args)
        port = free_port()
        server = start_gunicorn(args, env, port)
        restart_command = None
        if args.restart_db_at is not None:
            restart_command = (
                shlex.split(args.restart_cmd)
                if args.restart_cmd
                else scratch.restart_command()
                if scratch
                else postgres.cluster_restart_command(server_url)
            )
        if args.capacity:
            return find_capacity(args, context(args, seeded, port), seeded, server)
        print(f"load: {args.users} handlers for {args.duration:.0f} s ...", flush=True)
        recorder, ledger = drive(
            args, context(args, seeded, port), seeded, restart_command
        )
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        server = None
        result = results(args, seeded, recorder, ledger, server_url)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        name = "restart" if args.restart_db_at is not None else "steady"
        base = args.out / f"load-{name}-{stamp}"
        base.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str))
        from tests.bench.load.report import markdown

        text = markdown(result)
        base.with_suffix(".md").write_text(text)
        print(text)
        print(f"written: {base}.json, {base}.md")
        return 0 if result["verdict"] == "pass" else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        shutil.rmtree(work_dir, ignore_errors=True)
        if not args.keep:
            postgres.drop_database(server_url, args.db_name)
            if scratch is not None:
                scratch.remove()
        elif scratch is not None:
            print(f"kept the scratch cluster in {scratch.dir} ({scratch.url})")


def find_capacity(
    args: argparse.Namespace,
    ctx: Context,
    seeded: dict[str, Any],
    server: subprocess.Popen[bytes],
) -> int:
    """The ramp of tests/bench/load/capacity.py; results printed, written
    under --out and into --report's capacity section."""
    from tests.bench.harness import write_report
    from tests.bench.load import capacity

    ctx.think = (0.0, 0.0)  # open loop: the rate sets the pace
    recorder, ledger = Recorder(), Ledger()
    stop = threading.Event()
    handlers = [
        Handler(
            i,
            Account(user, user_pk, inst_pk),
            Account(approver, approver_pk, inst_pk),
            [Case(c["pk"], c["number"], c["status"]) for c in desk],
            ctx,
            recorder,
            ledger,
            stop,
        )
        for i, ((user, user_pk, approver, approver_pk, inst_pk), desk) in enumerate(
            zip(seeded["handlers"], seeded["desks"], strict=True)
        )
    ]
    print(f"capacity: logging in {len(handlers)} handlers ...", flush=True)
    if not all(h.login() for h in handlers):
        print("warning: some handlers could not log in")
    recorder.samples.clear()  # the sign-ins are not part of any step

    def report(step: capacity.Step) -> None:
        print(
            f"  {step.rate:6.1f} actions/s offered: {step.served_per_second:6.1f} "
            f"requests/s served, p95 {step.p95_ms:6.0f} ms, {step.errors} errors, "
            f"{step.late} late -> {'passed' if step.passed else 'failed'}",
            flush=True,
        )

    steps = capacity.ramp(
        capacity.Day(handlers),
        recorder.samples,
        start=args.start_rate,
        factor=args.rate_factor,
        seconds=args.step_seconds,
        max_rate=args.max_rate,
        threads=len(handlers),
        report=report,
    )
    config = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": args.users,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "step_seconds": args.step_seconds,
        "postgres": postgres.server_version(
            os.environ.get("DATABASE_URL") or DEFAULT_SERVER
        ),
        "command": shlex.join(sys.argv),
    }
    text = capacity.markdown(steps, config)
    best = capacity.capacity(steps)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = args.out / f"load-capacity-{stamp}"
    base.with_suffix(".json").write_text(
        json.dumps(
            {
                "config": config,
                "steps": [s.as_dict() for s in steps],
                "capacity_requests_per_second": best.served_per_second
                if best
                else None,
                "driver_errors": recorder.errors[:20],
            },
            indent=2,
            default=str,
        )
    )
    base.with_suffix(".md").write_text(text)
    write_report(args.report, text, start=CAPACITY_START, end=CAPACITY_END)
    print(text)
    print(f"written: {base}.json, {base}.md and {args.report}")
    if recorder.errors:
        print("driver errors:", *recorder.errors[:5], sep="\n  ")
    return 0 if best is not None else 1


CAPACITY_START = "<!-- capacity:start -->"
CAPACITY_END = "<!-- capacity:end -->"


def results(
    args: argparse.Namespace,
    seeded: dict[str, Any],
    recorder: Recorder,
    ledger: Ledger,
    server_url: str,
) -> dict[str, Any]:
    from tests.bench.load.checks import check_all
    from tests.bench.load.report import server_time, summarise

    summary = summarise(recorder.samples, recorder.events, RESTART_GRACE_SECONDS)
    summary["server_time"] = server_time(args.out / "access.log")
    invariants = [
        inv.as_dict()
        for inv in check_all(
            ledger,
            first_new_pk=seeded["first_new_pk"],
            api_client_pk=seeded["api_client_pk"],
        )
    ]
    server_log = (args.out / "server.log").read_text(errors="replace")
    return {
        "config": {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "users": args.users,
            "duration": args.duration,
            "restart_db_at": args.restart_db_at,
            "workers": args.workers,
            "think": args.think,
            "seed_complaints": args.seed_complaints,
            "postgres": postgres.server_version(server_url),
            "cpus": os.cpu_count(),
            "command": shlex.join(sys.argv),
        },
        "summary": summary,
        "work": work_done(ledger),
        "invariants": invariants,
        "server_log_tracebacks": server_log.count("Traceback (most recent call last)"),
        "driver_errors": recorder.errors[:20],
        "verdict": verdict(summary, invariants),
    }


if __name__ == "__main__":
    sys.exit(main())
