"""Backups that restore: the database and the attachment store, together.

`backup_create` writes one folder per backup under COMPLAINT_BACKUP_DIR:

- the database as one consistent snapshot: `pg_dump --format=custom` on
  PostgreSQL (a single transaction, so every table is of the same moment), the
  SQLite online-backup API on SQLite;
- the media store (attachments, letters' PDFs) as `media.tar.gz`, taken after
  the database snapshot: a file the snapshot refers to was written before it
  (files are only added, and deleted only by `anonymise_expired`: schedule the
  two apart), so the backup never lacks a file its database names;
- `manifest.json`: when, which engine, the sha256 of each part.

`backup_restore` restores such a folder into an empty database and an empty
media folder only (never over live data), after checking every part against
the manifest; the command then runs `verify_audit` on the restored copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media.tar.gz"
DATABASE = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# Uploads waiting for an import's confirmation: transient, not backed up.
TRANSIENT_MEDIA = ("import-spool",)

UNSUPPORTED = _("Backups support PostgreSQL and SQLite, not %(engine)s.")
TOOL_FAILED = _("%(tool)s failed: %(detail)s")
NOT_A_BACKUP = _("%(path)s is not a backup folder (no readable manifest.json).")
DAMAGED = _("The backup is damaged: %(part)s does not match its checksum.")
OTHER_ENGINE = _("The backup is of a %(backup)s database; this database is %(engine)s.")
DATABASE_NOT_EMPTY = _(
    "The database is not empty: restore only into a new, empty database "
    "(createdb, no migrate)."
)
MEDIA_NOT_EMPTY = _(
    "The media folder %(path)s is not empty: restore into an empty one."
)


class BackupError(Exception):
    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params
        super().__init__(str(message) % params if params else str(message))


@dataclass
class Backup:
    path: Path
    engine: str
    files: int
    database_bytes: int


def backup_dir() -> Path:
    return Path(getattr(settings, "COMPLAINT_BACKUP_DIR", "backups"))


def backup_create(*, into: Path | None = None) -> Backup:
    engine = connection.vendor
    if engine not in DATABASE:
        raise BackupError(UNSUPPORTED, engine=engine)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = (into or backup_dir()) / f"backup-{stamp}"
    target.mkdir(parents=True)
    database = target / DATABASE[engine]
    if engine == "postgresql":
        _pg_dump(database)
    else:
        _sqlite_backup(database)
    files = _tar_media(target / MEDIA)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "media_files": files,
        "sha256": {p.name: _digest(p) for p in (database, target / MEDIA)},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return Backup(target, engine, files, database.stat().st_size)


def backup_restore(*, source: Path) -> Backup:
    manifest = _manifest(source)
    engine = connection.vendor
    if manifest.get("engine") != engine:
        raise BackupError(OTHER_ENGINE, backup=manifest.get("engine"), engine=engine)
    for part, digest in manifest["sha256"].items():
        if not (source / part).is_file() or _digest(source / part) != digest:
            raise BackupError(DAMAGED, part=part)
    if connection.introspection.table_names():
        raise BackupError(DATABASE_NOT_EMPTY)
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(media.iterdir()):
        raise BackupError(MEDIA_NOT_EMPTY, path=media)
    database = source / DATABASE[engine]
    if engine == "postgresql":
        _pg_restore(database)
    else:
        _sqlite_restore(database)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA, "r:gz") as archive:
        archive.extractall(media, filter="data")  # no paths outside media/
    return Backup(
        source, engine, int(manifest.get("media_files", 0)), database.stat().st_size
    )


def _manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(NOT_A_BACKUP, path=source) from exc
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("sha256"), dict):
        raise BackupError(NOT_A_BACKUP, path=source)
    return manifest


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = [f"--dbname={db['NAME']}"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args.append(f"{flag}={db[key]}")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(tool: str, args: list[str], env: dict[str, str]) -> None:
    if shutil.which(tool) is None:
        raise BackupError(TOOL_FAILED, tool=tool, detail="not installed")
    done = subprocess.run(
        [tool, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(TOOL_FAILED, tool=tool, detail=done.stderr.strip()[-500:])


def _pg_dump(target: Path) -> None:
    args, env = _pg_args()
    # Custom format: compressed, one snapshot, restored table by table.
    _run("pg_dump", [*args, "--format=custom", f"--file={target}"], env)


def _pg_restore(source: Path) -> None:
    args, env = _pg_args()
    _run(
        "pg_restore",
        [*args, "--no-owner", "--no-privileges", "--exit-on-error", str(source)],
        env,
    )


def _sqlite_backup(target: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)  # type: ignore[union-attr]
    copy.close()


def _sqlite_restore(source: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(source) as backup:
        backup.backup(connection.connection)  # type: ignore[arg-type]
    backup.close()


def _tar_media(target: Path) -> int:
    media = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                relative = path.relative_to(media)
                if relative.parts[0] in TRANSIENT_MEDIA or not path.is_file():
                    continue
                archive.add(path, arcname=str(relative), recursive=False)
                count += 1
    return count
