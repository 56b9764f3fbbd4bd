from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from complaints.integrity.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (one consistent snapshot) and the media store "
        "(attachments, letters) into a new folder under COMPLAINT_BACKUP_DIR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="folder to create the backup in"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup = backup_create(into=options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Backup written to %(path)s: database %(size)d KB, %(files)d files.")
            % {
                "path": backup.path,
                "size": backup.database_bytes >> 10,
                "files": backup.files,
            }
        )
