"""The import/export log: calendar imports are logged, and the read-only admin."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from complaints.models import ExportRecord, ImportRecord
from tests.complaints.test_calendar import HOLIDAYS_2027, csv_bytes, year_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
IMPORTS = "/admin/complaints/importrecord/"
EXPORTS = "/admin/complaints/exportrecord/"


@pytest.fixture
def sysadmin(db: Any) -> Any:
    return UserFactory(username="sysadmin", is_superuser=True)


def test_calendar_upload_is_logged(client: Any, sysadmin: Any) -> None:
    client.force_login(sysadmin)
    url = "/admin/complaints/calendarday/import/"
    good = csv_bytes(year_rows(2027, HOLIDAYS_2027), "gbk")
    client.post(url, {"file": SimpleUploadedFile("2027.csv", good), "dry_run": "on"})
    assert not ImportRecord.objects.exists()  # a dry run confirms nothing
    assert (
        client.post(url, {"file": SimpleUploadedFile("2027.csv", good)}).status_code
        == 302
    )
    record = ImportRecord.objects.get()
    assert (record.kind, record.user, record.file_name) == (
        "calendar",
        sysadmin,
        "2027.csv",
    )
    assert (record.new, record.unchanged, record.committed) == (365, 0, True)

    bad = csv_bytes(year_rows(2028)[:10], "utf-8")  # an incomplete year
    client.post(url, {"file": SimpleUploadedFile("2028.csv", bad)})
    refused = ImportRecord.objects.order_by("-pk")[0]
    assert (refused.file_name, refused.committed) == ("2028.csv", False)
    assert refused.invalid >= 1


def test_load_calendar_file_is_logged(tmp_path: Any) -> None:
    path = tmp_path / "2027.csv"
    path.write_bytes(csv_bytes(year_rows(2027, HOLIDAYS_2027), "gbk"))
    call_command(
        "load_calendar", "--file", str(path), "--dry-run", stdout=io.StringIO()
    )
    assert not ImportRecord.objects.exists()
    call_command("load_calendar", "--file", str(path), stdout=io.StringIO())
    call_command("load_calendar", "--file", str(path), stdout=io.StringIO())
    first, second = ImportRecord.objects.order_by("pk")
    assert (first.kind, first.user, first.new, first.committed) == (
        "calendar",
        None,
        365,
        True,
    )
    assert (second.new, second.unchanged) == (0, 365)
    path.write_bytes(csv_bytes(year_rows(2028)[:10], "utf-8"))
    with pytest.raises(CommandError):
        call_command("load_calendar", "--file", str(path), stderr=io.StringIO())
    assert not ImportRecord.objects.order_by("-pk")[0].committed


def records(users: list[Any]) -> None:
    for user in users:
        ImportRecord.objects.create(
            user=user, file_name=f"{user.username}.csv", kind="regulator", new=1
        )
        ExportRecord.objects.create(
            user=user, kind="complaints", file_format="csv", filters="q=x", row_count=3
        )


def test_log_shows_compliance_only_their_own_records(
    client: Any, ho_compliance: Any, sysadmin: Any
) -> None:
    records([ho_compliance, sysadmin])
    client.force_login(ho_compliance)
    for url in (IMPORTS, EXPORTS):
        response = client.get(url)
        assert response.status_code == 200
        assert [r.user for r in response.context["cl"].result_list] == [ho_compliance]
        assert client.get(f"{url}add/").status_code == 403
    other = ImportRecord.objects.get(user=sysadmin)
    # Outside the user's records: answered like a missing record.
    assert client.get(f"{IMPORTS}{other.pk}/change/")["Location"] == "/admin/"
    own = ImportRecord.objects.get(user=ho_compliance)
    page = client.get(f"{IMPORTS}{own.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # read-only
    assert client.post(f"{IMPORTS}{own.pk}/delete/").status_code == 403
    assert ImportRecord.objects.count() == 2

    client.force_login(sysadmin)
    response = client.get(IMPORTS)
    assert response.context["cl"].result_count == 2
    assert b"sysadmin.csv" in response.content
    assert client.get(EXPORTS).context["cl"].result_count == 2


def test_log_is_closed_to_handlers(
    client: Any, tianhe_handler: Any, ho_compliance: Any
) -> None:
    records([ho_compliance, tianhe_handler])
    client.force_login(tianhe_handler)
    assert client.get(IMPORTS).status_code == 403
    assert client.get(EXPORTS).status_code == 403
    index = client.get("/admin/")
    assert b"/admin/complaints/importrecord/" not in index.content
