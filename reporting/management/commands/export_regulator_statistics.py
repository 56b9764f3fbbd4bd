"""Write the regulator's quarterly complaint statistics workbook (xlsx)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organisations.models import Institution
from reporting import periods
from reporting.workbook import write_regulator_workbook


class Command(BaseCommand):
    help = (
        "Export the regulator's complaint statistics for a period as xlsx, "
        "e.g. --period 2026Q3 [--institution GD] [--output file.xlsx]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2026Q3, 2026-07, 2026")
        parser.add_argument(
            "--institution", default="", help="institution code (default: head office)"
        )
        parser.add_argument("--output", default="", help="file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = periods.parse(options["period"])
        except periods.PeriodError as exc:
            raise CommandError(str(exc)) from exc
        code = options["institution"].strip().upper()
        try:
            institution = (
                Institution.objects.get(code=code)
                if code
                else Institution.objects.get(parent__isnull=True)
            )
        except Institution.DoesNotExist as exc:
            raise CommandError(f"No institution {code or '(head office)'}.") from exc
        output = options["output"] or (
            f"regulator-statistics-{institution.code}-{period}.xlsx"
        )
        # The command line runs with the operating system's trust: unrestricted.
        with open(output, "wb") as stream:
            counts = write_regulator_workbook(
                user=None, institution=institution, period=period, stream=stream
            )
        self.stdout.write(
            f"Wrote {output}: {institution.code} {period}, "
            f"{counts['下级机构']} institutions, "
            f"{counts['群体及监管转送投诉']} group/regulator complaints listed."
        )
