from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from complaints.integrity.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder (backup_data) into an empty database and an "
        "empty media folder, then check the audit trail (verify_audit)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="the backup folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup = backup_restore(source=options["backup"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Restored %(path)s: database and %(files)d files.")
            % {"path": backup.path, "files": backup.files}
        )
        # Exits 1 and lists the rows when the restored trail does not verify.
        call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
