"""Backups that restore: backup_data -> restore_data into an empty database
and media folder -> verify_audit passes on the copy (PostgreSQL: pg_dump and
pg_restore, in processes of their own, as an operator runs them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from complaints.integrity.backups import backup_create
from complaints.models import Complaint
from complaints.services import attachment_add, complaint_accept

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump and pg_restore"
)


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _case_file(register: Any, handler: Any) -> Complaint:
    c = register(handler)
    c = complaint_accept(complaint=c, actor=handler)
    attachment_add(
        complaint=c,
        actor=handler,
        upload=SimpleUploadedFile("定损单.pdf", PDF, content_type="application/pdf"),
        kind="evidence",
    )
    return c


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_and_its_audit_trail_verifies(
    register: Any, tianhe_handler: Any, tmp_path: Path
) -> None:
    c = _case_file(register, tianhe_handler)
    stored = c.attachments.get().file.name
    history = c.history.count()  # type: ignore[attr-defined]
    backup = backup_create(into=tmp_path / "backups")
    restored = f"{connection.settings_dict['NAME']}_restored"
    media = tmp_path / "restored-media"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}"')
    env = {"DATABASE_URL": _url(restored), "DJANGO_MEDIA_ROOT": str(media)}
    try:
        done = _manage("restore_data", str(backup.path), **env)
        assert done.returncode == 0, done.stderr
        assert "Audit trail intact" in done.stdout or "审计" in done.stdout
        with psycopg.connect(
            _url(restored).replace("postgres://", "postgresql://")
        ) as db:
            numbers = db.execute("SELECT number FROM complaints_complaint").fetchall()
            rows = db.execute(
                "SELECT count(*) FROM complaints_historicalcomplaint"
            ).fetchone()
            assert numbers == [(c.number,)]
            assert rows == (history,)
        assert (media / stored).read_bytes() == PDF

        # The check is real: a row changed in the copy is reported.
        with psycopg.connect(
            _url(restored).replace("postgres://", "postgresql://")
        ) as db:
            db.execute("UPDATE complaints_historicalcomplaint SET facts = 'x'")
        tampered = _manage("verify_audit", **env)
        assert tampered.returncode == 1

        # Never over live data: a second restore into the same database.
        again = _manage("restore_data", str(backup.path), **env)
        assert again.returncode != 0
        assert "is not empty" in again.stderr or "不是空" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_restore_never_writes_over_a_database_in_use_nor_from_a_damaged_backup(
    register: Any, tianhe_handler: Any, tmp_path: Path
) -> None:
    _case_file(register, tianhe_handler)
    call_command("backup_data", "--output", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["media_files"] == 1

    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore_data", str(folder))
    with (folder / "media.tar.gz").open("ab") as part:
        part.write(b"\0")
    with pytest.raises(CommandError, match="media.tar.gz does not match"):
        call_command("restore_data", str(folder))
    with pytest.raises(CommandError, match="is not a backup folder"):
        call_command("restore_data", str(tmp_path / "backups"))
    assert Complaint.objects.count() == 1
