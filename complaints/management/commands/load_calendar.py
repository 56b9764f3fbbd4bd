from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from complaints.timing.calendar_service import (
    CalendarError,
    CalendarImportError,
    calendar_file_rows,
    calendar_import_record,
    calendar_import_rows,
    calendar_load_year,
)


class Command(BaseCommand):
    help = (
        "Load a year of the working-day calendar from the chinese-calendar package "
        "(--year), or import whole years from an .xlsx/.csv file with the columns "
        "date, is_workday, name (--file). Idempotent; open complaints' deadlines "
        "are recomputed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--year", type=int, help="a year the package covers")
        source.add_argument("--file", type=Path, help="path to an .xlsx or .csv file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        try:
            if options["year"] is not None:
                result = calendar_load_year(year=options["year"], dry_run=dry_run)
            else:
                path: Path = options["file"]
                try:
                    content = path.read_bytes()
                except OSError as exc:
                    # The operating system's own words stay out of the message.
                    raise CommandError(
                        _("The file %(path)s cannot be read (missing, or no access).")
                        % {"path": path}
                    ) from exc
                try:
                    rows = calendar_file_rows(filename=path.name, content=content)
                    result = calendar_import_rows(
                        rows=rows, actor=None, source=path.name, dry_run=dry_run
                    )
                except CalendarImportError as exc:
                    if not dry_run:
                        calendar_import_record(
                            actor=None,
                            filename=path.name,
                            invalid=len({e.line for e in exc.row_errors}),
                        )
                    raise
                except CalendarError:
                    if not dry_run:
                        calendar_import_record(
                            actor=None, filename=path.name, invalid=1
                        )
                    raise
                if not dry_run:
                    calendar_import_record(
                        actor=None, filename=path.name, result=result
                    )
        except CalendarImportError as exc:
            for error in exc.row_errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)d problems in the file; nothing was written.")
                % {"count": len(exc.row_errors)}
            ) from exc
        except CalendarError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(result.summary())
