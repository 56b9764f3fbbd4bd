# ruff: noqa: E501 (the explanations are sentences of Chinese text)
"""A published scorecard as xlsx for HR (投诉考评表; README "Appraisal scorecard").

The 投诉考评 sheet, one row per institution and accountable manager, in the column
order of SCORECARD_HEADERS (the layout HR reads; changing it is a change of
the documented layout). The figures are the frozen row's; the rates are
recomputed from its counts for reading, the sub-scores and the score are as
published. Only the rows of institutions in the reader's REPORTS subtrees.
Then the 指标说明 sheet: what each column means and where it comes from.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone

from complaints.exchange.exports import safe_cell
from reporting.appraisal import rows_for
from reporting.appraisal_models import Scorecard, ScorecardRow
from reporting.explain import write_explanations

SCORECARD_HEADERS: tuple[str, ...] = (
    "考评期间起",
    "考评期间止",
    "权重版本",
    "机构代码",
    "机构",
    "投诉工作负责人",
    "负责起",
    "负责止",
    "投诉件数",
    "保费(亿元)",
    "亿元保费投诉量",
    "办结件数",
    "按时办结件数",
    "按时办结率(%)",
    "核查完成件数",
    "核查改变原决定件数",
    "核查改变率(%)",
    "重复投诉件数",
    "重复投诉率(%)",
    "到期整改事项",
    "按期完成整改",
    "整改完成率(%)",
    "质检评分项数",
    "质检得分",
    "质检得分率(%)",
    "得分:投诉量(权重)",
    "得分:按时办结(权重)",
    "得分:核查改变(权重)",
    "得分:重复投诉(权重)",
    "得分:整改完成(权重)",
    "得分:质检(权重)",
    "综合得分",
    "发布时间",
)


def _rate(good: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(100) * good / total).quantize(Decimal("0.1"))


def _sub(score: Decimal | None, weight: int) -> str:
    return "" if score is None else f"{score}({weight})"


def scorecard_row(card: Scorecard, r: ScorecardRow) -> list[Any]:
    w = card.weights
    premium = r.premium.quantize(Decimal("0.0001")) if r.premium is not None else None
    per_yi = (
        (Decimal(r.received) / r.premium).quantize(Decimal("0.01"))
        if r.premium
        else None
    )
    row = [
        card.period_start,
        card.period_end,
        f"v{w.version}",
        r.institution.code,
        r.institution.name,
        r.manager_name,
        r.accountable_from,
        r.accountable_until,
        r.received,
        premium,
        per_yi,
        r.concluded,
        r.on_time,
        _rate(r.on_time, r.concluded),
        r.reviewed,
        r.review_changed,
        _rate(r.review_changed, r.reviewed),
        r.repeat,
        _rate(r.repeat, r.received),
        r.rectifications_due,
        r.rectifications_done,
        _rate(r.rectifications_done, r.rectifications_due),
        r.quality_scores,
        r.quality_points,
        _rate(r.quality_points, r.quality_scores * 5),
        _sub(r.s_volume, w.w_volume),
        _sub(r.s_on_time, w.w_on_time),
        _sub(r.s_review, w.w_review),
        _sub(r.s_repeat, w.w_repeat),
        _sub(r.s_rectification, w.w_rectification),
        _sub(r.s_quality, w.w_quality),
        r.score,
        timezone.localtime(card.published_at).strftime("%Y-%m-%d %H:%M"),
    ]
    return [safe_cell(v) for v in row]


def write_scorecard(*, user: Any, card: Scorecard) -> tuple[IO[bytes], int]:
    """The file (positioned at its start) and its row count: the scorecard's
    sheet, then 指标说明 saying what each column means and where it comes from."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("投诉考评")
    ws.append(list(SCORECARD_HEADERS))
    count = 0
    for r in rows_for(user, card):
        ws.append(scorecard_row(card, r))
        count += 1
    write_explanations(wb, EXPLAINED)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    wb.save(handle)
    handle.seek(0)
    return handle, count


SOURCE_CASE = "投诉案件记录"
SOURCE_REGISTER = "投诉工作负责人登记（统计报表 → 投诉工作负责人登记）"
SOURCE_WEIGHTS = "考评权重（统计报表 → 考评权重，版本化）"
SHEET = "投诉考评"
# (sheet, figure, meaning, source): the 指标说明 sheet of the file.
EXPLAINED: list[tuple[str, str, str, str]] = [
    (SHEET, "考评期间起 / 考评期间止", "考评的统计期间（含首尾两日）", "考评计分卡"),
    (
        SHEET,
        "权重版本",
        "计算本考评所用的权重版本；发布后不再改变，权重调整产生新版本",
        SOURCE_WEIGHTS,
    ),
    (
        SHEET,
        "机构代码 / 机构",
        "被考评机构；各项指标按该机构及其全部下级机构合计",
        "机构设置",
    ),
    (
        SHEET,
        "投诉工作负责人 / 负责起 / 负责止",
        "期间内登记为该机构投诉工作负责人的人员及其在期间内负责的起止日期；期间内交接的，每人一行，指标相同；未登记的显示为未登记",
        SOURCE_REGISTER,
    ),
    (
        SHEET,
        "投诉件数",
        "期间内接收的投诉（不含已改为咨询、建议、举报的事项）",
        SOURCE_CASE,
    ),
    (
        SHEET,
        "保费(亿元) / 亿元保费投诉量",
        "同期保费（口径由系统设置 COMPLAINT_PREMIUM_BASIS 决定）折合亿元；投诉件数 ÷ 保费(亿元)",
        "业务量（统计报表 → 业务量）",
    ),
    (
        SHEET,
        "办结件数 / 按时办结件数 / 按时办结率(%)",
        "处理完毕日期在期间内的件数；其中不晚于法定期限（监管反馈期限更早时以其为准）的件数及比例",
        SOURCE_CASE,
    ),
    (
        SHEET,
        "核查完成件数 / 核查改变原决定件数 / 核查改变率(%)",
        "核查完成时间在期间内的件数；其中变更或撤销原处理决定的件数及比例",
        SOURCE_CASE,
    ),
    (
        SHEET,
        "重复投诉件数 / 重复投诉率(%)",
        "期间内接收且标记为重复投诉的件数，及其占投诉件数的比例",
        SOURCE_CASE,
    ),
    (
        SHEET,
        "到期整改事项 / 按期完成整改 / 整改完成率(%)",
        "责任机构在本机构范围内、整改期限在期间内的整改事项；其中已完成且完成日期不晚于整改期限的件数及比例",
        "溯源整改（统计报表 → 整改事项）",
    ),
    (
        SHEET,
        "质检评分项数 / 质检得分 / 质检得分率(%)",
        "期间内开始的质检抽样（本机构范围）中各检查项的评分项数、得分合计，得分 ÷（项数 × 5）",
        "质检抽样及评分（统计报表 → 质检抽样）",
    ),
    (
        SHEET,
        "得分:投诉量(权重)",
        "100 ×（1 − 亿元保费投诉量 ÷ 权重版本规定的上限），不低于0；括号内为权重",
        SOURCE_WEIGHTS,
    ),
    (SHEET, "得分:按时办结(权重)", "按时办结率（百分数）", SOURCE_WEIGHTS),
    (SHEET, "得分:核查改变(权重)", "100 − 核查改变率", SOURCE_WEIGHTS),
    (SHEET, "得分:重复投诉(权重)", "100 − 重复投诉率", SOURCE_WEIGHTS),
    (SHEET, "得分:整改完成(权重)", "整改完成率（百分数）", SOURCE_WEIGHTS),
    (SHEET, "得分:质检(权重)", "质检得分率（百分数）", SOURCE_WEIGHTS),
    (
        SHEET,
        "综合得分",
        "Σ 权重 × 分项得分 ÷ 有分项得分的指标的权重之和（某项期间内无数据则不计分、不计权重），一位小数四舍五入；由一位小数的分项得分计算",
        SOURCE_WEIGHTS,
    ),
    (
        SHEET,
        "发布时间",
        "考评发布并冻结的时间；发布后的考评不再改变，并纳入审计哈希链（verify_audit 校验）",
        "考评计分卡",
    ),
]
