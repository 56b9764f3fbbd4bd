"""Exports from the complaint changelist: scope, masking, formulas, BOM, log."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from complaints.exchange.exports import (
    COMPLAINT_HEADERS,
    CORRESPONDENCE_HEADERS,
    safe_cell,
)
from complaints.models import Complaint, ExportRecord
from complaints.services import correspondence_record
from organisations import permissions as P
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
BASE = "/admin/complaints/complaint/"
FORMULA = '=HYPERLINK("http://evil.example","点击")'


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def cases(
    register: Any, tianhe_handler: Any, xihu_handler: Any
) -> dict[str, Complaint]:
    return {
        "gd": register(tianhe_handler, complainant_name=FORMULA),
        "zj": register(xihu_handler, "ZJHZXH", phone="13900139000"),
    }


def xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def gd_exporter(make_member: Any) -> Any:
    """EXPORT on 广东分公司 without the personal-data permission (a role the
    defaults do not have: senior manager plus a direct export grant)."""
    user = make_member("gd_exporter", Membership.Role.SENIOR_MANAGER, "GD")
    assign_perm(
        "organisations.export_complaints", user, user.memberships.get().institution
    )
    P.forget(user)
    return user


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_written_as_text(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


def test_plain_values_are_untouched() -> None:
    assert safe_cell("林小雨") == "林小雨"
    assert safe_cell(None) == ""
    assert safe_cell(3) == 3


def test_xlsx_export_neutralises_formulas_and_keeps_in_scope(
    client: Any, cases: Any, ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    response = client.get(f"{BASE}export/complaints.xlsx")
    assert response.status_code == 200
    rows = xlsx_rows(response)
    assert rows[0] == COMPLAINT_HEADERS
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == {cases["gd"].number, cases["zj"].number}
    name = by_number[cases["gd"].number][COMPLAINT_HEADERS.index("投诉人姓名")]
    assert name == "'" + FORMULA
    phone = by_number[cases["zj"].number][COMPLAINT_HEADERS.index("联系电话")]
    assert phone == "13900139000"  # compliance holds the personal-data permission


def test_export_masks_personal_data_and_is_scoped(
    client: Any, cases: Any, gd_exporter: Any
) -> None:
    client.force_login(gd_exporter)
    rows = xlsx_rows(client.get(f"{BASE}export/complaints.xlsx"))
    assert [r[0] for r in rows[1:]] == [cases["gd"].number]  # no 浙江 complaint
    row = dict(zip(COMPLAINT_HEADERS, rows[1], strict=True))
    assert row["证件号码"] == "4401**********1235"
    assert row["联系电话"] == "138****8000"
    assert row["电子邮箱"] == "***"
    assert str(row["投诉人姓名"]).startswith("'=")  # masked and still text
    assert "HYPERLINK" not in str(row["投诉人姓名"])


def test_export_applies_the_changelist_filters(
    client: Any, cases: Any, ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    zj = cases["zj"].institution
    response = client.get(f"{BASE}export/complaints.csv?institution={zj.pk}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    numbers = [r[0] for r in list(csv.reader(io.StringIO(text)))[1:]]
    assert numbers == [cases["zj"].number]
    response = client.get(f"{BASE}export/complaints.csv?q={cases['zj'].number}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [r[0] for r in list(csv.reader(io.StringIO(text)))[1:]] == [
        cases["zj"].number
    ]


def test_csv_starts_with_bom_decodes_and_is_logged(
    client: Any, cases: Any, ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    response = client.get(f"{BASE}export/complaints.csv?status__exact=registered")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COMPLAINT_HEADERS
    assert len(rows) == 3
    assert any(r[6] == "'" + FORMULA for r in rows[1:])
    record = ExportRecord.objects.get()
    assert record.user == ho_compliance
    assert record.row_count == 2
    assert record.file_format == "csv"
    assert record.kind == "complaints"
    assert "status__exact=registered" in record.filters


def test_correspondence_export(
    client: Any, cases: Any, ho_compliance: Any, tianhe_handler: Any
) -> None:
    correspondence_record(
        actor=tianhe_handler,
        complaint=cases["gd"],
        direction="out",
        method="phone",
        occurred_at=datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI),
        summary="-致电说明进度",
    )
    client.force_login(ho_compliance)
    rows = xlsx_rows(client.get(f"{BASE}export/correspondence.xlsx"))
    assert rows[0] == CORRESPONDENCE_HEADERS
    assert len(rows) == 2
    assert rows[1][0] == cases["gd"].number
    assert rows[1][5] == "'-致电说明进度"
    record = ExportRecord.objects.get()
    assert (record.kind, record.file_format, record.row_count) == (
        "correspondence",
        "xlsx",
        1,
    )


@pytest.mark.parametrize("persona", ["tianhe_handler", "gd_manager", "outsider"])
def test_without_export_permission_no_export_or_import_url(
    client: Any, cases: Any, request: Any, persona: str
) -> None:
    client.force_login(request.getfixturevalue(persona))
    for url in (
        f"{BASE}export/complaints.xlsx",
        f"{BASE}export/complaints.csv",
        f"{BASE}export/correspondence.csv",
        f"{BASE}import-regulator/",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(f"{BASE}import-regulator/").status_code in (403, 404)
    assert not ExportRecord.objects.exists()


def test_changelist_shows_export_links_only_to_exporters(
    client: Any, cases: Any, ho_compliance: Any, tianhe_handler: Any
) -> None:
    client.force_login(ho_compliance)
    assert b'id="export-xlsx"' in client.get(BASE).content
    client.force_login(tianhe_handler)
    assert b'id="export-xlsx"' not in client.get(BASE).content
