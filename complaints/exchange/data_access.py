"""Everything held about one person, for a data-access request (PIPL art. 45).

A workbook with one sheet per kind of record: the complaints they lodged, the
decisions, correspondence, extensions and pauses, attachments (metadata; the
files themselves go into the zip beside it), the notices sent to them and the
history of their complaint records. Where the person was only the agent of
someone else's complaint, only the agent's own data is given (the complainant
is another data subject). Staff accounts (handler, approver, ...) are left
out of the history: they are other people's data and not the requester's.

The sheets and values are always in Chinese (the requester's language), and
every text cell goes through exports.safe_cell (no formula survives).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils import translation

from complaints.exchange.exports import safe_cell
from complaints.models import Attachment, Complaint, Notification

XLSX_NAME = "个人信息.xlsx"
ATTACHMENT_DIR = "附件"
FILE_MISSING = "（文件缺失）"

# (header, field of Complaint): the person's own complaints.
COMPLAINT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("投诉编号", "number"),
    ("事项类型", "item_type"),
    ("受理渠道", "channel"),
    ("接收时间", "received_at"),
    ("责任机构", "institution"),
    ("状态", "status"),
    ("投诉人类型", "complainant_type"),
    ("投诉人姓名", "complainant_name"),
    ("证件类型", "id_type"),
    ("证件号码", "id_number"),
    ("联系电话", "phone"),
    ("电子邮箱", "email"),
    ("联系地址", "address"),
    ("统一社会信用代码", "credit_code"),
    ("法定代表人或负责人", "legal_representative"),
    ("提出方式", "representation"),
    ("代理人或继承人姓名", "agent_name"),
    ("代理人或继承人证件号码", "agent_id_number"),
    ("代理人或继承人电话", "agent_phone"),
    ("投诉人数", "complainant_count"),
    ("代表人", "representatives"),
    ("被投诉机构", "subject_institution"),
    ("被投诉人员", "subject_staff"),
    ("保单号", "policy_number"),
    ("赔案号", "claim_number"),
    ("险种", "product_line"),
    ("业务类别", "category"),
    ("投诉原因", "cause"),
    ("投诉请求", "request"),
    ("主要事实和理由", "facts"),
    ("争议金额", "amount_in_dispute"),
    ("监管转送编号", "regulator_reference"),
    ("受理时间", "accepted_at"),
    ("处理期限", "due_on"),
    ("撤回日期", "withdrawn_on"),
    ("办结时间", "closed_at"),
    ("回访时间", "callback_at"),
    ("满意度", "satisfaction"),
    ("回访记录", "callback_note"),
)
DECISION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("投诉编号", "number"),
    ("分流方式", "route_kind"),
    ("分流说明", "route_note"),
    ("处理结果", "outcome"),
    ("处理决定及理由", "decision_text"),
    ("赔付金额", "redress_amount"),
    ("赔付日期", "redress_paid_on"),
    ("作出决定时间", "decided_at"),
    ("告知时间", "notified_at"),
    ("签收日期", "decision_received_on"),
    ("核查申请日期", "review_applied_on"),
    ("核查结果", "review_result"),
    ("核查意见", "review_text"),
    ("核查时间", "reviewed_at"),
    ("调解组织", "mediation_body"),
    ("转交调解日期", "mediation_referred_on"),
    ("调解结果", "mediation_outcome"),
    ("调解情况", "mediation_note"),
)
AGENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("投诉编号", "number"),
    ("接收时间", "received_at"),
    ("责任机构", "institution"),
    ("状态", "status"),
    ("提出方式", "representation"),
    ("代理人或继承人姓名", "agent_name"),
    ("代理人或继承人证件号码", "agent_id_number"),
    ("代理人或继承人电话", "agent_phone"),
)
CORRESPONDENCE_HEADERS = (
    "投诉编号",
    "时间",
    "方向",
    "方式",
    "摘要",
    "正式告知",
    "新事实或理由",
)
SCHEDULE_HEADERS = ("投诉编号", "类型", "起始或原期限", "结束或新期限", "机构", "理由")
ATTACHMENT_HEADERS = (
    "投诉编号",
    "类别",
    "文件名",
    "文件类型",
    "大小（字节）",
    "SHA-256",
    "说明",
    "上传时间",
    "压缩包内路径",
)
NOTICE_HEADERS = (
    "投诉编号",
    "类型",
    "方式",
    "发送地址",
    "标题",
    "内容",
    "生成时间",
    "发送时间",
    "放弃发送时间",
)
HISTORY_HEADERS = ("投诉编号", "时间", "操作", "原因", "字段", "原值", "新值")
HISTORY_TYPES = {"+": "创建", "~": "修改", "-": "删除"}


@dataclass
class Request:
    """The complaints of one data-access request, split by the person's role."""

    own: Sequence[Complaint]
    as_agent: Sequence[Complaint] = ()
    attachment_paths: dict[int, str] = field(default_factory=dict)


def _value(obj: Model, name: str) -> Any:
    """A field's value as a reader sees it: labels for choices, names for links."""
    model_field = obj._meta.get_field(name)
    if getattr(model_field, "choices", None):
        return getattr(obj, f"get_{name}_display")()
    value = getattr(obj, name)
    if isinstance(value, Model):
        return str(getattr(value, "name", value))
    return value


def _columns(
    columns: Sequence[tuple[str, str]],
) -> tuple[tuple[str, ...], Callable[[Model], list[Any]]]:
    def row(obj: Model) -> list[Any]:
        return [_value(obj, name) for _header, name in columns]

    return tuple(h for h, _name in columns), row


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _correspondence(own: Sequence[Complaint]) -> Iterator[list[Any]]:
    for c in own:
        for r in c.correspondence.order_by("occurred_at", "pk"):
            yield [
                c.number,
                r.occurred_at,
                r.get_direction_display(),
                r.get_method_display(),
                r.summary,
                _yes(r.is_notice),
                _yes(r.new_facts),
            ]


def _schedule(own: Sequence[Complaint]) -> Iterator[list[Any]]:
    for c in own:
        for e in c.extensions.order_by("level"):
            yield [c.number, "延长处理期限", e.previous_due, e.new_due, "", e.reason]
        for p in c.pauses.order_by("started_on"):
            yield [c.number, "中止计算期限", p.started_on, p.ended_on, p.body, p.reason]


def _attachments(request: Request) -> Iterator[list[Any]]:
    for c in request.own:
        for a in c.attachments.order_by("uploaded_at", "pk"):
            yield [
                c.number,
                a.get_kind_display(),
                a.original_name,
                a.content_type,
                a.size,
                a.sha256,
                a.description,
                a.uploaded_at,
                request.attachment_paths.get(a.pk, ""),
            ]


def _notices(own: Sequence[Complaint]) -> Iterator[list[Any]]:
    sent = Notification.objects.filter(
        complaint__in=own, audience=Notification.Audience.COMPLAINANT
    ).select_related("complaint")
    for n in sent.order_by("complaint__received_at", "created_at", "pk"):
        yield [
            n.complaint.number,
            n.kind,
            n.get_channel_display(),
            n.address,
            n.subject,
            n.body,
            n.created_at,
            n.sent_at,
            n.failed_at,
        ]


def _staff_fields() -> list[str]:
    """Fields pointing at staff accounts: not the requester's data."""
    user_model = get_user_model()
    return [
        f.name
        for f in Complaint._meta.get_fields()
        if f.many_to_one and f.related_model is user_model
    ]


def _shown(name: str, value: Any) -> Any:
    model_field = Complaint._meta.get_field(name)
    choices = dict(getattr(model_field, "flatchoices", None) or [])
    if value in choices:
        return choices[value]
    if isinstance(value, Model):
        return str(getattr(value, "name", value))
    return value


def _history(own: Sequence[Complaint]) -> Iterator[list[Any]]:
    excluded = _staff_fields()
    for c in own:
        previous = None
        for record in c.history.order_by("history_date", "history_id"):
            kind = HISTORY_TYPES.get(record.history_type, record.history_type)
            reason = record.history_change_reason or ""
            if previous is None:
                yield [c.number, record.history_date, kind, reason, "", "", ""]
            else:
                delta = record.diff_against(
                    previous, excluded_fields=excluded, foreign_keys_are_objs=True
                )
                for change in delta.changes:
                    label = str(Complaint._meta.get_field(change.field).verbose_name)
                    yield [
                        c.number,
                        record.history_date,
                        kind,
                        reason,
                        label,
                        _shown(change.field, change.old),
                        _shown(change.field, change.new),
                    ]
            previous = record


def sheets(
    request: Request,
) -> Iterator[tuple[str, Sequence[str], Iterator[list[Any]]]]:
    """(title, headers, rows) per sheet, in the order of the workbook."""
    headers, complaint_row = _columns(COMPLAINT_COLUMNS)
    yield "投诉", headers, (complaint_row(c) for c in request.own)
    headers, decision_row = _columns(DECISION_COLUMNS)
    yield "处理决定与核查", headers, (decision_row(c) for c in request.own)
    yield "往来记录", CORRESPONDENCE_HEADERS, _correspondence(request.own)
    yield "延期与中止", SCHEDULE_HEADERS, _schedule(request.own)
    yield "附件", ATTACHMENT_HEADERS, _attachments(request)
    yield "告知记录", NOTICE_HEADERS, _notices(request.own)
    yield "变更记录", HISTORY_HEADERS, _history(request.own)
    headers, agent_row = _columns(AGENT_COLUMNS)
    yield "作为代理人", headers, (agent_row(c) for c in request.as_agent)


def write_workbook(request: Request, target: IO[bytes]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    with translation.override("zh-hans"):
        for title, headers, rows in sheets(request):
            sheet = workbook.create_sheet(title=title)
            sheet.append(list(headers))
            for row in rows:
                sheet.append([safe_cell(v) for v in row])
    workbook.save(target)


def _temporary() -> IO[bytes]:
    # Closed (and so deleted) by the FileResponse that sends it.
    return tempfile.TemporaryFile()  # noqa: SIM115


def xlsx_file(request: Request) -> IO[bytes]:
    handle = _temporary()
    write_workbook(request, handle)
    handle.seek(0)
    return handle


def _archive_name(attachment: Attachment, number: str) -> str:
    # The stored name is the uploader's: keep only its last component.
    name = os.path.basename(attachment.original_name.replace("\\", "/")) or "file"
    return f"{ATTACHMENT_DIR}/{number}/{attachment.pk}-{name}"


def zip_file(request: Request) -> IO[bytes]:
    """The workbook and every attachment's file; a file missing from storage
    is named in the attachments sheet instead of failing the whole request."""
    handle = _temporary()
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for c in request.own:
            for a in c.attachments.order_by("uploaded_at", "pk"):
                name = _archive_name(a, c.number)
                try:
                    with a.file.open("rb") as source, archive.open(name, "w") as out:
                        shutil.copyfileobj(source, out, 1 << 20)
                except OSError:
                    request.attachment_paths[a.pk] = FILE_MISSING
                else:
                    request.attachment_paths[a.pk] = name
        workbook = io.BytesIO()  # one person's records: small
        write_workbook(request, workbook)
        archive.writestr(XLSX_NAME, workbook.getvalue())
    handle.seek(0)
    return handle
