"""Write the regulator's quarterly complaint statistics workbook (xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from organisations.models import Institution
from reporting import periods
from reporting.workbook import write_regulator_workbook


class Command(BaseCommand):
    help = (
        "Export the regulator's complaint statistics for a period as xlsx, "
        "e.g. --period 2026Q3 [--institution GD] [--output file.xlsx]; by "
        "default into COMPLAINT_REPORTS_DIR (DJANGO_REPORTS_DIR)."
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
            raise CommandError(
                _("No institution has the code %(code)s.") % {"code": code}
                if code
                else _("No head office: load the organisation first.")
            ) from exc
        output = (
            Path(options["output"])
            if options["output"]
            else _default_path(institution.code, str(period))
        )
        # The command line runs with the operating system's trust: unrestricted.
        with open(output, "wb") as stream:
            counts = write_regulator_workbook(
                user=None, institution=institution, period=period, stream=stream
            )
        self.stdout.write(
            _(
                "Wrote %(path)s: %(code)s %(period)s, %(institutions)d "
                "institutions, %(listed)d group or regulator-transferred "
                "complaints listed."
            )
            % {
                "path": output,
                "code": institution.code,
                "period": period,
                "institutions": counts["下级机构"],
                "listed": counts["群体及监管转送投诉"],
            }
        )


def _default_path(code: str, period: str) -> Path:
    """In the reports folder (a setting), never the working directory."""
    folder = Path(getattr(settings, "COMPLAINT_REPORTS_DIR", "reports"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"regulator-statistics-{code}-{period}.xlsx"
