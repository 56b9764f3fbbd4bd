"""Weekly surge sweep (issue 18 point 1): `manage.py surge_alerts [--week DATE]`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from insight import surge


class Command(BaseCommand):
    help = "Test last week's complaint rates against history; store and send alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week",
            type=date.fromisoformat,
            help="a day of the week (default: last week)",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result = surge.sweep(week_start=options["week"], dry_run=options["dry_run"])
        self.stdout.write(
            f"surge_alerts: week {result.week_start}–{result.week_end}, "
            f"{result.tested} series tested, {len(result.alerts)} alerts "
            f"({result.new} new)"
        )
