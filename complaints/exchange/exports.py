"""Exports of complaints and correspondence (xlsx and UTF-8-with-BOM CSV).

Rows are read with `.iterator(chunk_size=2000)`, so 100,000 complaints are
never held in memory at once: CSV is streamed, xlsx is written by a write-only
workbook into a temporary file. The caller passes a queryset already narrowed
to the user's EXPORT scope; personal data is masked per row unless the user
holds PERSONAL_DATA on the complaint's institution. Every text cell that a
spreadsheet would evaluate (starting with = + - @, a tab or a carriage return)
is written with a leading single quote, as text.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import DateField, DateTimeField, F, Func, QuerySet, Value
from django.http import QueryDict
from django.utils import timezone

from complaints.models import Code, Complaint, Correspondence, ExportRecord
from complaints.workbench import selectors
from organisations import permissions as P
from organisations.admin_lookups import touches_personal
from organisations.models import Institution

CHUNK_SIZE = 2000

COMPLAINT_HEADERS: tuple[str, ...] = (
    "投诉编号",
    "受理渠道",
    "接收时间",
    "责任机构代码",
    "责任机构",
    "状态",
    "投诉人姓名",
    "证件号码",
    "联系电话",
    "电子邮箱",
    "联系地址",
    "险种",
    "业务类别",
    "保单号",
    "投诉请求",
    "主要事实和理由",
    "监管转送编号",
    "监管反馈期限",
    "办结期限",
    "经办人",
    # Added for issue 16: how the case ended and what followed.
    "处理结果",
    "办结日期",
    "补偿金额(元)",
    "补偿支付日期",
    "补偿支付方式",
    "核查结果",
    "核查时间",
    "回访时间",
    "满意度",
)
"""Column headers of the complaint export, in order. Stable: downstream sheets
and macros key on them; add columns at the end, never rename one. 投诉人姓名,
证件号码, 联系电话, 电子邮箱 and 联系地址 are masked without the personal-data
permission on the complaint's institution. 办结日期 is the day handling ended
(closed, declined, routed or withdrawn); 满意度 is the callback's result (回访)."""

CORRESPONDENCE_HEADERS: tuple[str, ...] = (
    "投诉编号",
    "责任机构代码",
    "方向",
    "方式",
    "时间",
    "摘要",
    "正式告知",
    "新事实或理由",
    "记录人",
)
"""Column headers of the correspondence export, in order (stable, as above).
The summary (摘要) is masked without the personal-data permission."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # refused by xlsx


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as written: text that could start a formula
    gets a leading quote; dates and times are local and naive."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, (bool, int, Decimal, date)):
        return value
    text = _ILLEGAL.sub("", str(value))
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _yes(value: bool) -> str:
    return "是" if value else "否"


class Labels:
    """What a row needs besides its own columns, read once per export: code
    labels, choice texts, institutions and whether the user sees personal
    data at each, and handlers' names as they come (looking any of them up
    per row would cost more than the row itself at 100,000 rows)."""

    def __init__(self, user: Any = None) -> None:
        self.user = user
        self.codes = dict(Code.objects.values_list("pk", "label"))
        self.status = {k: str(v) for k, v in Complaint.Status.choices}
        self.direction = {k: str(v) for k, v in Correspondence.Direction.choices}
        self.method = {k: str(v) for k, v in Correspondence.Method.choices}
        self.outcome = {k: str(v) for k, v in Complaint.Outcome.choices}
        self.redress_method = {k: str(v) for k, v in Complaint.RedressMethod.choices}
        self.review_result = {k: str(v) for k, v in Complaint.ReviewResult.choices}
        self.satisfaction = {k: str(v) for k, v in Complaint.Satisfaction.choices}
        self.institutions: dict[int, Institution] = {}
        self.personal: dict[int, bool] = {}
        self.people: dict[int | None, str] = {None: ""}
        self.zone = timezone.get_current_timezone()

    def institution(self, pk: int) -> Institution:
        if not self.institutions:
            self.institutions = {
                i.pk: i for i in Institution.objects.only("code", "name", "path")
            }
        return self.institutions[pk]

    def sees_personal(self, institution_pk: int) -> bool:
        """PERSONAL_DATA on the institution, asked once per institution."""
        known = self.personal.get(institution_pk)
        if known is None:
            known = P.has(self.user, P.PERSONAL_DATA, self.institution(institution_pk))
            self.personal[institution_pk] = known
        return known

    def learn_people(self, pks: Iterable[int | None]) -> None:
        """Read the names of the people in `pks` not yet known, in one query."""
        missing = {pk for pk in pks if pk is not None and pk not in self.people}
        if missing:
            for person in (
                get_user_model()
                .objects.filter(pk__in=missing)
                .only("username", "first_name", "last_name")
            ):
                self.people[person.pk] = selectors.person_name(person)

    def local(self, value: datetime | None) -> datetime | None:
        """A stored moment as the naive local time the sheets show."""
        if value is None:
            return None
        return value.astimezone(self.zone).replace(tzinfo=None, microsecond=0)


# The complaint columns read for the export, in the order complaint_rows uses.
COMPLAINT_FIELDS = (
    "number", "channel_id", "received_at", "institution_id", "status",
    "complainant_name", "id_number", "phone", "email", "address",
    "product_line_id", "category_id", "policy_number", "request", "facts",
    "regulator_reference", "regulator_due", "due_on", "handler_id", "outcome",
    "closed_at", "redress_amount", "redress_paid_on", "redress_method",
    "review_result", "reviewed_at", "callback_at", "satisfaction",
)  # fmt: skip
# Kept for callers that narrowed a queryset with it (the export reads
# COMPLAINT_FIELDS by values_list, whatever the queryset defers).
EXPORTED_FIELDS = COMPLAINT_FIELDS


def _text(value: Any) -> Any:
    """safe_cell for a column known to hold text (or nothing)."""
    if not value:
        return ""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """safe_cell for a date, number or label column: only None changes."""
    return "" if value is None else value


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_FORMULA_FIRST = frozenset(_FORMULA_START)


def _texts(values: list[str]) -> list[str]:
    """_text of each of `values` (all str): one regular-expression search per
    row instead of one per cell, the start of each cell looked at inline.
    Only a row with a control character takes _text cell by cell (its start
    is looked at once the characters are gone)."""
    if _ILLEGAL.search("".join(values)):
        return [_text(v) for v in values]
    return ["'" + v if v[:1] in _FORMULA_FIRST else v for v in values]


# The complaint's stored moments, and the day of the one shown as a date.
_MOMENTS = ("received_at", "reviewed_at", "callback_at")
_DAYS = ("closed_at",)


def _at_local(name: str, zone: str, *, day: bool) -> Func:
    """PostgreSQL: the moment as the naive local time to the second (or its
    local day), so the driver reads a plain timestamp or date."""
    template = (
        "(%(expressions)s)::date" if day else "date_trunc('second', %(expressions)s)"
    )
    return Func(
        F(name),
        Value(zone),
        arg_joiner=" AT TIME ZONE ",
        template=template,
        output_field=DateField() if day else DateTimeField(),
    )


def _local_columns(
    queryset: QuerySet[Complaint], zone: Any
) -> tuple[QuerySet[Complaint], tuple[str, ...], bool]:
    """The queryset and the fields to read, and whether the database gives the
    moments (_MOMENTS, _DAYS) as local naive times and days already.

    On PostgreSQL it does: each timestamp with time zone was read by Django's
    loader in Python, then converted again here, a third of a 100,000-row
    export's time (issue 19). Elsewhere (SQLite) the rows convert them."""
    name = getattr(zone, "key", None)
    if connections[queryset.db].vendor != "postgresql" or not name:
        return queryset, COMPLAINT_FIELDS, False
    local = {f: f"local_{f}" for f in (*_MOMENTS, *_DAYS)}
    queryset = queryset.annotate(
        **{
            alias: _at_local(field, name, day=field in _DAYS)
            for field, alias in local.items()
        }
    )
    return queryset, tuple(local.get(f, f) for f in COMPLAINT_FIELDS), True


def complaint_rows(
    user: Any, queryset: QuerySet[Complaint], labels: Labels
) -> Iterator[list[Any]]:
    """One neutralised row per complaint, from plain tuples (no model
    instances), masked per institution where the user lacks PERSONAL_DATA.

    A function call per cell was most of a 100,000-row export's Python time
    (issue 19): a row's text cells are neutralised together (_texts), and
    PostgreSQL gives the times as the local naive times the sheets show."""
    codes, status, outcome = labels.codes, labels.status, labels.outcome
    method, result = labels.redress_method, labels.review_result
    satisfaction, zone, people = labels.satisfaction, labels.zone, labels.people
    mask_name, mask_id = selectors.mask_name, selectors.mask_id_number
    mask_phone, mask_text = selectors.mask_phone, selectors.mask_text
    institutions: dict[int, tuple[Institution, bool]] = {}  # and sees personal
    queryset, fields, local = _local_columns(queryset, zone)
    tuples = queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    for chunk in _chunks(tuples):
        labels.learn_people({row[18] for row in chunk})
        for (
            number, channel, received_at, inst_pk, state, name, id_number, phone,
            email, address, product_line, category, policy_number, request, facts,
            reference, regulator_due, due_on, handler, decided, closed_at, amount,
            paid_on, paid_by, review, reviewed_at, callback_at, satisfied,
        ) in chunk:  # fmt: skip
            if not local:  # as PostgreSQL gives them (_local_columns)
                received_at = labels.local(received_at)
                reviewed_at = labels.local(reviewed_at)
                callback_at = labels.local(callback_at)
                closed_at = closed_at and closed_at.astimezone(zone).date()
            seen = institutions.get(inst_pk)
            if seen is None:
                seen = institutions[inst_pk] = (
                    labels.institution(inst_pk),
                    labels.sees_personal(inst_pk),
                )
            inst, sees = seen
            if not sees:
                name, id_number = mask_name(name), mask_id(id_number)
                phone, email, address = (
                    mask_phone(phone),
                    mask_text(email),
                    mask_text(address),
                )
            t = _texts(
                [
                    number or "",
                    codes[channel] or "",
                    inst.code or "",
                    inst.name or "",
                    status.get(state, state) or "",
                    name or "",
                    id_number or "",
                    phone or "",
                    email or "",
                    address or "",
                    codes[product_line] or "",
                    codes[category] or "",
                    policy_number or "",
                    request or "",
                    facts or "",
                    reference or "",
                    people[handler] or "",
                    outcome.get(decided, decided) or "",
                    method.get(paid_by, paid_by) or "",
                    result.get(review, review) or "",
                    (satisfaction.get(satisfied, "") if satisfied is not None else "")
                    or "",
                ]
            )
            yield [
                t[0], t[1],
                "" if received_at is None else received_at,
                t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11],
                t[12], t[13], t[14], t[15],
                "" if regulator_due is None else regulator_due,
                "" if due_on is None else due_on,
                t[16], t[17],
                "" if closed_at is None else closed_at,
                "" if amount is None else amount,
                "" if paid_on is None else paid_on,
                t[18], t[19],
                "" if reviewed_at is None else reviewed_at,
                "" if callback_at is None else callback_at,
                t[20],
            ]  # fmt: skip


CORRESPONDENCE_FIELDS = (
    "complaint__number", "complaint__institution_id", "direction", "method",
    "occurred_at", "summary", "is_notice", "new_facts", "recorded_by_id",
)  # fmt: skip


def correspondence_rows(
    user: Any, queryset: QuerySet[Correspondence], labels: Labels
) -> Iterator[list[Any]]:
    """One neutralised row per letter or call, the summary masked where the
    user lacks PERSONAL_DATA on the complaint's institution."""
    tuples = queryset.values_list(*CORRESPONDENCE_FIELDS).iterator(
        chunk_size=CHUNK_SIZE
    )
    for chunk in _chunks(tuples):
        labels.learn_people({row[8] for row in chunk})
        for (
            number, inst_pk, direction, method, occurred_at, summary, is_notice,
            new_facts, recorded_by,
        ) in chunk:  # fmt: skip
            if not labels.sees_personal(inst_pk):
                summary = selectors.mask_text(summary)
            yield [
                _text(number),
                _text(labels.institution(inst_pk).code),
                _text(labels.direction.get(direction, direction)),
                _text(labels.method.get(method, method)),
                _plain(labels.local(occurred_at)),
                _text(summary),
                _yes(is_notice),
                _yes(new_facts),
                _text(labels.people[recorded_by]),
            ]


def complaints_for_export(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints to export, as narrowed and ordered by the caller (the
    rows read only COMPLAINT_FIELDS, as tuples)."""
    return qs


def correspondence_for_export(
    complaints: QuerySet[Complaint],
) -> QuerySet[Correspondence]:
    return Correspondence.objects.filter(
        complaint__in=complaints.values("pk")
    ).order_by("complaint__number", "occurred_at", "pk")


RowMaker = Callable[[Any, Any, Labels], Iterator[list[Any]]]
KINDS: dict[str, tuple[tuple[str, ...], RowMaker]] = {
    ExportRecord.Kind.COMPLAINTS: (COMPLAINT_HEADERS, complaint_rows),
    ExportRecord.Kind.CORRESPONDENCE: (CORRESPONDENCE_HEADERS, correspondence_rows),
}


def rows(*, user: Any, kind: str, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """Header, then one neutralised row per object, read in chunks."""
    headers, make = KINDS[kind]
    yield list(headers)
    yield from make(user, queryset, Labels(user))


def csv_stream(lines: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it correctly; a
    chunk of rows per piece (a piece per row costs the server a write each).
    Times are written as str() writes them: 2026-03-17 09:00:00."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for chunk in _chunks(iter(lines)):  # type: ignore[arg-type]
        writer.writerows(chunk)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


def xlsx_file(lines: Iterable[list[Any]], *, title: str) -> tuple[IO[bytes], int]:
    """A workbook in an anonymous temporary file (deleted on close),
    positioned at its start, and the number of data rows written.

    openpyxl writes the header row and the styles; the data rows are written
    as sheet XML text (reporting.xlsx_rows), a cell object per value cost
    three quarters of the export's time."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from reporting import xlsx_rows

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    lines = iter(lines)
    header = next(lines, None)
    if header is not None:
        sheet.append(header)
    counted = _Counted(lines)
    date_xf = xlsx_rows.date_style(sheet)
    # The sheet holds naive local times (safe_cell), as openpyxl styles them.
    moment = datetime(2000, 1, 1)  # noqa: DTZ001
    moment_xf = int(WriteOnlyCell(sheet, value=moment).style_id)
    # Closed (and so deleted) by the FileResponse that sends it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    xlsx_rows.save_with_rows(
        workbook,
        handle,
        0,
        _rows_xml(counted, date_xf=date_xf, moment_xf=moment_xf),
    )
    handle.seek(0)
    return handle, counted.count


class _Counted:
    def __init__(self, lines: Iterator[list[Any]]) -> None:
        self.lines, self.count = lines, 0

    def __iter__(self) -> Iterator[list[Any]]:
        for line in self.lines:
            self.count += 1
            yield line


def _cell_xml(ref: str, v: Any, date_xf: int, moment_xf: int) -> str:
    """One cell: local times as Excel serial numbers in openpyxl's own
    date-time style, every other value as reporting.xlsx_rows writes it
    (inline text, numbers, day numbers)."""
    from openpyxl.utils.datetime import to_excel

    from reporting.xlsx_rows import _cell

    if isinstance(v, datetime):
        return f'<c r="{ref}" s="{moment_xf}"><v>{to_excel(v)}</v></c>'
    # An empty value is an empty cell (as openpyxl writes it), so a row
    # keeps its width when its last columns are empty.
    if v is None or v == "":
        return f'<c r="{ref}"/>'
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        # Numbers as openpyxl formats them (2350.00 is written 2350).
        return f'<c r="{ref}"><v>{"%.16g" % v}</v></c>'  # noqa: UP031
    return _cell(ref, v, date_xf)


def _row_xml(
    n: int, line: list[Any], letters: list[str], date_xf: int, moment_xf: int
) -> str:
    """The <row> of `line`, as _cell_xml writes each cell, with the common
    cells (plain text, empty, a time, an amount) written inline: a call per
    cell was most of a 100,000-row workbook's time (issue 19)."""
    from openpyxl.utils.datetime import to_excel

    from reporting.xlsx_rows import text_cell

    cells: list[str] = []
    append = cells.append
    for letter, v in zip(letters, line, strict=False):
        kind = v.__class__
        if kind is str:
            if not v:
                append(f'<c r="{letter}{n}"/>')
                continue
            append(text_cell(f"{letter}{n}", v))
        elif kind is datetime:
            append(f'<c r="{letter}{n}" s="{moment_xf}"><v>{to_excel(v)}</v></c>')
        elif kind is Decimal or kind is int:
            append(f'<c r="{letter}{n}"><v>{"%.16g" % v}</v></c>')  # noqa: UP031
        else:
            append(_cell_xml(f"{letter}{n}", v, date_xf, moment_xf))
    row = f'<row r="{n}">{"".join(cells)}</row>'
    if _ILLEGAL.search(row):  # a value the neutralising missed: cell by cell
        row = "".join(
            _cell_xml(f"{letter}{n}", v, date_xf, moment_xf)
            for letter, v in zip(letters, line, strict=False)
        )
        row = f'<row r="{n}">{row}</row>'
    return row


def _rows_xml(
    lines: Iterable[list[Any]], *, date_xf: int, moment_xf: int
) -> Iterator[str]:
    """Sheet rows from the second on, in chunks (_row_xml)."""
    from openpyxl.utils import get_column_letter

    letters: list[str] = []
    chunk: list[str] = []
    for n, line in enumerate(lines, start=2):
        while len(letters) < len(line):
            letters.append(get_column_letter(len(letters) + 1))
        chunk.append(_row_xml(n, line, letters, date_xf, moment_xf))
        if len(chunk) >= CHUNK_SIZE:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


_COMPLAINT_NUMBER = re.compile(r"^TS[0-9]{4}-[0-9]{6}$", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]")


def _masked_term(term: str) -> str:
    if _COMPLAINT_NUMBER.match(term):
        return term
    if len(_DIGITS.findall(term)) >= 6:  # a phone, an ID or a policy number
        return selectors.mask_id_number(term)
    return selectors.mask_name(term)


def logged_filters(query: QueryDict) -> str:
    """The changelist query of an export as the export log keeps it: the search
    term may be a phone, an ID number or a name, and the log is read by people
    who may not see them, so each term but a complaint number is masked, and so
    is the value of every filter on a personal field (`phone=`, `id_number=`,
    `complainant_name__startswith=`...)."""
    query = query.copy()
    for key in list(query):
        if key == "q" or touches_personal(Complaint, key):
            query.setlist(
                key,
                [
                    " ".join(_masked_term(t) for t in str(value).split())
                    for value in query.getlist(key)
                ],
            )
    return query.urlencode()


def export_record(
    *, user: Any, kind: str, file_format: str, filters: str, row_count: int
) -> ExportRecord:
    return ExportRecord.objects.create(
        user=user,
        kind=kind,
        file_format=file_format,
        filters=filters,
        row_count=row_count,
    )
