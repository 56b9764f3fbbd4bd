from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.messaging.jobs import sweep


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today: {value!r} is not a YYYY-MM-DD date") from exc


class Command(BaseCommand):
    help = (
        "Queue due-soon (5, 3, 1 working days), overdue and escalation alerts for "
        "open complaints. Idempotent; one run at a time across nodes on PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=str, help="sweep as of this date (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count the alerts, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["today"]) if options["today"] else None
        result = sweep(today=today, dry_run=options["dry_run"])
        self.stdout.write(result.summary())
