"""Plant the insight signals in generated benchmark data (issue 18 point 7)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sampledata.benchgen import plant_signals


class Command(BaseCommand):
    help = (
        "Add the planted signals the insight benchmark measures (a surge, two "
        "rectifications, a ring, escalated cases, a branch that decides "
        "differently) to a generated database. Benchmarks only; a second run "
        "plants nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--escalated", type=int, default=plant_signals.Plan.escalated
        )
        parser.add_argument(
            "--risky-open", type=int, default=plant_signals.Plan.risky_open
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        plan = plant_signals.Plan(
            escalated=options["escalated"], risky_open=options["risky_open"]
        )
        added = plant_signals.plant(today=timezone.localdate(), plan=plan)
        if added:
            seconds = time.monotonic() - started
            self.stdout.write(f"{added:,} planted complaints added in {seconds:.0f} s")
        else:
            self.stdout.write(
                f"Already planted: {plant_signals.planted_count():,} complaints"
            )
