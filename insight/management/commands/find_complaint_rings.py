"""Search the recent complaints for rings (run weekly by the scheduler, or by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insight.ring_store import ring_search


class Command(BaseCommand):
    help = "Group recent complaints tied by agent, address or wording into rings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="window (default: settings)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = ring_search(days=options["days"])
        self.stdout.write(
            f"{run.ring_count} rings among {run.complaint_count} complaints "
            f"({run.window_from:%Y-%m-%d}..{run.window_to:%Y-%m-%d}) "
            f"in {run.seconds:.1f} s"
        )
