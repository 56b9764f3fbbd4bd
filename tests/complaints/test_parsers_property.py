"""Property tests of every spreadsheet parser of the complaints app: regulator
transfers, institutions, memberships and calendar days, and the cell, date and
file readers under them.

Whatever the file holds, the answer is a clear error from the module's own
(translatable) messages, with its line and column for a bad row, or valid
records; never an unhandled exception, and never part of a file written.
Each example runs in a transaction that is rolled back, so examples do not
see each other's writes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from complaints.exchange import import_values, imports, spreadsheets
from complaints.models import CalendarDay, Complaint, NumberCounter
from complaints.rules import identifiers
from complaints.timing import calendar_service as cal
from organisations import org_import
from organisations.models import Institution, Membership
from tests.complaints.conftest import SHANGHAI
from tests.factories import UserFactory
from tests.hostile import (
    csv_bytes,
    file_forms,
    hostile_cell,
    template_pattern,
    to_file,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

SLOW = hypothesis_settings(
    max_examples=max(1, hypothesis_settings.default.max_examples // 2)
)


class Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one example's writes and undo them."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


def identifier_messages() -> list[Any]:
    """Every refusal of complaints.rules.identifiers (all are lazy translations)."""
    return [
        value
        for name, value in vars(identifiers).items()
        if name.isupper() and hasattr(value, "_proxy____cast")
    ]


# Every message a refused file or row may carry.
FILE_ERRORS = spreadsheets.FILE_MESSAGES
REGULATOR_PROBLEMS = (
    imports.REQUIRED,
    imports.BAD_DATE,
    imports.DATE_OUT_OF_RANGE,
    import_values.UNKNOWN_INSTITUTION,
    import_values.AMBIGUOUS_INSTITUTION,
    imports.NOT_IN_SCOPE,
    import_values.UNKNOWN_ENTRY,
    import_values.AMBIGUOUS_ENTRY,
    *identifier_messages(),
    imports.DUPLICATE_REFERENCE,
    imports.TOO_LONG,
    imports.NUL,
)
ORG_PROBLEMS = (
    imports.REQUIRED,
    imports.TOO_LONG,
    imports.NUL,
    *(
        getattr(org_import, name)
        for name in dir(org_import)
        if name.isupper() and name.startswith(("BAD_", "DUP", "DIFF", "UNK", "INV"))
    ),
    org_import.CYCLE,
    # organisations.models.level_error
    "Only the head office has no parent institution.",
    "The head office cannot have a parent institution.",
    "An institution must be at a lower level than its parent.",
    "A %(child)s cannot hang directly under a %(parent)s.",
)
CALENDAR_ERRORS = (
    cal.ROW_ERROR,
    cal.INCOMPLETE_YEAR,
    cal.MISSING_COLUMNS,
    cal.NO_ROWS,
)


def assert_clear(messages: list[str], templates: tuple[Any, ...]) -> None:
    """Each message is one of `templates`, in the test's language."""
    assert messages
    pattern = template_pattern(*templates)
    for message in messages:
        assert isinstance(message, str)
        assert pattern.match(message), message


# --- Cells, dates, periods, files (no database) --------------------------------
@given(hostile_cell())
@example("2026-02-30")
@example("9999-12-31")
@example(46087)
@example(46087.5)
@example(float(10**300))
def test_cell_and_date_readers_answer_a_value_or_none(value: Any) -> None:
    assert isinstance(imports.cell_text(value), str)
    day = imports._parse_date(value)
    assert day is None or isinstance(day, date)
    moment = imports._parse_moment(value)
    assert moment is None or moment.tzinfo is not None
    assert cal._parse_date(value) is None or isinstance(cal._parse_date(value), date)
    assert cal._parse_workday(value) in (True, False, None)


@given(st.dates())
def test_iso_dates_read_back_as_themselves(day: date) -> None:
    for text in (day.isoformat(), f"{day.year:04d}/{day.month}/{day.day}"):
        assert imports._parse_date(text) == day
        assert cal._parse_date(text) == day


def damaged_xlsx() -> bytes:
    """A zip that opens as a workbook but whose sheet is cut short: openpyxl's
    read-only mode only parses the sheet while rows are read."""
    good = io.BytesIO(xlsx_bytes([["a"], ["b"]]))
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    return out.getvalue()


# A cell over the csv module's field limit (131,072 characters).
HUGE_CELL_CSV = b'"' + b"x" * 200_000 + b'"\n'


@given(st.binary(max_size=400), st.sampled_from(["a.csv", "a.xlsx", "a.ods", "a"]))
@example(b"\xef\xbb\xbf\xe7\x9b\x91,x\r\n", "a.csv")  # UTF-8 with BOM
@example("监管转送编号\n".encode("utf-16"), "a.csv")
@example(b"\x81\x30", "a.csv")  # a truncated GB18030 sequence
@example(HUGE_CELL_CSV, "a.csv")
@example(b"PK\x03\x04" + b"\x00" * 40, "a.xlsx")
def test_file_reader_answers_rows_or_a_clear_error(content: bytes, name: str) -> None:
    try:
        rows = imports.read_rows(filename=name, content=content)
    except ValidationError as exc:
        assert_clear(exc.messages, FILE_ERRORS)
    else:
        assert rows
        assert all(isinstance(r, tuple) for r in rows)


def test_damaged_xlsx_sheet_is_a_clear_error() -> None:
    with pytest.raises(ValidationError) as caught:
        imports.read_rows(filename="a.xlsx", content=damaged_xlsx())
    assert_clear(caught.value.messages, FILE_ERRORS)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/complaints/complaint/import-regulator/",
        "/admin/complaints/complaint/import-organisation/institutions/",
        "/admin/complaints/calendarday/import/",
    ],
)
@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("a.csv", HUGE_CELL_CSV, "a cell is longer than 10000 characters"),
        ("a.xlsx", damaged_xlsx(), "The file is not an xlsx workbook"),
    ],
)
def test_upload_pages_say_an_unreadable_file_is_unreadable(
    client: Any, tree: Any, url: str, name: str, content: bytes, said: str
) -> None:
    """These files ended in a 500 (csv.Error, an XML ParseError), then in the
    parser's English exception text."""
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    page = response.content.decode()
    assert said in page
    assert "field limit" not in page
    assert "Error" not in page


# --- Regulator transfers ---------------------------------------------------------
HEADER = list(imports.REGULATOR_COLUMNS)


def transfer(reference: str, **over: Any) -> list[Any]:
    values: dict[str, Any] = {
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
        "证件类型": "居民身份证",
    }
    values.update(over)
    return [values[h] for h in HEADER]


@st.composite
def transfer_rows(draw: st.DrawFn) -> list[list[Any]]:
    """Good rows mixed with rows that have one or two hostile cells."""
    good = draw(st.integers(min_value=0, max_value=2))
    rows = [transfer(f"YJ-GOOD-{i}") for i in range(good)]
    for i in range(draw(st.integers(min_value=1, max_value=3))):
        row = transfer(f"YJ-BAD-{i}")
        for column in draw(st.sets(st.sampled_from(HEADER), min_size=1, max_size=2)):
            row[HEADER.index(column)] = draw(hostile_cell())
        rows.insert(draw(st.integers(0, len(rows))), row)
    return rows


@pytest.fixture
def importer(make_member: Any) -> Any:
    """A compliance officer of 广东分公司 (IMPORT in the GD subtree)."""
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


@pytest.fixture
def importer_client(client: Any, importer: Any) -> Any:
    client.force_login(importer)
    return client


def complaints_snapshot() -> tuple[int, int, list[tuple[int, int]]]:
    return (
        Complaint.objects.count(),
        Complaint.history.count(),
        list(NumberCounter.objects.values_list("year", "last")),
    )


def check_preview(preview: Any, rows: list[list[Any]], columns: Any) -> None:
    for problem in preview.problems:
        assert 2 <= problem.line <= len(rows) + 1
        assert problem.column in columns


def mixed(**over: Any) -> list[list[Any]]:
    """A good row, then one with the given hostile cells."""
    return [transfer("YJ-GOOD-1"), transfer("YJ-BAD-1", **over)]


@given(rows=transfer_rows(), form=file_forms())
# NUL in a text cell: PostgreSQL refuses it at the insert (was a 500), and in
# the reference already at the preview's lookup of known references.
@example(rows=mixed(投诉人姓名="林\x00小雨"), form=("csv", "gbk"))
@example(rows=mixed(监管转送编号="YJ\x00"), form=("csv", "utf-8"))
@example(rows=mixed(主要事实和理由="事实\x00"), form=("csv", "utf-16"))
# Far dates: deadlines past the year 9999 (OverflowError, was a 500).
@example(rows=mixed(转送日期="9999-12-31"), form=("csv", "utf-8"))
@example(rows=mixed(转送日期=date(9999, 12, 20)), form=("xlsx", ""))
@example(rows=mixed(监管反馈期限="9999-12-31"), form=("xlsx", ""))
@example(rows=mixed(转送日期="0001-01-01"), form=("csv", "utf-8"))
@example(rows=mixed(转送日期="2026-02-30"), form=("csv", "utf-8-sig"))
@example(rows=mixed(转送日期=46087), form=("xlsx", ""))
@example(rows=mixed(投诉请求="=cmd|' /C calc'!A0"), form=("xlsx", ""))
@example(rows=mixed(责任机构代码="gdgzth\u202e"), form=("csv", "gb18030"))
def test_regulator_import_is_all_or_nothing(
    importer: Any, rows: list[list[Any]], form: Any
) -> None:
    name, content = to_file([HEADER, *rows], form)
    _regulator_round(importer, name, content, rows)


def _regulator_round(
    importer: Any, name: str, content: bytes, rows: list[list[Any]]
) -> None:
    with rolled_back():
        before = complaints_snapshot()
        try:
            preview, record = imports.regulator_transfers_import(
                actor=importer, filename=name, content=content
            )
        except ValidationError as exc:
            assert_clear(exc.messages, FILE_ERRORS)
            assert complaints_snapshot() == before
            return
        check_preview(preview, rows, imports.REGULATOR_COLUMNS)
        for problem in preview.problems:
            assert_clear([problem.message], REGULATOR_PROBLEMS)
        if record.committed:
            assert not preview.problems
            assert Complaint.objects.count() == before[0] + preview.new
        else:
            assert preview.problems
            assert complaints_snapshot() == before


def test_nul_and_far_dates_are_named_with_line_and_column(importer: Any) -> None:
    rows = [
        transfer("YJ-1"),
        transfer("YJ-2", 投诉人姓名="林\x00小雨"),
        transfer("YJ-3", 转送日期="9999-12-31"),
        transfer("YJ-4", 转送日期="2026-03-18"),  # tomorrow
        transfer("YJ-5", 监管反馈期限="2099-01-01"),
    ]
    content = csv_bytes([HEADER, *rows], "utf-8-sig")
    preview, record = imports.regulator_transfers_import(
        actor=importer, filename="a.csv", content=content
    )
    assert not record.committed
    assert {(p.line, p.column) for p in preview.problems} == {
        (3, "投诉人姓名"),
        (4, "转送日期"),
        (5, "转送日期"),
        (6, "监管反馈期限"),
    }
    assert not Complaint.objects.exists()


@SLOW
@given(rows=transfer_rows(), form=file_forms())
def test_regulator_upload_page_never_fails(
    importer_client: Any, rows: list[list[Any]], form: Any
) -> None:
    client = importer_client
    name, content = to_file([HEADER, *rows], form)
    with rolled_back():
        before = complaints_snapshot()
        response = client.post(
            "/admin/complaints/complaint/import-regulator/",
            {"file": SimpleUploadedFile(name, content)},
        )
        assert response.status_code == 200
        if "confirm" in response.content.decode():
            response = client.post(
                "/admin/complaints/complaint/import-regulator/", {"confirm": "1"}
            )
            assert response.status_code in (200, 302)
        else:
            assert complaints_snapshot() == before


# --- Institutions and memberships -------------------------------------------------
INST_HEADER = list(org_import.INSTITUTION_COLUMNS)
MEMB_HEADER = list(org_import.MEMBERSHIP_COLUMNS)


@pytest.fixture
def sysadmin(tree: Any) -> Any:
    return UserFactory(username="sysadmin", is_superuser=True)


@st.composite
def institution_rows(draw: st.DrawFn) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["GDSZ", "深圳中心支公司", "中心支公司", "GD", "深圳", "0755-95500"],
        ["GDSZFT", "福田支公司", "4", "GDSZ", "深圳", ""],
    ][: draw(st.integers(0, 2))]
    for i in range(draw(st.integers(1, 3))):
        row: list[Any] = [f"GDX{i}", "某支公司", "4", "GDGZ", "广州", ""]
        for column in draw(st.sets(st.integers(0, 5), min_size=1, max_size=2)):
            row[column] = draw(
                st.one_of(hostile_cell(), st.sampled_from(["GD", "HO", "GDX0", "5"]))
            )
        rows.insert(draw(st.integers(0, len(rows))), row)
    return rows


@st.composite
def membership_rows(draw: st.DrawFn) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["lin.xy", "林小雨", "lin@example.com", "投诉处理人员", "GDGZTH"],
        ["chen", "陈大文", "chen@example.com", "manager", "gdgz"],
    ][: draw(st.integers(0, 2))]
    for i in range(draw(st.integers(1, 3))):
        row: list[Any] = [f"user{i}", "王五", f"u{i}@example.com", "只读用户", "GD"]
        for column in draw(st.sets(st.integers(0, 4), min_size=1, max_size=2)):
            row[column] = draw(hostile_cell())
        rows.insert(draw(st.integers(0, len(rows))), row)
    return rows


def org_snapshot() -> tuple[Any, ...]:
    return (
        list(Institution.objects.order_by("code").values_list("code", "path", "name")),
        list(Membership.objects.order_by("pk").values_list("pk", "role")),
        get_user_model().objects.count(),
    )


def _org_round(
    actor: Any, kind: str, name: str, content: bytes, rows: list[list[Any]]
) -> None:
    with rolled_back():
        before = org_snapshot()
        try:
            preview, record = org_import.organisation_import(
                actor=actor, kind=kind, filename=name, content=content
            )
        except ValidationError as exc:
            assert_clear(exc.messages, FILE_ERRORS)
            assert org_snapshot() == before
            return
        check_preview(preview, rows, org_import.COLUMNS[kind])
        if record.committed:
            assert not preview.problems
            if kind == org_import.INSTITUTIONS:
                added = Institution.objects.count() - len(before[0])
                assert added == preview.new
            else:
                assert Membership.objects.count() == len(before[1]) + preview.new
        else:
            assert preview.problems
            assert org_snapshot() == before


ORG_REGRESSIONS = [
    (org_import.INSTITUTIONS, ["GDX1", "某\x00支公司", "4", "GDGZ", "", ""]),
    (org_import.INSTITUTIONS, ["GDX1", "某支公司", "4", "GDGZ", "广\x00州", ""]),
    (org_import.INSTITUTIONS, ["ß" * 15, "某支公司", "4", "GDGZ", "", ""]),
    (org_import.INSTITUTIONS, ["ſ", "某支公司", "4", "GDGZ", "", ""]),
    (org_import.MEMBERSHIPS, ["wang", "王\x00五", "", "只读用户", "GD"]),
    (org_import.MEMBERSHIPS, ["wang", "王五", "", "只读用户", "GD\x00"]),
    (org_import.MEMBERSHIPS, ["wang\u202e", "王五", "", "只读用户", "GD"]),
]


def test_organisation_import_regressions(sysadmin: Any) -> None:
    """Rows that were written (NUL: a 500 on PostgreSQL) or refused only at
    confirmation without a line ("ß" * 15 grew past 20 characters)."""
    for kind, row in ORG_REGRESSIONS:
        header = INST_HEADER if kind == org_import.INSTITUTIONS else MEMB_HEADER
        _org_round(sysadmin, kind, "a.csv", csv_bytes([header, row], "utf-8"), [row])
        preview = org_import.organisation_preview(kind=kind, rows=[header, row])
        assert preview.problems, row
        assert_clear([p.message for p in preview.problems], ORG_PROBLEMS)


@given(rows=institution_rows(), form=file_forms())
@example(rows=[["GDX1", "某\x00支公司", "4", "GDGZ", "", ""]], form=("xlsx", ""))
def test_institution_import_is_all_or_nothing(
    sysadmin: Any, rows: list[list[Any]], form: Any
) -> None:
    name, content = to_file([INST_HEADER, *rows], form)
    _org_round(sysadmin, org_import.INSTITUTIONS, name, content, rows)


@given(rows=membership_rows(), form=file_forms())
@example(rows=[["wang", "王\x00五", "", "只读用户", "GD"]], form=("csv", "utf-8"))
def test_membership_import_is_all_or_nothing(
    sysadmin: Any, rows: list[list[Any]], form: Any
) -> None:
    name, content = to_file([MEMB_HEADER, *rows], form)
    _org_round(sysadmin, org_import.MEMBERSHIPS, name, content, rows)


# --- Calendar days ---------------------------------------------------------------
CAL_HEADER = ["date", "is_workday", "name"]
YEAR = 2031  # beyond chinese-calendar's data: imported, not loaded


def year_rows(year: int = YEAR) -> list[list[Any]]:
    day, rows = date(year, 1, 1), []
    while day.year == year:
        rows.append([day.isoformat(), "0" if day.weekday() >= 5 else "1", ""])
        day += timedelta(days=1)
    return rows


@st.composite
def calendar_rows(draw: st.DrawFn) -> list[list[Any]]:
    """A whole year with a few cells made hostile."""
    rows = year_rows()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, 2))
        value = draw(
            st.one_of(
                hostile_cell(),
                st.sampled_from(["是", "否", "休", "2031-02-29", "2031/2/28"]),
            )
        )
        rows[index] = list(rows[index])
        rows[index][column] = value
    return rows


def calendar_snapshot() -> list[tuple[Any, ...]]:
    return list(
        CalendarDay.objects.filter(day__year=YEAR)
        .order_by("day")
        .values_list("day", "is_workday", "name")
    )


@given(rows=calendar_rows())
@example(rows=[*year_rows()[:-1], ["2031-12-31", "1", "元旦\x00"]])
@example(rows=[*year_rows()[:-1], ["2031-12-31", "1", "\x00"]])
@example(rows=[*year_rows()[:-1], ["２０３１-１２-３１", "１", ""]])
def test_calendar_rows_are_valid_or_named(rows: list[list[Any]]) -> None:
    """The row check alone (no writes): many examples, cheaply."""
    try:
        entries = cal._validate([CAL_HEADER, *rows])
    except cal.CalendarImportError as exc:
        assert_clear(exc.messages, CALENDAR_ERRORS)
        for error in exc.row_errors:
            assert error.line is None or 2 <= error.line <= len(rows) + 1
    else:
        assert len(entries) == 365
        assert all("\x00" not in name for _d, _w, name in entries)


@SLOW
@given(rows=calendar_rows(), form=file_forms())
@example(
    rows=[*year_rows()[:-1], ["2031-12-31", "1", "元旦\x00"]], form=("csv", "utf-8")
)
def test_calendar_import_is_all_or_nothing(
    admin_user: Any, rows: list[list[Any]], form: Any
) -> None:
    name, content = to_file([CAL_HEADER, *rows], form)
    with rolled_back():
        before = calendar_snapshot()
        try:
            file_rows = cal.calendar_file_rows(filename=name, content=content)
            result = cal.calendar_import_rows(rows=file_rows, actor=admin_user)
        except cal.CalendarImportError as exc:
            assert_clear(exc.messages, CALENDAR_ERRORS)
            assert calendar_snapshot() == before
        except cal.CalendarError as exc:
            assert_clear(exc.messages, FILE_ERRORS)
            assert calendar_snapshot() == before
        else:
            assert result.created == 365
            assert len(calendar_snapshot()) == 365
