# ruff: noqa: E501 (the explanations are sentences of Chinese text)
"""The annual disclosure pack as an xlsx workbook (reporting.selectors.disclosure).

One sheet of figures with the Chinese headings of a disclosure, and the 指标说明
sheet saying what each figure is and where it comes from.
"""

from __future__ import annotations

from typing import IO, Any

from openpyxl import Workbook

from reporting.explain import SOURCE_CASE, write_explanations
from reporting.selectors.disclosure import Disclosure
from reporting.workbook import _row, _sheet

HANDLING_ROWS = [
    ("received", "全年接收投诉件数"),
    ("concluded", "全年处理完毕件数"),
    ("on_time_rate", "按时办结率(%)"),
    ("within_15_rate", "15日内处理完毕率(%)"),
    ("within_30_rate", "30日内处理完毕率(%)"),
    ("within_60_rate", "60日内处理完毕率(%)"),
    ("handling_days_avg", "平均处理天数"),
    ("working_days_median", "处理工作日中位数"),
    ("working_days_p90", "处理工作日第90百分位"),
    ("review_requested", "申请核查件数"),
    ("review_changed", "核查变更原决定件数"),
    ("redress_paid", "赔付/补偿件数"),
    ("redress_amount", "赔付/补偿金额(元)"),
    ("satisfaction_rate", "回访满意率(%)"),
]
EXPLAINED = [
    (
        "年度信息披露",
        "全年接收投诉件数及各项分布",
        "统计年度内接收（按本公司接收日期）的投诉；占比 = 件数 ÷ 全年接收件数，两位小数四舍五入",
        SOURCE_CASE,
    ),
    (
        "年度信息披露",
        "险种分布",
        "按合规部门维护的险种对应表归入监管通报险种（疾病保险单列，保证保险与信用保险分列），及财产险/人身险合计",
        "险种对应表",
    ),
    (
        "年度信息披露",
        "地区分布",
        "按责任机构所在地区（组织机构的“地区”）统计",
        "组织机构",
    ),
    ("年度信息披露", "处理时效", "同“汇总”表的定义，统计期间为全年", SOURCE_CASE),
]


def write_disclosure(d: Disclosure, stream: IO[bytes]) -> None:
    wb = Workbook(write_only=True)
    ws = _sheet(wb, "年度信息披露", [34, 14, 12], freeze="A3")
    _row(ws, ["投诉处理情况年度信息披露", d.institution.name, f"{d.period}年度"])
    _row(ws, [f"统计期间：{d.period.start} 至 {d.period.end}"])
    _row(ws, ["一、投诉处理时效", "数值"], bold=True)
    for key, label in HANDLING_ROWS:
        _row(ws, [label, d.summary.get(key)])
    sections: list[tuple[str, list[Any]]] = [
        ("二、险种分布", d.lines),
        ("三、财产险/人身险", d.sectors),
        ("四、业务类型分布", d.categories),
        ("五、投诉原因分布", d.causes),
        ("六、地区分布", d.regions),
    ]
    for title, rows in sections:
        _row(ws, [])
        _row(ws, [title, "投诉件数", "占比(%)"], bold=True)
        for r in rows:
            _row(ws, [r.label, r.complaints, r.share])
    write_explanations(wb, EXPLAINED)
    wb.save(stream)
