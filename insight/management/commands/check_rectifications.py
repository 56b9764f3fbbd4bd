"""Daily: judge the rectifications whose after-window is over (issue 18 point 2)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insight import effectiveness


class Command(BaseCommand):
    help = "Judge done rectifications whose window is over; reopen the ineffective."

    def handle(self, *args: Any, **options: Any) -> None:
        verdicts = effectiveness.check_due()
        reopened = sum(v.reopened for v in verdicts)
        self.stdout.write(
            f"check_rectifications: {len(verdicts)} judged, {reopened} reopened"
        )
