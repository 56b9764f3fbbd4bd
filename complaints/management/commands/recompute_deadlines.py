from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.services import recompute_open_deadlines


class Command(BaseCommand):
    help = (
        "Recompute the stored due dates of open complaints from the calendar "
        "(all of them, or those whose clock touches --year). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help="only complaints whose clock touches this year (repeatable)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count the changes, keep none"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = set(options["years"]) if options["years"] else None
        if options["dry_run"]:
            # The service has no dry run: do the work and roll it back.
            with transaction.atomic():
                changed = recompute_open_deadlines(years=years)
                transaction.set_rollback(True)
            self.stdout.write(
                _("Dry run, nothing written: %(n)d open complaints would change.")
                % {"n": changed}
            )
            return
        changed = recompute_open_deadlines(years=years)
        self.stdout.write(
            _("Deadlines recomputed: %(n)d open complaints changed.") % {"n": changed}
        )
