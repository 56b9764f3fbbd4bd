from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.messaging.jobs import deliver


class Command(BaseCommand):
    help = (
        "Send the due e-mail and SMS rows of the notification outbox (letters are "
        "printed from the admin). Failures are retried with back-off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=None, help="send at most this many rows"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count the due rows, send nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            result = deliver(limit=limit, dry_run=options["dry_run"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())
