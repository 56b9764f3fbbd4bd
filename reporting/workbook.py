"""The regulator's quarterly complaint statistics as an xlsx workbook.

Numbers come from the same selectors as the dashboards (kpi_tables,
subtree_rates, regulator_rates; the category x product-line cross is
kpi_cross's, read with the rates on all complaints received), so the same
scope and period give the same figures. Headers are the Chinese ones of the
statistics form (data, like the import columns, not interface text).
Written with openpyxl's write_only mode, row by row, so memory stays flat;
the long list of the last sheet as XML text (reporting.xlsx_rows).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from complaints.models import Code, Complaint
from config.routers import reporting_reads
from organisations.models import Institution
from reporting import basis, xlsx_rows
from reporting.explain import write_explanations
from reporting.periods import Period
from reporting.selectors import (
    complaints_in,
    kpi_tables,
    subtree_rates,
)
from reporting.selectors.kpis import Actor, cross_by_code, metric_q, window
from reporting.selectors.regulator import RateReport, regulator_rates

log = logging.getLogger("reporting.exports")

SHEETS = [
    "汇总",
    "业务类型×险种",
    "投诉原因",
    "投诉渠道",
    "下级机构",
    "群体及监管转送投诉",
    "监管口径",
]
# What each figure of the workbook means and where it comes from: the last
# sheet, so that the file explains itself away from the application.
EXPLAINED = "指标说明"
RATE_NAMES = {
    "亿元": "亿元保费投诉量",
    "万张": "万张保单投诉量",
    "万人次": "万人次投诉量",
}
SUMMARY_ROWS: list[tuple[str, str]] = [
    ("received", "接收投诉件数"),
    ("accepted", "受理件数"),
    ("declined", "不予受理件数"),
    ("withdrawn", "撤回件数"),
    ("routed", "转办及其他处理件数"),
    ("closed", "办结件数"),
    ("concluded", "处理完毕件数"),
    ("on_time", "时限内处理完毕件数"),
    ("on_time_rate", "按时办结率(%)"),
    ("open_at_end", "期末未处理完毕件数"),
    ("overdue_open", "期末超期未处理件数"),
    ("handling_days_avg", "平均处理天数"),
    ("handling_days_p90", "处理天数第90百分位"),
    ("within_15", "15日内处理完毕件数"),
    ("within_15_rate", "15日内处理完毕率(%)"),
    ("within_30", "30日内处理完毕件数"),
    ("within_30_rate", "30日内处理完毕率(%)"),
    ("within_60", "60日内处理完毕件数"),
    ("within_60_rate", "60日内处理完毕率(%)"),
    ("late", "超过处理时限件数"),
    ("late_rate", "超过处理时限率(%)"),
    ("working_days_median", "处理工作日中位数"),
    ("working_days_p90", "处理工作日第90百分位"),
    ("extended", "延期处理件数"),
    ("extended_twice", "再次延期件数"),
    ("extension_rate", "延期率(%)"),
    ("extension2_rate", "再次延期率(%)"),
    ("notified", "告知处理决定件数"),
    ("notified_evidence", "留存告知凭证件数"),
    ("evidence_rate", "告知凭证留存率(%)"),
    ("review_requested", "申请核查件数"),
    ("review_rate", "核查申请率(%)"),
    ("reviewed", "核查完成件数"),
    ("review_on_time", "核查按时完成件数"),
    ("review_on_time_rate", "核查按时完成率(%)"),
    ("review_changed", "核查变更原决定件数"),
    ("overturn_rate", "核查变更率(%)"),
    ("mediated", "转调解件数"),
    ("mediation_rate", "调解率(%)"),
    ("redress_paid", "赔付/补偿件数"),
    ("redress_amount", "赔付/补偿金额(元)"),
    ("repeat", "重复投诉件数"),
    ("repeat_rate", "重复投诉率(%)"),
    ("group", "群体投诉件数"),
    ("regulator", "监管转送件数"),
    ("callbacks", "回访成功件数"),
    ("satisfied", "回访满意件数"),
    ("satisfaction_rate", "回访满意率(%)"),
    ("satisfaction_avg", "平均满意度(1-5)"),
]
BREAKDOWN_COLUMNS: list[tuple[str, str]] = [
    ("received", "接收件数"),
    ("accepted", "受理件数"),
    ("closed", "办结件数"),
    ("concluded", "处理完毕件数"),
    ("on_time", "时限内处理完毕件数"),
    ("on_time_rate", "按时办结率(%)"),
    ("open_at_end", "期末未处理完毕"),
    ("overdue_open", "期末超期未处理"),
    ("extended", "延期件数"),
    ("review_requested", "申请核查件数"),
    ("redress_paid", "赔付件数"),
    ("redress_amount", "赔付金额(元)"),
    ("handling_days_avg", "平均处理天数"),
    ("handling_days_p90", "处理天数第90百分位"),
    ("within_15", "15日内处理完毕"),
    ("within_30", "30日内处理完毕"),
    ("within_60", "60日内处理完毕"),
    ("late", "超过处理时限"),
    ("working_days_median", "处理工作日中位数"),
    ("working_days_p90", "处理工作日第90百分位"),
    ("notified_evidence", "留存告知凭证"),
    ("review_on_time", "核查按时完成"),
    ("review_changed", "核查变更原决定"),
    ("repeat", "重复投诉"),
    ("satisfaction_rate", "回访满意率(%)"),
]
BREAKDOWN_SHEETS = {
    "投诉原因": "cause",
    "投诉渠道": "channel",
    "下级机构": "institution",
}
LIST_HEADERS = [
    "投诉编号",
    "接收日期",
    "责任机构",
    "投诉渠道",
    "业务类型",
    "险种",
    "群体投诉",
    "投诉人数",
    "监管转送",
    "监管文号",
    "转送机关",
    "监管反馈期限",
    "状态",
    "处理完毕日期",
]
LIST_COLUMNS = (
    "number",
    "received_on",
    "institution_id",
    "channel_id",
    "category_id",
    "product_line_id",
    "is_group",
    "complainant_count",
    "regulator_reference",
    "regulator_office",
    "regulator_due",
    "status",
    "ended_on",
)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FORMULA_START = ("=", "+", "-", "@")


def _text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # never a formula (DESIGN.md, exports)
    return value


def _cell(ws: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_text(value))
    if bold:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    if isinstance(value, Decimal):
        cell.number_format = "0.00" if value.as_tuple().exponent == -2 else "0.0"
    return cell


def _sheet(
    wb: Workbook, title: str, widths: Sequence[int], *, freeze: str = "A2"
) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = freeze
    return ws


def _row(ws: WriteOnlyWorksheet, values: Sequence[Any], *, bold: bool = False) -> None:
    ws.append([_cell(ws, v, bold=bold) for v in values])


def _rate_row(ws: WriteOnlyWorksheet, rate: Any) -> None:
    printed = rate.printed
    _row(
        ws,
        [
            RATE_NAMES[rate.unit_label],
            rate.complaints,
            rate.denominator_in_units,
            rate.unit_label,
            Decimal(printed) if printed != "—" else "—",
            rate.basis,
        ],
    )


def _volume_rows(ws: WriteOnlyWorksheet, volume: Any) -> None:
    _row(
        ws,
        [
            "业务量来源机构",
            "原保险保费收入(元)",
            "规模保费(元)",
            "新单件数",
            "有效保单件数",
            "承保人次",
        ],
        bold=True,
    )
    for row in volume.rows:
        _row(
            ws,
            [
                row.institution.name,
                row.premium,
                row.scale_premium,
                row.policies,
                row.policies_in_force,
                row.insured_persons,
            ],
        )


def _regulator_sheet(
    wb: Workbook,
    *,
    user: Actor,
    institution: Institution,
    period: Period,
    chosen: basis.Basis,
    received: RateReport,
) -> None:
    """Both numerators side by side: the rates, the shares by the regulator's
    product line and by sector (reporting.selectors.regulator). `received`
    is the report on all complaints received, read before (the cross sheet
    is taken from it)."""
    ws = _sheet(wb, SHEETS[6], [30, 12, 14, 10, 10, 36], freeze="A3")
    _row(ws, ["监管通报口径", institution.name, f"统计期间：{period}"])
    _row(
        ws,
        [
            "公司类型及分母口径",
            str(chosen.insurer_label),
            chosen.premium_label,
            chosen.policy_label,
        ],
    )
    for numerator in (basis.REGULATOR, basis.ALL):
        report = received
        if numerator != basis.ALL:
            report = regulator_rates(
                user=user,
                institution=institution,
                period=period,
                numerator=numerator,
                basis=chosen,
            )
        _row(ws, [])
        _row(ws, ["分子口径", NUMERATOR_TEXT[numerator]], bold=True)
        if report.undated:
            _row(ws, ["其中未记录监管接收日期（按本公司接收日期计）", report.undated])
        _row(
            ws,
            ["指标", "投诉件数", "分母", "分母单位", "比率", "分母口径"],
            bold=True,
        )
        for rate in report.rates:
            _rate_row(ws, rate)
        _row(ws, ["监管险种", "投诉件数", "占比(%)"], bold=True)
        for line in report.lines:
            _row(ws, [line.label, line.complaints, line.share])
        _row(ws, ["合计", report.total, Decimal("100.00") if report.total else None])
        _row(ws, ["财产险/人身险", "投诉件数", "占比(%)"], bold=True)
        for sector in report.sectors:
            _row(ws, [SECTOR_TEXT[sector.key], sector.complaints, sector.share])


NUMERATOR_TEXT = {
    basis.REGULATOR: "监管转送投诉，按监管机构接收日期所在期间",
    basis.ALL: "本公司接收的全部投诉，按本公司接收日期所在期间",
}
SECTOR_TEXT = {"property": "财产险", "life": "人身险"}


def write_regulator_workbook(
    *, user: Actor, institution: Institution, period: Period, stream: IO[bytes]
) -> dict[str, int]:
    """Write the workbook to `stream`; returns row counts for the export log.
    Read from the replica when there is one (the view and the command alike)."""
    with reporting_reads():
        return _write(user=user, institution=institution, period=period, stream=stream)


def _write(
    *, user: Actor, institution: Institution, period: Period, stream: IO[bytes]
) -> dict[str, int]:
    summary, tables = kpi_tables(
        user=user,
        institution=institution,
        period=period,
        by=tuple(BREAKDOWN_SHEETS.values()),
    )
    wb = Workbook(write_only=True)
    counts: dict[str, int] = {}

    ws = _sheet(wb, SHEETS[0], [34, 18, 18, 16, 16], freeze="A4")
    _row(ws, ["保险消费投诉统计表", institution.name, f"统计期间：{period}"])
    _row(ws, ["机构代码", institution.code, f"{period.start} 至 {period.end}"])
    _row(ws, ["指标", "数值"], bold=True)
    for key, label in SUMMARY_ROWS:
        _row(ws, [label, summary[key]])
    rates, volume = subtree_rates(user=user, institution=institution, period=period)
    _row(ws, [])
    _row(
        ws,
        ["监管通报口径指标", "投诉件数", "分母", "分母单位", "比率", "分母口径"],
        bold=True,
    )
    for rate in rates:
        _rate_row(ws, rate)
    _row(ws, ["分子口径：统计期间内接收的全部投诉（按本公司接收日期）"])
    _row(ws, [])
    _volume_rows(ws, volume)
    counts[SHEETS[0]] = len(SUMMARY_ROWS)

    # Business category x product line: complaints received.
    categories = list(Code.objects.filter(kind=Code.Kind.CATEGORY))
    lines = list(Code.objects.filter(kind=Code.Kind.PRODUCT_LINE))
    # The cross is kpi_cross(rows="category", cols="product_line") of the
    # received, read with the regulator sheet's rates on all complaints
    # received (the same complaints): one read of the quarter instead of two.
    chosen = basis.current()
    received = regulator_rates(
        user=user,
        institution=institution,
        period=period,
        numerator=basis.ALL,
        basis=chosen,
    )
    cross = cross_by_code(received.by_category_line)
    ws = _sheet(wb, SHEETS[1], [16] + [12] * (len(lines) + 1), freeze="B2")
    _row(ws, ["业务类型＼险种", *[c.label for c in lines], "合计"], bold=True)
    for cat in categories:
        values = [cross.get((cat.code, line.code), 0) for line in lines]
        _row(ws, [cat.label, *values, sum(values)])
    totals = [
        sum(cross.get((c.code, line.code), 0) for c in categories) for line in lines
    ]
    _row(ws, ["合计", *totals, sum(totals)])
    counts[SHEETS[1]] = len(categories)

    for title, dim in BREAKDOWN_SHEETS.items():
        rows = tables[dim]
        ws = _sheet(wb, title, [16, 24] + [12] * len(BREAKDOWN_COLUMNS), freeze="C2")
        name = "机构名称" if dim == "institution" else "名称"
        _row(ws, ["代码", name, *[h for _, h in BREAKDOWN_COLUMNS]], bold=True)
        for r in rows:
            _row(ws, [r["key"], r["label"], *[r[k] for k, _ in BREAKDOWN_COLUMNS]])
        counts[title] = len(rows)

    w = window(period)
    # Plain values, labels looked up once: this sheet lists every group and
    # regulator-transferred complaint of the quarter (ten thousand and more
    # at a large insurer); a model instance per row cost more than the sheet.
    listed = (
        complaints_in(user, institution)
        .filter(metric_q("received", w))
        .filter(Q(is_group=True) | ~Q(regulator_reference=""))
        # Not received_at: a server-side cursor plans for its first rows, and
        # walked that column's index over the whole table (0.6 s at a million).
        .order_by("received_on", "number")
        .values_list(*LIST_COLUMNS)
    )
    codes = dict(Code.objects.values_list("pk", "label"))
    names = dict(Institution.objects.values_list("pk", "name"))
    status = {k: str(v) for k, v in Complaint.Status.choices}
    ws = _sheet(wb, SHEETS[5], [18, 12, 20, 12, 14, 16, 10, 10, 10, 22, 20, 14, 14, 14])
    _row(ws, LIST_HEADERS, bold=True)
    date_xf = xlsx_rows.date_style(ws)
    n = 0

    def listed_rows() -> Iterator[list[Any]]:
        nonlocal n
        for (
            number,
            received_on,
            institution_id,
            channel_id,
            category_id,
            product_line_id,
            is_group,
            complainant_count,
            reference,
            office,
            regulator_due,
            state,
            ended_on,
        ) in listed.iterator(chunk_size=2000):
            n += 1
            yield [
                _text(number),
                received_on,
                _text(names[institution_id]),
                codes.get(channel_id, ""),
                codes.get(category_id, ""),
                codes.get(product_line_id, ""),
                "是" if is_group else "否",
                complainant_count,
                "是" if reference else "否",
                _text(reference),
                _text(office),
                regulator_due,
                status.get(state, state),
                ended_on,
            ]

    _regulator_sheet(
        wb,
        user=user,
        institution=institution,
        period=period,
        chosen=chosen,
        received=received,
    )
    counts[SHEETS[6]] = 2
    write_explanations(wb)
    # The list's rows as XML text (reporting.xlsx_rows): openpyxl's cell per
    # value was most of the workbook's time.
    xlsx_rows.save_with_rows(
        wb, stream, 5, xlsx_rows.rows_xml(listed_rows(), first_row=2, date_xf=date_xf)
    )
    counts[SHEETS[5]] = n
    log.info(
        "regulator statistics exported: user=%s institution=%s period=%s rows=%s",
        getattr(user, "username", "<command line>"),
        institution.code,
        period,
        counts,
    )
    return counts
