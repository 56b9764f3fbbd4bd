"""Importing regulator-transferred complaints: preview, all-or-nothing, idempotent."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from complaints.admin.complaint_exchange import SPOOL_DIR, SPOOL_MAX_AGE
from complaints.exchange import imports
from complaints.models import Complaint, ImportRecord, NumberCounter
from organisations.models import Institution, Membership
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
URL = "/admin/complaints/complaint/import-regulator/"
HEADER = list(imports.REGULATOR_COLUMNS)


def line(reference: str, **over: str) -> list[str]:
    values = {
        "监管转送编号": reference,
        "转送机构": "广东监管局",
        "转送日期": "2026-03-06",
        "监管反馈期限": "2026-03-20",
        "监管接收日期": "",
        "责任机构代码": "GDGZTH",
        "投诉人姓名": "林小雨",
        "证件号码": "440106199001011235",
        "联系电话": "13800138000",
        "险种代码": "motor",
        "业务类别代码": "claims",
        "投诉请求": "要求足额赔付",
        "主要事实和理由": "定损金额低于维修费用",
        "保单号": "PDAA202644010000001234",
        "证件类型": "",
    }
    values.update(over)
    return [values[h] for h in HEADER]


GOOD = [line("YJ2026-0001"), line("YJ2026-0002", 责任机构代码="GDGZ")]
BAD = [
    line("YJ2026-0003", 转送日期="2026-02-30"),  # line 4
    line("YJ2026-0004", 责任机构代码="NOPE"),  # line 5
    line("YJ2026-0005", 业务类别代码="astrology"),  # line 6
    line("YJ2026-0006", 投诉请求=""),  # line 7
    line("YJ2026-0001"),  # line 8: duplicate of line 2
    line("YJ2026-0007", 责任机构代码="ZJHZXH"),  # line 9: outside the scope
]
EXPECTED = {
    (4, "转送日期", "“2026-02-30” is not a date (write it as YYYY-MM-DD)."),
    (
        6,
        "业务类别代码",
        "“astrology” is not an entry of the list “Business category”. Write the "
        "code or the name of one of: 销售纠纷（sales）、承保纠纷（underwriting）、"
        "理赔纠纷（claims）、退保纠纷（surrender）、保全纠纷（policy_service）、"
        "续期纠纷（renewal）、合同条款纠纷（contract_terms）、收费纠纷（fees）、"
        "服务纠纷（service_quality）、其他（other）.",
    ),
    (7, "投诉请求", "This column is required."),
    (8, "监管转送编号", "The reference YJ2026-0001 is already on line 2."),
    (9, "责任机构代码", "The institution ZJHZXH is not in your scope."),
}


def gbk_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("gbk")


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def importer(make_member: Any, tree: Any) -> Any:
    """A compliance officer of 广东分公司: IMPORT there, but no HANDLE anywhere."""
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


def snapshot() -> tuple[int, list[tuple[int, int]]]:
    counters = list(NumberCounter.objects.values_list("year", "last"))
    return Complaint.objects.count(), counters


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("transfers.csv", gbk_csv(GOOD + BAD)),
        ("transfers.xlsx", xlsx(GOOD + BAD)),
    ],
)
def test_bad_rows_are_listed_and_nothing_is_imported(
    client: Any,
    tree: Any,
    importer: Any,
    register: Any,
    tianhe_handler: Any,
    name: str,
    content: bytes,
) -> None:
    register(tianhe_handler, "GDGZTH")  # a counter row exists, so it must not move
    before = snapshot()
    client.force_login(importer)
    response = upload(client, name, content)
    assert response.status_code == 200
    preview = response.context["preview"]
    # The unknown institution's message lists the institutions the importer
    # may import into (广东分公司's subtree), by the tree's order.
    in_scope = Institution.objects.filter(path__startswith=tree["GD"].path)
    valid = "、".join(f"{i.name}（{i.code}）" for i in in_scope.order_by("path"))
    nope = (
        "No institution has the code or name “NOPE”. Institutions you may import "
        f"into: {valid}."
    )
    assert {(p.line, p.column, p.message) for p in preview.problems} == {
        *EXPECTED,
        (5, "责任机构代码", nope),
    }
    assert (preview.new, preview.invalid) == (2, 6)
    assert b'name="confirm"' not in response.content
    html = response.content.decode()
    assert "No institution has the code or name “NOPE”." in html
    # A confirmation without a valid preview is refused...
    client.post(URL, {"confirm": "1"})
    # ... and so is the file itself at the service.
    result, record = imports.regulator_transfers_import(
        actor=importer, filename=name, content=content
    )
    assert not record.committed
    assert (record.new, record.invalid, record.user) == (2, 6, importer)
    assert snapshot() == before


def test_good_file_twice_creates_nothing_the_second_time(
    client: Any, importer: Any
) -> None:
    client.force_login(importer)
    content = gbk_csv(GOOD)
    response = upload(client, "transfers.csv", content)
    assert b'name="confirm"' in response.content
    assert client.post(URL, {"confirm": "1"}).status_code == 302
    created = Complaint.objects.order_by("regulator_reference")
    assert [c.regulator_reference for c in created] == ["YJ2026-0001", "YJ2026-0002"]
    first = created[0]
    assert first.status == Complaint.Status.REGISTERED
    assert first.channel.code == "regulator"
    assert first.regulator_due == date(2026, 3, 20)
    assert first.regulator_office == "广东监管局"
    assert first.received_on == date(2026, 3, 6)
    assert first.registered_by == importer
    assert first.history.count() == 1
    record = ImportRecord.objects.get()
    assert (record.user, record.kind, record.file_name) == (
        importer,
        "regulator",
        "transfers.csv",
    )
    assert (record.new, record.unchanged, record.invalid, record.committed) == (
        2,
        0,
        0,
        True,
    )

    before = snapshot()
    response = upload(client, "transfers.xlsx", xlsx(GOOD))
    preview = response.context["preview"]
    assert (preview.new, preview.unchanged) == (0, 2)
    client.post(URL, {"confirm": "1"})
    assert snapshot() == before
    second = ImportRecord.objects.order_by("-pk").first()
    assert second is not None
    assert (second.new, second.unchanged, second.committed) == (0, 2, True)


def test_utf8_with_bom_and_excel_dates(importer: Any) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, line("YJ-BOM-1", 转送日期="2026/3/6")])
    content = out.getvalue().encode("utf-8-sig")
    _, record = imports.regulator_transfers_import(
        actor=importer, filename="a.csv", content=content
    )
    assert record.committed
    row: list[Any] = line("YJ-X-1")
    # Excel stores naive local times.
    moment = datetime(2026, 3, 6, 14, 0, tzinfo=SHANGHAI).replace(tzinfo=None)
    row[HEADER.index("转送日期")] = moment
    _, record = imports.regulator_transfers_import(
        actor=importer, filename="b.xlsx", content=xlsx([row])
    )
    assert record.committed
    c = Complaint.objects.get(regulator_reference="YJ-X-1")
    assert c.received_on == date(2026, 3, 6)


def test_oversized_and_wrong_format_files_are_refused(
    client: Any, importer: Any, settings: Any
) -> None:
    client.force_login(importer)
    response = upload(client, "transfers.txt", gbk_csv(GOOD))
    assert "Upload an .xlsx or a .csv file." in response.content.decode()
    settings.COMPLAINT_IMPORT_MAX_MB = 0
    response = upload(client, "transfers.csv", gbk_csv(GOOD))
    assert "The file is larger than 0 MB." in response.content.decode()
    assert "preview" not in response.context
    assert not Complaint.objects.exists()


def test_missing_header_is_refused(importer: Any) -> None:
    content = "监管转送编号,投诉人姓名\nYJ1,林\n".encode()
    with pytest.raises(imports.ImportFileError) as caught:
        imports.regulator_transfers_import(
            actor=importer, filename="a.csv", content=content
        )
    assert "转送日期" in caught.value.messages[0]
    assert ImportRecord.objects.get().committed is False


def test_only_the_import_permission_opens_the_import(
    client: Any, ho_compliance: Any, tianhe_handler: Any, gd_manager: Any
) -> None:
    """Compliance imports regulator transfers (IMPORT) without handling complaints;
    handlers and managers, who register by hand, have no bulk import."""
    for user in (tianhe_handler, gd_manager):
        client.force_login(user)
        assert client.get(URL).status_code == 403
    client.force_login(ho_compliance)
    assert client.get(URL).status_code == 200


# --- Several app servers ------------------------------------------------------------
def test_the_confirmation_may_reach_another_app_server(
    client: Any, importer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview and the confirmation share only the database and the media
    storage, not the local temporary directory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "node-a"))
    (tmp_path / "node-a").mkdir()
    client.force_login(importer)
    assert b'name="confirm"' in upload(client, "t.csv", gbk_csv(GOOD)).content
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "node-b"))
    (tmp_path / "node-b").mkdir()

    assert client.post(URL, {"confirm": "1"}).status_code == 302
    assert Complaint.objects.count() == 2
    assert default_storage.listdir(SPOOL_DIR) == ([], [])  # taken, then deleted


def test_an_abandoned_upload_is_deleted_by_a_later_one(
    client: Any, importer: Any
) -> None:
    stale = default_storage.save(
        f"{SPOOL_DIR}/complaint-import-{'a' * 32}", ContentFile(b"x")
    )
    fresh = default_storage.save(
        f"{SPOOL_DIR}/complaint-import-{'b' * 32}", ContentFile(b"x")
    )
    old = (timezone.now() - SPOOL_MAX_AGE - timedelta(minutes=1)).timestamp()
    os.utime(default_storage.path(stale), (old, old))
    client.force_login(importer)
    upload(client, "t.csv", gbk_csv(GOOD))
    _dirs, files = default_storage.listdir(SPOOL_DIR)
    assert not default_storage.exists(stale)
    assert default_storage.exists(fresh)  # another user's preview, still pending
    assert len(files) == 2


def test_a_future_transfer_or_regulator_receipt_is_refused_by_its_line(
    client: Any, importer: Any
) -> None:
    """Time is evidence at the import door too (issue 14): a transfer dated
    tomorrow, or received by the regulator tomorrow, is a bad line with its
    reason, and nothing of the file is imported."""
    before = snapshot()
    rows = [
        line("YJ2026-0101"),
        line("YJ2026-0102", 转送日期="2026-03-18"),  # line 3
        line("YJ2026-0103", 监管接收日期="2026-03-18"),  # line 4
    ]
    client.force_login(importer)
    response = upload(client, "transfers.csv", gbk_csv(rows))
    preview = response.context["preview"]
    problems = {(p.line, p.column): p.message for p in preview.problems}
    assert set(problems) == {(3, "转送日期"), (4, "监管接收日期")}, problems
    assert all(m.endswith("and 2026-03-17.") for m in problems.values()), problems
    assert (preview.new, preview.invalid) == (1, 2)
    assert b'name="confirm"' not in response.content
    result, record = imports.regulator_transfers_import(
        actor=importer, filename="transfers.csv", content=gbk_csv(rows)
    )
    assert not record.committed
    assert snapshot() == before
