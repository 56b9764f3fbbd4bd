"""Score every open complaint's escalation risk with the newest model (daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from insight.escalation_store import escalation_score
from insight.store import NoModel


class Command(BaseCommand):
    help = "Score the open complaints' escalation risk (never changes a complaint)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = escalation_score()
        except NoModel as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"{count} open complaints scored")
