from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from complaints.messaging.letters import PdfUnavailable
from complaints.services import letters_render_missing_pdfs


class Command(BaseCommand):
    help = (
        "Render and store the PDF of every letter sent that has none yet "
        "(open case files). Idempotent; schedule it every few minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count, change nothing"
        )
        parser.add_argument(
            "--limit", type=int, default=500, help="letters per run (default 500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = letters_render_missing_pdfs(
                dry_run=options["dry_run"], limit=options["limit"]
            )
        except PdfUnavailable as exc:
            raise CommandError(
                _(
                    "PDFs cannot be rendered on this machine: WeasyPrint needs "
                    "Pango (see the README's system packages). %(error)s"
                )
                % {"error": exc}
            ) from exc
        if options["dry_run"]:
            self.stdout.write(
                _("Dry run: %(n)d letters have no PDF yet.") % {"n": done}
            )
        else:
            self.stdout.write(
                _("Letters: %(n)d PDFs rendered and stored.") % {"n": done}
            )
