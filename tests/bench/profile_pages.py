"""Time and profile the workbench's pages against a filled database.

    DATABASE_URL=... python tests/bench/profile_pages.py [--profile NAME]

Each page: median of the runs after two warm-ups, the same figure normalised
to the reference machine by the harness's CPU calibration, and the statements
of the last run. With --profile, cProfile of that page's runs, by cumulative
and by own time (how issue 19's Python cost was found).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("PROFILE_ROOT", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "profile-pages-only")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

LIST = "/admin/complaints/complaint/"


def _pages() -> dict[str, tuple[str, str]]:
    """name -> (username, url)"""
    from complaints.models import Code, Complaint
    from organisations.models import Institution

    sd = Institution.objects.get(code="SD")
    claims = Code.objects.get(kind="category", code="claims")
    sample = Complaint.objects.filter(phone__gt="").order_by("-id")[500]
    case = (
        Complaint.objects.filter(institution__code="SD0101", status="closed")
        .order_by("-id")
        .first()
    )
    handler = "bench_h_SD0101_1"
    first = Complaint.objects.order_by("-received_at", "-id")[99]
    after = f"{first.received_at.isoformat()}~{first.pk}".replace("+", "%2B")
    pages = {
        "list": ("admin", LIST),
        "list-handler": (handler, LIST),
        "deep": ("admin", LIST + "?p=50"),
        "keyset": ("admin", LIST + "?after=" + after),
        "overdue": ("admin", LIST + "?due=overdue"),
        "overdue-manager": ("bench_m_SD", LIST + "?due=overdue"),
        "week": ("admin", LIST + "?due=week"),
        "subtree": ("admin", LIST + f"?institution={sd.pk}"),
        "status": ("admin", LIST + "?status__exact=investigating"),
        "category": ("admin", LIST + f"?category__id__exact={claims.pk}"),
        "search-phone": ("admin", LIST + f"?q={sample.phone}"),
        "search-name": ("admin", LIST + f"?q={sample.complainant_name}"),
        "my-work": (handler, LIST + "my-work/"),
        "my-work-manager": ("bench_m_SD", LIST + "my-work/"),
        "my-work-team-overdue": ("bench_m_SD", LIST + "my-work/?show=team_overdue"),
        "my-work-team-week": ("bench_m_SD", LIST + "my-work/?show=team_week"),
        "approvals": ("bench_m_SD", "/admin/complaints/approvalrequest/"),
    }
    from datetime import timedelta

    from django.utils import timezone

    from reporting import periods

    quarter = periods.current_quarter(timezone.localdate())
    dash = "/admin/reporting/dashboard/"
    pages["manager-dashboard"] = (
        "bench_m_SD",
        f"{dash}manager/?institution=SD&period={quarter}",
    )
    pages["compliance"] = (
        "compliance_ho",
        f"{dash}compliance/?institution=HO&period={quarter}",
    )
    last = periods.current_quarter(quarter.start - timedelta(days=1))
    pages["regulator"] = (
        "compliance_ho",
        f"{dash}regulator/?institution=HO&period={last}",
    )
    pages["drilldown"] = (
        "compliance_ho",
        f"{dash}drilldown/?institution=HO&period={quarter}&metric=concluded",
    )
    pages["disclosure"] = (
        "compliance_ho",
        f"{dash}disclosure/?institution=HO&period={quarter.start.year - 1}",
    )
    pages["feedback"] = (
        "compliance_ho",
        f"{dash}regulator-feedback/?institution=HO&period={last}",
    )
    if case is not None:
        pages["case"] = (handler, f"{LIST}{case.pk}/change/")
    return pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("only", nargs="*")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--profile", default="")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--sql", action="store_true", help="each statement's time, slowest first"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.bench.harness import measure

    clients: dict[str, Any] = {}

    def client(username: str) -> Any:
        if username not in clients:
            c = Client()
            c.force_login(get_user_model().objects.get(username=username))
            clients[username] = c
        return clients[username]

    for name, (user, url) in _pages().items():
        if args.only and name not in args.only:
            continue
        c = client(user)

        def get(c: Any = c, url: str = url) -> None:
            response = c.get(url)
            assert response.status_code == 200, (url, response.status_code)

        r = measure(name, get, target="", limit_s=None, repeat=args.repeat)
        body = b"".join(c.get(url))  # a page, or a streamed file
        rows = body.count(b'class="field-number"') or body.count(b'<tr id="work-')
        print(
            f"{name:22} {r.median_ms:7.1f} ms  normalised {r.normalised_median_ms:6.1f}"
            f" ms  calib {r.calibration_ms:5.1f}  queries {r.queries:3}  rows {rows}"
        )
        if args.sql:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                get()
            for q in sorted(captured, key=lambda q: -float(q["time"]))[:12]:
                print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
        if args.profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                get()
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            if os.environ.get("PROFILE_CALLERS"):
                stats.print_callers(os.environ["PROFILE_CALLERS"])


if __name__ == "__main__":
    main()
