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
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from complaints.models import Code, Complaint, Correspondence, ExportRecord
from complaints.workbench import selectors
from organisations.admin_lookups import touches_personal

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
    labels and choice texts (looking them up per row would cost more than the
    row itself at 100,000 rows)."""

    def __init__(self) -> None:
        self.codes = dict(Code.objects.values_list("pk", "label"))
        self.status = {k: str(v) for k, v in Complaint.Status.choices}
        self.direction = {k: str(v) for k, v in Correspondence.Direction.choices}
        self.method = {k: str(v) for k, v in Correspondence.Method.choices}
        self.outcome = {k: str(v) for k, v in Complaint.Outcome.choices}
        self.redress_method = {k: str(v) for k, v in Complaint.RedressMethod.choices}
        self.review_result = {k: str(v) for k, v in Complaint.ReviewResult.choices}
        self.satisfaction = {k: str(v) for k, v in Complaint.Satisfaction.choices}


def complaint_row(user: Any, c: Complaint, labels: Labels) -> list[Any]:
    personal = selectors.can_see_personal_data(user, c)
    name, id_number, phone, email, address = (
        c.complainant_name,
        c.id_number,
        c.phone,
        c.email,
        c.address,
    )
    if not personal:
        name = selectors.mask_name(name)
        id_number = selectors.mask_id_number(id_number)
        phone = selectors.mask_phone(phone)
        email, address = selectors.mask_text(email), selectors.mask_text(address)
    return [
        c.number,
        labels.codes[c.channel_id],
        c.received_at,
        c.institution.code,
        c.institution.name,
        labels.status.get(c.status, c.status),
        name,
        id_number,
        phone,
        email,
        address,
        labels.codes[c.product_line_id],
        labels.codes[c.category_id],
        c.policy_number,
        c.request,
        c.facts,
        c.regulator_reference,
        c.regulator_due,
        c.due_on,
        selectors.person_name(c.handler),
        labels.outcome.get(c.outcome, c.outcome),
        timezone.localdate(c.closed_at) if c.closed_at else None,
        c.redress_amount,
        c.redress_paid_on,
        labels.redress_method.get(c.redress_method, c.redress_method),
        labels.review_result.get(c.review_result, c.review_result),
        c.reviewed_at,
        c.callback_at,
        labels.satisfaction.get(c.satisfaction, "")
        if c.satisfaction is not None
        else "",
    ]


def correspondence_row(user: Any, r: Correspondence, labels: Labels) -> list[Any]:
    c = r.complaint
    personal = selectors.can_see_personal_data(user, c)
    return [
        c.number,
        c.institution.code,
        labels.direction.get(r.direction, r.direction),
        labels.method.get(r.method, r.method),
        r.occurred_at,
        r.summary if personal else selectors.mask_text(r.summary),
        _yes(r.is_notice),
        _yes(r.new_facts),
        selectors.person_name(r.recorded_by),
    ]


EXPORTED_FIELDS = (
    "number", "channel_id", "received_at", "status", "complainant_name",
    "id_number", "phone", "email", "address", "product_line_id", "category_id",
    "policy_number", "request", "facts", "regulator_reference", "regulator_due",
    "due_on", "institution__code", "institution__name", "institution__path",
    "handler__username", "handler__first_name", "handler__last_name",
    "outcome", "closed_at", "redress_amount", "redress_paid_on", "redress_method",
    "review_result", "reviewed_at", "callback_at", "satisfaction",
)  # fmt: skip


def complaints_for_export(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Only the columns the export writes (the decision texts and the rest of a
    complaint's eighty columns stay in the database)."""
    return qs.select_related("institution", "handler").only(*EXPORTED_FIELDS)


def correspondence_for_export(
    complaints: QuerySet[Complaint],
) -> QuerySet[Correspondence]:
    return (
        Correspondence.objects.filter(complaint__in=complaints.values("pk"))
        .select_related("complaint__institution", "recorded_by")
        .order_by("complaint__number", "occurred_at", "pk")
    )


KINDS: dict[str, tuple[tuple[str, ...], Callable[[Any, Any, Labels], list[Any]]]] = {
    ExportRecord.Kind.COMPLAINTS: (COMPLAINT_HEADERS, complaint_row),
    ExportRecord.Kind.CORRESPONDENCE: (CORRESPONDENCE_HEADERS, correspondence_row),
}


def rows(*, user: Any, kind: str, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """Header, then one neutralised row per object, read in chunks."""
    headers, make = KINDS[kind]
    labels = Labels()
    yield list(headers)
    for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [safe_cell(v) for v in make(user, obj, labels)]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(lines: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    for line in lines:
        text = [v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in line]
        yield writer.writerow(text).encode("utf-8")


def xlsx_file(lines: Iterable[list[Any]], *, title: str) -> tuple[IO[bytes], int]:
    """A write-only workbook in an anonymous temporary file (deleted on close),
    positioned at its start, and the number of data rows written."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    count = -1
    for line in lines:
        sheet.append(line)
        count += 1
    # Closed (and so deleted) by the FileResponse that sends it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle, max(count, 0)


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
