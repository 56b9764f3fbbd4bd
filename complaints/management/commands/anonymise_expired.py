from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from complaints.integrity.retention import BATCH_SIZE, anonymise_expired


class Command(BaseCommand):
    help = (
        "Anonymise the complaints closed more than COMPLAINT_RETENTION_YEARS ago "
        "(DOMAIN.md §6). Counts only, unless --apply. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--apply", action="store_true", help="anonymise (default: count only)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help="complaints per transaction",
        )
        parser.add_argument(
            "--actor", metavar="USERNAME", help="recorded as the history's user"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        actor = None
        if options["actor"]:
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(
                    _("No user named %(name)s.") % {"name": options["actor"]}
                )
        try:
            result = anonymise_expired(
                apply=options["apply"], actor=actor, batch_size=options["batch_size"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())
