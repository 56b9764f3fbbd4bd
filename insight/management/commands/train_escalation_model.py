"""Train the escalation-risk model from the decided complaints (weekly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insight.escalation_store import escalation_train


class Command(BaseCommand):
    help = "Learn the escalation risk from the insurer's own decided complaints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="learn from this many most recent decided cases (default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be a positive number of cases")
        record = escalation_train(limit=options["limit"])
        q = record.quality
        self.stdout.write(
            f"escalation v{record.version}: {record.sample_count} cases "
            f"({q['escalated']} escalated), held-out AUC {q['auc_held_out']}"
        )
