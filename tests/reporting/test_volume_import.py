"""Business volumes through the admin's import: GBK CSV, preview, all-or-nothing."""

from __future__ import annotations

import io
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from complaints.models import ImportRecord
from reporting.models import BusinessVolume
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/reporting/businessvolume/"
HEADER = "机构代码,期间,保费收入（元）,保单件数,承保人次,备注"


@pytest.fixture
def admin_user(tree: Any) -> Any:
    return UserFactory(username="sysadmin", is_superuser=True)


def preview(client: Any, name: str, content: bytes, fmt: int) -> Any:
    return client.post(
        f"{URL}import/",
        {"format": str(fmt), "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client: Any, response: Any) -> Any:
    form = response.context["confirm_form"]
    return client.post(f"{URL}process_import/", form.initial)


def test_gbk_csv_imports_after_preview_and_is_recorded(
    client: Any, admin_user: Any
) -> None:
    content = f"{HEADER}\nGDGZ,2026Q3,1200000.50,300,320,季度数据\n".encode("gbk")
    client.force_login(admin_user)
    response = preview(client, "volumes.csv", content, 0)
    assert response.status_code == 200
    assert response.context["result"].totals["new"] == 1
    assert not BusinessVolume.objects.exists()
    confirm(client, response)
    volume = BusinessVolume.objects.get()
    assert volume.premium == Decimal("1200000.50")
    assert volume.note == "季度数据"
    record = ImportRecord.objects.get()
    assert (record.user, record.kind, record.file_name) == (
        admin_user,
        "volumes",
        "volumes.csv",
    )
    assert (record.new, record.invalid, record.committed) == (1, 0, True)
    # The same file again: nothing changes.
    response = preview(client, "volumes.csv", content, 0)
    assert response.context["result"].totals["skip"] == 1
    confirm(client, response)
    assert BusinessVolume.objects.count() == 1


def test_bad_rows_are_reported_with_line_and_nothing_is_written(
    client: Any, admin_user: Any
) -> None:
    book = Workbook()
    for row in (
        HEADER.split(","),
        ["GDGZ", "2026Q3", "1000", "10", "10", ""],
        ["NOPE", "2026Q3", "1000", "10", "10", ""],
        ["GDGZ", "2026Q9", "1000", "10", "10", ""],
    ):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    client.force_login(admin_user)
    response = preview(client, "volumes.xlsx", out.getvalue(), 1)
    result = response.context["result"]
    assert result.has_errors()
    assert result.totals["error"] == 2
    errors = {
        number: [str(e.error) for e in errs] for number, errs in result.row_errors()
    }
    assert errors == {
        2: ["No institution has the code NOPE."],
        3: ["Write a period as 2026Q3, 2026-07, 2026 or 2026-07-01~2026-08-15."],
    }
    html = response.content.decode()
    assert "No institution has the code NOPE." in html
    assert not BusinessVolume.objects.exists()
    assert "confirm_form" not in response.context or not response.context.get(
        "confirm_form"
    )


def test_import_needs_a_system_administrator(client: Any, gd_manager: Any) -> None:
    client.force_login(gd_manager)
    assert client.get(f"{URL}import/").status_code == 403


def test_the_confirmation_may_reach_another_app_server(
    client: Any, admin_user: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """django-import-export keeps the upload in the shared media storage
    (IMPORT_EXPORT_TMP_STORAGE_CLASS), not in one server's temporary directory."""
    for node in ("node-a", "node-b"):
        (tmp_path / node).mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "node-a"))
    content = f"{HEADER}\nGDGZ,2026Q3,1200000.50,300,320,\n".encode("gbk")
    client.force_login(admin_user)
    response = preview(client, "volumes.csv", content, 0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "node-b"))

    confirm(client, response)
    assert BusinessVolume.objects.get().premium == Decimal("1200000.50")
    assert list((tmp_path / "node-a").iterdir()) == []
