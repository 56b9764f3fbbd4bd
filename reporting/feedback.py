"""Feedback to the regulator on the complaints it transferred (监管转送反馈).

One row per transfer: the regulator's reference, office and dates, the case's
progress and result, the dates of its steps, the decision's summary and
whether the complainant accepted it. The layout (FEEDBACK_HEADERS) is a
contract documented in the README: add columns at the end, never rename one.

The rows are the transfers of a subtree the user may export (EXPORT), one
transfer by its number, or in bulk: the transfers received in a period or
whose feedback falls due in it. The decision's summary is personal data: it
is masked without the personal-data permission on the complaint's
institution, as in every export. Each download is logged (ExportRecord).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from complaints.exchange.exports import safe_cell, xlsx_file
from complaints.models import Complaint, ExportRecord
from complaints.workbench import selectors as complaint_selectors
from organisations import permissions as P
from organisations.models import Institution
from reporting.periods import Period

S = Complaint.Status
SUMMARY_LENGTH = 300

FEEDBACK_HEADERS: tuple[str, ...] = (
    "监管转送编号",
    "转送机构",
    "监管接收日期",
    "本公司接收日期",
    "监管反馈期限",
    "投诉编号",
    "责任机构",
    "处理进度",
    "受理日期",
    "处理决定日期",
    "告知日期",
    "处理结果",
    "处理决定摘要",
    "补偿金额(元)",
    "补偿支付日期",
    "投诉人是否接受",
    "核查结果",
    "办结日期",
    "是否在监管反馈期限内办结",
)

# The progress as the regulator's feedback form words it (data, Chinese).
PROGRESS = {
    S.REGISTERED: "已登记，待受理",
    S.ACCEPTED: "已受理",
    S.INVESTIGATING: "调查处理中",
    S.AWAITING_APPROVAL: "处理决定审批中",
    S.DECIDED: "已作出处理决定，待告知",
    S.NOTIFIED: "已告知处理决定",
    S.UNDER_REVIEW: "投诉人申请核查，核查中",
    S.REVIEWED: "核查已完成，待告知",
    S.IN_MEDIATION: "已转调解组织调解",
    S.CLOSED: "已办结",
    S.DECLINED: "不予受理（非消费者本人、代理人或继承人提出）",
    S.ROUTED: "已转办",
    S.WITHDRAWN: "投诉人已撤回",
    S.ARCHIVED: "已办结归档",
}
OUTCOME = {
    "supported": "支持",
    "partly": "部分支持",
    "not_supported": "不支持",
    "mediated": "调解结案",
    "withdrawn": "撤回",
}
ROUTE = {
    "reclassified": "非投诉事项（转为咨询、建议或举报）",
    "forwarded": "转责任机构处理",
    "proceeding": "已进入诉讼或仲裁程序",
    "merged": "并入正在处理的投诉",
    "already_decided": "同一事项已作处理决定",
}
REVIEW = {
    "upheld": "维持原处理决定",
    "varied": "变更原处理决定",
    "overturned": "撤销原处理决定",
}
OPEN = {S.REGISTERED, S.ACCEPTED, S.INVESTIGATING, S.AWAITING_APPROVAL, S.DECIDED}


def acceptance(c: Complaint) -> str:
    """Whether the complainant accepted the decision, from what the case
    records: a review application or a mediation says no; a satisfied
    callback or a closure without either says yes."""
    if c.status == S.WITHDRAWN:
        return "投诉人已撤回投诉"
    if c.status in (S.DECLINED, S.ROUTED):
        return "不适用（未作处理决定）"
    if c.status in OPEN:
        return "尚未告知处理决定"
    if c.review_applied_on is not None:
        return "不接受，已申请核查"
    if c.mediation_referred_on is not None:
        return "不接受，已申请调解"
    if c.satisfaction is not None and c.satisfaction >= 4:
        return "接受（回访满意）"
    if c.satisfaction is not None and 1 <= c.satisfaction <= 2:
        return "已办结，回访不满意"
    if c.status in (S.CLOSED, S.ARCHIVED):
        return "接受（未申请核查）"
    return "待投诉人确认（核查申请期内）"


# Before approval the outcome is a draft: neither it nor its text is a result.
UNDECIDED = OPEN - {S.DECIDED}


def _result(c: Complaint) -> str:
    if c.status in UNDECIDED:
        return ""
    if c.route_kind:
        return ROUTE.get(c.route_kind, c.route_kind)
    if c.status == S.DECLINED:
        return "不予受理"
    return OUTCOME.get(c.outcome, "")


def _day(value: Any) -> date | None:
    return timezone.localdate(value) if value else None


def _summary(user: Any, c: Complaint) -> str:
    if c.status in UNDECIDED:
        return ""
    text = " ".join(c.decision_text.split())
    if len(text) > SUMMARY_LENGTH:
        text = text[: SUMMARY_LENGTH - 1] + "…"
    if not complaint_selectors.can_see_personal_data(user, c):
        return complaint_selectors.mask_text(text)
    return text


def feedback_row(user: Any, c: Complaint) -> list[Any]:
    transfer = getattr(c, "regulator_transfer", None)
    ended = c.ended_on
    in_time = None
    if c.regulator_due and ended:
        in_time = "是" if ended <= c.regulator_due else "否"
    elif c.regulator_due:
        in_time = "否（未办结）" if timezone.localdate() > c.regulator_due else "未办结"
    row = [
        c.regulator_reference,
        c.regulator_office,
        transfer.regulator_received_on if transfer else None,
        c.received_on,
        c.regulator_due,
        c.number,
        c.institution.name,
        PROGRESS.get(c.status, c.status),
        _day(c.accepted_at),
        _day(c.decided_at),
        _day(c.notified_at),
        _result(c),
        _summary(user, c),
        c.redress_amount,
        c.redress_paid_on,
        acceptance(c),
        REVIEW.get(c.review_result, ""),
        ended if c.status not in OPEN else None,
        in_time or "",
    ]
    return [safe_cell(v) for v in row]


def transfers_for_feedback(
    *,
    user: Any,
    institution: Institution,
    period: Period | None = None,
    number: str = "",
) -> QuerySet[Complaint]:
    """The transfers of `institution`'s subtree the user may export: one by
    its complaint number or regulator's reference, or those received in
    `period` or whose feedback falls due in it."""
    P.require(user, P.EXPORT, institution)
    qs = P.scope(
        Complaint.objects.filter(
            institution__path__startswith=institution.path,
        ).exclude(regulator_reference=""),
        user,
        P.EXPORT,
    )
    if number:
        qs = qs.filter(Q(number=number) | Q(regulator_reference=number))
    elif period is not None:
        qs = qs.filter(
            Q(received_on__gte=period.start, received_on__lte=period.end)
            | Q(regulator_due__gte=period.start, regulator_due__lte=period.end)
        )
    return qs.select_related("institution", "regulator_transfer").order_by(
        "received_on", "number"
    )


def feedback_rows(user: Any, qs: QuerySet[Complaint]) -> Iterator[list[Any]]:
    yield list(FEEDBACK_HEADERS)
    for c in qs.iterator(chunk_size=2000):
        yield feedback_row(user, c)


def write_feedback(
    *, user: Any, qs: QuerySet[Complaint], filters: str
) -> tuple[IO[bytes], int]:
    """The xlsx file (positioned at its start) and its row count; logged."""
    handle, count = xlsx_file(feedback_rows(user, qs), title="监管转送反馈")
    ExportRecord.objects.create(
        user=user,
        kind=ExportRecord.Kind.REGULATOR_FEEDBACK,
        file_format=ExportRecord.Format.XLSX,
        filters=filters,
        row_count=count,
    )
    return handle, count
