"""What each figure of the workbooks means and where it comes from.

Written as the workbook's last sheet (指标说明), so a file sent to the
regulator or to HR explains itself; the README says the same in prose.
Definitions are those of reporting.selectors.kpis (METRICS) and
reporting.selectors.regulator; the text is data in the workbook's language
(Chinese, like its headers).
"""

# ruff: noqa: E501 (the explanations are sentences of Chinese text)
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

TITLE = "指标说明"
HEADERS = ("工作表", "指标", "含义及计算方法", "数据来源")
SOURCE_CASE = "投诉案件记录（登记、处理、告知、核查、回访各环节由系统服务记录）"
SOURCE_VOLUME = "业务量（统计报表 → 业务量，按机构和期间导入）"
SOURCE_TRANSFER = "监管转送记录（监管转送编号、转送机构、监管接收日期）"

# (sheet, figure, meaning, source)
ROWS: list[tuple[str, str, str, str]] = [
    (
        "汇总",
        "接收投诉件数",
        "统计期间内接收日期落在期间内的投诉（不含已改为咨询、建议、举报的事项）",
        SOURCE_CASE,
    ),
    ("汇总", "受理件数", "受理时间在期间内的投诉", SOURCE_CASE),
    (
        "汇总",
        "不予受理件数",
        "以非消费者本人、代理人或继承人提出为由不予受理、关闭时间在期间内",
        SOURCE_CASE,
    ),
    ("汇总", "撤回件数", "投诉人撤回日期在期间内", SOURCE_CASE),
    (
        "汇总",
        "转办及其他处理件数",
        "转至责任机构、涉诉涉仲裁、合并、已有处理决定等，关闭时间在期间内",
        SOURCE_CASE,
    ),
    ("汇总", "办结件数", "以任何方式办结、关闭时间在期间内", SOURCE_CASE),
    (
        "汇总",
        "处理完毕件数",
        "处理时限停止计算的日期（告知处理决定、收到撤回、不予受理或转办之日）在期间内",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "时限内处理完毕件数",
        "处理完毕日期不晚于法定期限（含经批准的延期和中止；监管反馈期限更早时以其为准）",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "按时办结率(%)",
        "时限内处理完毕件数 ÷ 处理完毕件数，两位小数四舍五入",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "期末未处理完毕件数",
        "截至期末（或今日）已接收而尚未处理完毕",
        SOURCE_CASE,
    ),
    ("汇总", "期末超期未处理件数", "期末未处理完毕且已过法定期限", SOURCE_CASE),
    (
        "汇总",
        "平均处理天数",
        "处理完毕的投诉自接收日至处理完毕日的自然日数的平均值",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "处理天数第90百分位",
        "同上自然日数的第90百分位（线性插值，与PostgreSQL percentile_cont一致）",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "15日内处理完毕件数 / 15日内处理完毕率(%) / 30日内处理完毕件数 / 30日内处理完毕率(%) / 60日内处理完毕件数 / 60日内处理完毕率(%)",
        "处理完毕的投诉中自接收日至处理完毕日不超过15、30、60个自然日的件数（《银行业保险业消费投诉处理管理办法》第十八条的三档时限），及其占处理完毕件数的比例",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "超过处理时限件数 / 超过处理时限率(%)",
        "处理完毕日期晚于法定期限（含经批准的延期和中止；监管反馈期限更早时以其为准）的件数，及其占处理完毕件数的比例",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "处理工作日中位数 / 处理工作日第90百分位",
        "处理完毕的投诉自接收日次日起至处理完毕日的工作日数（按系统维护的工作日历，含调休）的中位数和第90百分位（线性插值）",
        SOURCE_CASE + "；工作日历（load_calendar）",
    ),
    (
        "汇总",
        "延期率(%) / 再次延期率(%)",
        "延期处理件数 / 再次延期件数 ÷ 处理完毕件数",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "留存告知凭证件数 / 告知凭证留存率(%)",
        "期间内告知的处理决定中，案卷附有“告知送达凭证”或“通话录音”附件的件数，及其占告知件数的比例",
        SOURCE_CASE + "；案卷附件",
    ),
    (
        "汇总",
        "核查按时完成件数 / 核查按时完成率(%)",
        "核查完成时间在期间内且不晚于核查期限的件数，及其占核查完成件数的比例",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "延期处理件数 / 再次延期件数",
        "处理完毕的投诉中经批准延期一次及以上 / 两次的件数；延期率为其占处理完毕件数的比例",
        SOURCE_CASE,
    ),
    ("汇总", "告知处理决定件数", "告知处理决定的时间在期间内", SOURCE_CASE),
    (
        "汇总",
        "申请核查件数 / 核查申请率(%)",
        "期间内告知的处理决定中投诉人申请核查的件数，及其占告知件数的比例",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "核查完成件数 / 核查变更原决定件数 / 核查变更率(%)",
        "核查完成时间在期间内；其中变更或撤销原处理决定的件数及比例",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "转调解件数 / 调解率(%)",
        "期间内告知的处理决定中转调解组织的件数及比例",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "赔付/补偿件数、赔付/补偿金额(元)",
        "补偿支付日期在期间内的件数及补偿金额合计",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "重复投诉件数 / 重复投诉率(%)",
        "期间内接收且标记为重复投诉的件数，及其占接收件数的比例",
        SOURCE_CASE,
    ),
    ("汇总", "群体投诉件数", "期间内接收的群体投诉（投诉人5人及以上）", SOURCE_CASE),
    (
        "汇总",
        "监管转送件数",
        "期间内（按本公司接收日期）接收的监管转送投诉",
        SOURCE_TRANSFER,
    ),
    (
        "汇总",
        "回访成功件数 / 回访满意件数 / 回访满意率(%) / 平均满意度(1-5)",
        "回访时间在期间内且联系到投诉人的件数；其中评价为满意或非常满意（4-5分）的件数及比例；平均分",
        SOURCE_CASE,
    ),
    (
        "汇总",
        "亿元保费投诉量",
        "投诉件数 ÷（保费 ÷ 1亿元）；分子为期间内接收的全部投诉，分母为同期保费，口径（原保险保费收入或规模保费）见“分母口径”列；仅计算有业务量的机构范围内的投诉",
        SOURCE_VOLUME,
    ),
    (
        "汇总",
        "万张保单投诉量",
        "投诉件数 ÷（保单件数 ÷ 1万）；保单口径（新单件数或期末有效保单件数）见“分母口径”列",
        SOURCE_VOLUME,
    ),
    (
        "汇总",
        "万人次投诉量",
        "投诉件数 ÷（承保人次 ÷ 1万）；仅人身险公司（寿险、健康险公司）计算",
        SOURCE_VOLUME,
    ),
    (
        "业务类型×险种",
        "各单元格",
        "期间内接收的投诉按业务类型和本公司险种交叉计数",
        SOURCE_CASE,
    ),
    (
        "投诉原因 / 投诉渠道 / 下级机构",
        "各列",
        "同“汇总”的定义，按投诉原因、受理渠道、直属下级机构（含其全部下级）分组",
        SOURCE_CASE,
    ),
    (
        "群体及监管转送投诉",
        "各行",
        "期间内接收的群体投诉和监管转送投诉清单",
        SOURCE_TRANSFER,
    ),
    (
        "监管口径",
        "分子口径：监管转送",
        "监管机构转送的投诉，按监管机构接收日期所在期间计数（与监管通报口径一致）；未记录监管接收日期的按本公司接收日期计，并单列件数",
        SOURCE_TRANSFER,
    ),
    (
        "监管口径",
        "分子口径：全部投诉",
        "本公司接收的全部投诉，按本公司接收日期所在期间计数",
        SOURCE_CASE,
    ),
    (
        "监管口径",
        "比率",
        "同“汇总”的三个比率，分子按所列口径；公司类型及分母口径由系统设置（COMPLAINT_INSURER_TYPE、COMPLAINT_PREMIUM_BASIS、COMPLAINT_POLICY_BASIS）决定",
        SOURCE_VOLUME,
    ),
    (
        "监管口径",
        "监管险种及占比(%)",
        "本公司险种经合规部门维护的险种对应表归入监管通报险种（疾病保险单列，保证保险与信用保险分列）；占比 = 件数 ÷ 合计，两位小数四舍五入",
        "险种对应表（统计报表 → 险种对应）",
    ),
    ("监管口径", "财产险/人身险", "按监管险种所属类别合计的件数及占比", "险种对应表"),
]


def write_explanations(
    wb: Workbook, rows: list[tuple[str, str, str, str]] | None = None
) -> None:
    """Append the 指标说明 sheet to a write-only workbook."""
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(TITLE)
    for letter, width in zip("ABCD", (22, 34, 80, 40), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows or ROWS:
        cells = []
        for text in row:
            cell = WriteOnlyCell(ws, value=text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cells.append(cell)
        ws.append(cells)
