"""Large imports in the background: read, checked and registered by the task
worker (django-tasks with its database queue: `manage.py db_worker`), never
inside a request, so an upload cannot hold a server's worker past its time
limit.

A file of more than COMPLAINT_IMPORT_INLINE_ROWS data rows becomes an
ImportJob: the upload waits in the media storage (shared by every app server),
the worker reads it within the import limits and checks every row with the
same preview as the page (exchange.imports, organisations.org_import), writing
how far it got; the importer confirms on the job's page and the worker then
imports it through the same all-or-nothing function as a small file. Nothing
is written before the confirmation, and a refusal is a translated message.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints.exchange import imports, spreadsheets
from complaints.models import ImportJob
from organisations import org_import

logger = logging.getLogger(__name__)

SPOOL_DIR = "import-spool"
# A checked file not confirmed within this time is dropped (it holds personal
# data); its job says so.
SPOOL_MAX_AGE = timedelta(days=1)
# The problems a job keeps to show (every one is counted).
PROBLEMS_SHOWN = 500

NOT_CONFIRMABLE = _(
    "This import cannot be confirmed: only its importer confirms it, once, "
    "after every row was checked valid."
)
FAILED = _(
    "The import stopped on an unexpected error; nothing was imported. Upload "
    "the file again, or ask a system administrator to read the server log."
)
EXPIRED = _("Not confirmed within a day: the file was deleted. Upload it again.")

S = ImportJob.Stage


def inline_rows() -> int:
    return int(getattr(settings, "COMPLAINT_IMPORT_INLINE_ROWS", 1_000))


def import_job_start(
    *, actor: Any, kind: str, filename: str, content: bytes
) -> ImportJob:
    """Queue a file for checking by the worker (the caller checked the
    importer may import this kind at all; the rows are checked per row)."""
    _drop_expired()
    spool = default_storage.save(
        f"{SPOOL_DIR}/job-{uuid.uuid4().hex}", ContentFile(content)
    )
    with transaction.atomic():
        job = ImportJob.objects.create(
            user=actor,
            kind=kind,
            file_name=filename[:200],
            spool=spool,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        _enqueue(job)
    return job


def import_job_confirm(*, actor: Any, job: ImportJob) -> ImportJob:
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.user_id != actor.pk or locked.stage != S.CHECKED or locked.invalid:
            raise ValidationError(NOT_CONFIRMABLE, code="not_confirmable")
        locked.stage = S.CONFIRMED
        locked.save(update_fields=["stage", "updated_at"])
        _enqueue(locked)
    return locked


def _enqueue(job: ImportJob) -> None:
    from complaints.messaging.tasks import run_import_job

    # The database backend writes the task in this transaction: the job and
    # its task are committed together or not at all.
    run_import_job.enqueue(job.pk)


def import_job_run(*, job_id: int) -> None:
    """The worker's part: check a queued file, or import a confirmed one.
    Idempotent: a job in any other stage is left as it is."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.stage not in (S.QUEUED, S.CONFIRMED):
            return
        job.stage = S.CHECKING if job.stage == S.QUEUED else S.IMPORTING
        job.save(update_fields=["stage", "updated_at"])
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            content = _spooled(job)
            if job.stage == S.CHECKING:
                _check(job, content)
            else:
                _import(job, content)
        except ValidationError as exc:
            _finish(job, S.REFUSED, message=" ".join(exc.messages))
        except Exception:
            logger.exception("import job %s failed", job.pk)
            _finish(job, S.REFUSED, message=str(FAILED))
            raise


def _spooled(job: ImportJob) -> bytes:
    try:
        with default_storage.open(job.spool, "rb") as spool:
            content: bytes = spool.read()
    except FileNotFoundError as exc:
        raise ValidationError(EXPIRED, code="expired") from exc
    return content


def _check(job: ImportJob, content: bytes) -> None:
    rows = spreadsheets.file_rows(filename=job.file_name, content=content)
    total = len(rows) - 1
    ImportJob.objects.filter(pk=job.pk).update(rows_total=total)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done)

    if job.kind == ImportJob.Kind.REGULATOR_TRANSFERS:
        preview = imports.regulator_transfers_preview(
            actor=job.user, rows=rows, progress=progress
        )
    else:
        preview = org_import.organisation_preview(kind=job.kind, rows=rows)
    job.rows_total = job.rows_done = total
    _counts(job, preview)
    if preview.is_valid:
        _finish(job, S.CHECKED, delete=False)
    else:
        _finish(job, S.REFUSED, message=str(imports.NOT_VALID))


def _import(job: ImportJob, content: bytes) -> None:
    if job.kind == ImportJob.Kind.REGULATOR_TRANSFERS:
        preview, record = imports.regulator_transfers_import(
            actor=job.user, filename=job.file_name, content=content
        )
    else:
        preview, record = org_import.organisation_import(
            actor=job.user, kind=job.kind, filename=job.file_name, content=content
        )
    job.record = record
    _counts(job, preview)
    if record.committed:
        _finish(job, S.DONE, message=imports.summary(preview))
    else:  # the data changed since the check
        _finish(job, S.REFUSED, message=str(imports.NOT_VALID))


def _counts(job: ImportJob, preview: imports.Preview) -> None:
    job.new, job.unchanged, job.invalid = (
        preview.new,
        preview.unchanged,
        preview.invalid,
    )
    job.problems = [
        [p.line, p.column, p.message] for p in preview.problems[:PROBLEMS_SHOWN]
    ]


def _finish(
    job: ImportJob, stage: str, *, message: str = "", delete: bool = True
) -> None:
    job.stage, job.message = stage, message
    if delete and job.spool:
        default_storage.delete(job.spool)
        job.spool = ""
    job.save()


def _drop_expired() -> None:
    cutoff = timezone.now() - SPOOL_MAX_AGE
    for job in ImportJob.objects.filter(stage=S.CHECKED, updated_at__lt=cutoff):
        with translation.override(job.language or settings.LANGUAGE_CODE):
            _finish(job, S.REFUSED, message=str(EXPIRED))
