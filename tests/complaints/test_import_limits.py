"""Imports cannot take a server down: size, row and cell limits, refused
before or while reading (never the whole file in the request), and header
mistakes refused as a whole. Each door: the regulator-transfer page, the
organisation import, the calendar and the business volumes."""

from __future__ import annotations

import io
import re
import time
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from complaints.exchange import imports, spreadsheets
from complaints.models import Complaint, ImportRecord
from complaints.timing import calendar_service as cal
from tests.complaints.test_import_regulator import HEADER, line, xlsx
from tests.factories import UserFactory
from tests.hostile import template_pattern

pytestmark = pytest.mark.django_db
URL = "/admin/complaints/complaint/import-regulator/"
SHEET = "xl/worksheets/sheet1.xml"
# A refusal on a loaded two-core machine, not a parse of a million rows.
QUICK = 15.0


def huge_xlsx(rows: int, *, declare: bool) -> bytes:
    """An xlsx of `rows` transfer rows (their first three cells), under a MB
    on disk: one row repeated, so it compresses well (as the attacker's did).
    With `declare` the sheet states its size (<dimension>), as Excel writes
    it; without, openpyxl would parse the whole sheet to open it."""
    template = Workbook()
    template.active.append(HEADER)
    out = io.BytesIO()
    template.save(out)
    cells = "".join(
        f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in line("YJ")[:3]
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="A1:N{rows + 1}"/>' if declare else "")
        + "<sheetData>"
        + "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER).join(
            ("<row>", "</row>")
        )
    )
    body = f"<row>{cells}</row>" * rows
    xml = (head + body + "</sheetData></worksheet>").encode()
    result = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = xml if item.filename == SHEET else source.read(item.filename)
            target.writestr(item.filename, data, compresslevel=9)
    return result.getvalue()


@pytest.fixture
def importer(make_member: Any, tree: Any) -> Any:
    from organisations.models import Membership

    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


def post(client: Any, name: str, content: bytes) -> tuple[Any, float]:
    started = time.monotonic()
    response = client.post(URL, {"file": SimpleUploadedFile(name, content)})
    return response, time.monotonic() - started


@pytest.mark.parametrize(
    ("rows", "declare"),
    [(100_000, True), (100_000, False), (1_000_000, True), (1_000_000, False)],
)
def test_a_sheet_of_too_many_rows_is_refused_quickly_with_the_limit(
    client: Any, importer: Any, rows: int, declare: bool
) -> None:
    content = huge_xlsx(rows, declare=declare)
    assert len(content) < 10 << 20  # under the size limit: the row limit acts
    client.force_login(importer)

    response, took = post(client, "transfers.xlsx", content)

    assert response.status_code == 200
    assert took < QUICK
    page = response.content.decode()
    assert (
        "The file has more than 50000 rows: split it into files of at most "
        "50000 rows." in page
    )
    assert "preview" not in response.context
    assert not Complaint.objects.exists()


def test_the_row_limit_is_a_setting(client: Any, importer: Any, settings: Any) -> None:
    settings.COMPLAINT_IMPORT_MAX_ROWS = 2
    client.force_login(importer)
    three = xlsx([line("YJ-1"), line("YJ-2"), line("YJ-3")])
    response, _took = post(client, "transfers.xlsx", three)
    assert "The file has more than 2 rows" in response.content.decode()
    two = xlsx([line("YJ-1"), line("YJ-2")])
    response, _took = post(client, "transfers.xlsx", two)
    assert response.context["preview"].new == 2


def test_a_long_cell_is_refused_with_its_line_and_the_limit(
    client: Any, importer: Any, settings: Any
) -> None:
    """A 5 MB cell was accepted; the limit is a setting."""
    client.force_login(importer)
    big = xlsx([line("YJ-1"), line("YJ-2", 主要事实和理由="事" * 10_001)])
    response, _took = post(client, "transfers.xlsx", big)
    assert (
        "Line 3: a cell is longer than 10000 characters, the limit for one cell."
        in response.content.decode()
    )
    settings.COMPLAINT_IMPORT_MAX_CELL_CHARS = 20_000
    response, _took = post(client, "transfers.xlsx", big)
    assert response.context["preview"].invalid == 0


def test_a_zip_bomb_is_refused_before_it_is_parsed(settings: Any) -> None:
    settings.COMPLAINT_IMPORT_MAX_UNPACKED_MB = 1
    content = huge_xlsx(20_000, declare=False)  # unpacks to several MB
    with pytest.raises(spreadsheets.SpreadsheetError) as caught:
        spreadsheets.file_rows(filename="a.xlsx", content=content)
    assert caught.value.messages == [
        "The workbook unpacks to more than 1 MB: save only the data sheet and "
        "upload it again."
    ]


@pytest.mark.parametrize("name", ["transfers.csv", "transfers.xlsx"])
def test_duplicate_headers_are_refused(client: Any, importer: Any, name: str) -> None:
    """The first of two 投诉人姓名 columns silently won: a complaint was stored
    under the wrong name."""
    header = [*HEADER, "投诉人姓名"]
    rows = [header, [*line("YJ-1"), "另一个人"]]
    client.force_login(importer)
    response, _took = post(client, name, as_file(name, rows))
    assert (
        "The header row names these columns more than once: 投诉人姓名. Keep one "
        "of each." in response.content.decode()
    )
    assert "preview" not in response.context
    assert not Complaint.objects.exists()


def test_unknown_and_missing_headers_are_refused(importer: Any) -> None:
    typo = [h if h != "保单号" else "保险单号" for h in HEADER]
    with pytest.raises(imports.ImportFileError) as caught:
        imports.regulator_transfers_import(
            actor=importer,
            filename="a.csv",
            content=as_file("a.csv", [typo, line("YJ-1")]),
        )
    assert caught.value.messages == [
        "The header row has columns this import does not know: 保险单号. Remove "
        "them or use the import template."
    ]
    assert not Complaint.objects.exists()
    assert ImportRecord.objects.get().committed is False


@pytest.mark.parametrize("name", ["transfers.csv", "transfers.xlsx"])
def test_a_header_only_file_is_refused(client: Any, importer: Any, name: str) -> None:
    """It committed an empty import."""
    client.force_login(importer)
    response, _took = post(client, name, as_file(name, [HEADER, ["", " "]]))
    assert (
        "The file holds a header row but no data rows: nothing to import."
        in response.content.decode()
    )
    assert "preview" not in response.context
    assert not ImportRecord.objects.filter(committed=True).exists()


NOT_SPREADSHEETS = [
    ("a.xlsx", b"PK\x03\x04 not really a zip"),  # "File is not a zip file"
    ("a.csv", "监管转送编号\n".encode("utf-16")),  # "illegal multibyte sequence"
    ("a.csv", b'"\xe7\x9b\x91\n' + b"\x00" * 10),  # a NUL in an open quote
]


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "/admin/complaints/complaint/import-organisation/memberships/",
        "/admin/complaints/calendarday/import/",
    ],
)
@pytest.mark.parametrize(("name", "content"), NOT_SPREADSHEETS)
def test_unreadable_files_get_a_translated_reason_without_exception_text(
    client: Any, tree: Any, url: str, name: str, content: bytes
) -> None:
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.post(
        url,
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    page = response.content.decode()
    for raw in ("zip file", "multibyte", "codec", "Error", "line contains NUL"):
        assert raw not in page
    with translation.override("zh-hans"):
        said = [
            re.sub(r"%\\\(\w+\\\)[sd]", ".*?", re.escape(str(m)))
            for m in (*spreadsheets.FILE_MESSAGES, cal.MISSING_COLUMNS)
        ]
    assert re.search("|".join(said), page), page


def test_business_volumes_share_the_limits(admin_client: Any, settings: Any) -> None:
    rows = [
        ["机构代码", "期间", "保费收入（元）", "保单件数", "保单件数"],
        ["GD", "2026Q1", "1", "1", "2"],
    ]
    response = admin_client.post(
        "/admin/reporting/businessvolume/import/",
        {"format": "0", "import_file": SimpleUploadedFile("v.csv", as_csv(rows))},
    )
    errors = response.context["form"].errors["import_file"]
    assert template_pattern(spreadsheets.DUPLICATE_HEADERS).match(errors[0]), errors


def as_csv(rows: list[list[Any]]) -> bytes:
    return "\n".join(",".join(str(c) for c in r) for r in rows).encode("utf-8-sig")


def as_file(name: str, rows: list[list[Any]]) -> bytes:
    if name.endswith(".csv"):
        return as_csv(rows)
    book = Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
