"""Rebuild, fold or check the KPI rollup (reporting.rollup).

manage.py rollup_kpis --rebuild   # after rows were written past the services
manage.py rollup_kpis --compact   # fold the ledger into one row per cell
manage.py rollup_kpis --check     # list cells that differ from the complaints
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting import rollup


class Command(BaseCommand):
    help = (
        "Rebuild the KPI rollup from the complaints (--rebuild), fold its ledger "
        "rows (--compact), or compare it with the complaints (--check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--rebuild", action="store_true")
        group.add_argument("--compact", action="store_true")
        group.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["rebuild"]:
            cells = rollup.rebuild()
            self.stdout.write(f"{cells:,} cells in {time.monotonic() - started:.1f} s")
        elif options["compact"]:
            cells = rollup.compact()
            self.stdout.write(f"{cells:,} cells in {time.monotonic() - started:.1f} s")
        else:
            found = rollup.differences()
            for row in found[:50]:
                self.stdout.write(" ".join(str(v) for v in row))
            if found:
                raise CommandError(
                    f"{len(found)} figures differ: run rollup_kpis --rebuild"
                )
            self.stdout.write("The rollup equals the complaints.")
