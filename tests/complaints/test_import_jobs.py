"""A large import runs in the task worker (django-tasks, database queue), never
in the request: the upload answers at once with the job's page, the worker
checks the rows and shows its progress, the importer confirms, the worker
imports all or nothing."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from complaints.exchange import import_jobs
from complaints.models import Complaint, ImportJob, ImportRecord
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_import_limits import QUICK, huge_xlsx
from tests.complaints.test_import_regulator import HEADER, line, xlsx

pytestmark = pytest.mark.django_db
URL = "/admin/complaints/complaint/import-regulator/"
ROWS = [line(f"YJ-{i}") for i in range(1, 6)]


@pytest.fixture(autouse=True)
def _today(time_machine: Any, settings: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))
    settings.COMPLAINT_IMPORT_INLINE_ROWS = 3


@pytest.fixture
def importer(make_member: Any, tree: Any) -> Any:
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


def worker() -> None:
    """What `manage.py db_worker` does, until the queue is empty. Inside the
    test's transaction: the worker's close_old_connections() would close the
    connection on PostgreSQL (autocommit is off inside a test), so it is a no-op
    here; the worker in production keeps it."""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections"
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("transfers.xlsx", xlsx(ROWS)),
        ("transfers.csv", "\n".join(",".join(r) for r in [HEADER, *ROWS]).encode()),
    ],
)
def test_a_large_file_is_checked_confirmed_and_imported_by_the_worker(
    client: Any, importer: Any, name: str, content: bytes
) -> None:
    client.force_login(importer)

    response = upload(client, name, content)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL.rsplit('/', 2)[0]}/import-job/{job.pk}/"
    assert job.stage == ImportJob.Stage.QUEUED
    assert not Complaint.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "waiting for the worker" in page
    assert 'http-equiv="refresh"' in page

    worker()
    job.refresh_from_db()
    assert (job.stage, job.rows_total, job.rows_done, job.new) == ("checked", 5, 5, 5)
    assert not Complaint.objects.exists()  # nothing before the confirmation
    page = client.get(response["Location"]).content.decode()
    assert "5 new, 0 unchanged, 0 invalid rows." in page
    assert 'name="confirm"' in page

    client.post(response["Location"], {"confirm": "1"})
    worker()

    job.refresh_from_db()
    assert job.stage == ImportJob.Stage.DONE
    assert job.record is not None
    assert job.record.committed
    assert set(Complaint.objects.values_list("regulator_reference", flat=True)) == {
        f"YJ-{i}" for i in range(1, 6)
    }
    assert job.spool == ""  # the upload (personal data) is gone
    page = client.get(response["Location"]).content.decode()
    assert f"/import-regulator/done/{job.record.pk}/" in page


def test_invalid_rows_are_listed_and_the_job_cannot_be_confirmed(
    client: Any, importer: Any
) -> None:
    rows = [*ROWS, line("YJ-9", 转送日期="2026-02-30")]
    client.force_login(importer)
    location = upload(client, "t.xlsx", xlsx(rows))["Location"]
    worker()

    job = ImportJob.objects.get()
    assert (job.stage, job.invalid) == ("refused", 1)
    assert job.problems == [
        [7, "转送日期", "“2026-02-30” is not a date (write it as YYYY-MM-DD)."]
    ]
    page = client.get(location).content.decode()
    assert "The file has invalid rows: nothing was imported." in page
    client.post(location, {"confirm": "1"})
    worker()
    assert not Complaint.objects.exists()
    assert not default_storage.exists(job.spool or "none")


def test_another_user_gets_what_a_missing_job_gives(
    client: Any, importer: Any, make_member: Any
) -> None:
    client.force_login(importer)
    location = upload(client, "t.xlsx", xlsx(ROWS))["Location"]
    worker()
    other = make_member("gd_compliance_2", Membership.Role.COMPLIANCE, "GD")
    client.force_login(other)
    assert client.get(location).status_code == 404
    assert client.post(location, {"confirm": "1"}).status_code == 404
    with pytest.raises(Exception, match="only its importer"):
        import_jobs.import_job_confirm(actor=other, job=ImportJob.objects.get())
    assert ImportJob.objects.get().stage == ImportJob.Stage.CHECKED


def test_a_million_row_sheet_under_the_row_limit_check_runs_in_the_background(
    client: Any, importer: Any, settings: Any
) -> None:
    """The million-row file of the attack, with the row limit raised past it:
    still never read in the request; the worker refuses it with the limit."""
    settings.COMPLAINT_IMPORT_MAX_ROWS = 2_000_000
    settings.COMPLAINT_IMPORT_MAX_UNPACKED_MB = 1_000
    content = huge_xlsx(1_000_000, declare=False)
    client.force_login(importer)

    started = time.monotonic()
    response = upload(client, "transfers.xlsx", content)
    assert time.monotonic() - started < QUICK
    assert response.status_code == 302

    settings.COMPLAINT_IMPORT_MAX_ROWS = 2_000  # lowered before the worker reads
    worker()
    job = ImportJob.objects.get()
    assert job.stage == ImportJob.Stage.REFUSED
    assert job.message == (
        "The file has more than 2000 rows: split it into files of at most 2000 rows."
    )
    assert not Complaint.objects.exists()
    assert not ImportRecord.objects.filter(committed=True).exists()


def test_the_job_speaks_the_importers_language(client: Any, importer: Any) -> None:
    client.force_login(importer)
    rows = [*ROWS, line("YJ-9", 转送日期="2026-02-30")]
    client.post(
        URL,
        {"file": SimpleUploadedFile("t.xlsx", xlsx(rows))},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    worker()
    job = ImportJob.objects.get()
    assert job.language == "zh-hans"
    assert "YYYY-MM-DD" in job.problems[0][2]
    assert "不是" in job.problems[0][2] or "日期" in job.problems[0][2]
