"""The regulator's statistics workbook, from the command and from the admin."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from complaints.models import Complaint
from reporting.models import BusinessVolume
from reporting.selectors import kpi_breakdown, kpi_summary, subtree_rates
from reporting.workbook import EXPLAINED, SHEETS, SUMMARY_ROWS
from tests.reporting.conftest import Q3, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def gd_volume(tree: dict[str, Any]) -> BusinessVolume:
    return BusinessVolume.objects.create(
        institution=tree["GD"],
        period_start=Q3.start,
        period_end=Q3.end,
        premium=Decimal("4000000000"),  # 40 亿元
        policies=80_000,
    )


def _sheet_rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_command_writes_the_workbook(
    quarter: dict[str, Complaint],
    gd_volume: BusinessVolume,
    tree: dict[str, Any],
    tmp_path: Path,
    gd_manager: Any,
) -> None:
    out = tmp_path / "gd.xlsx"
    stdout = io.StringIO()
    call_command(
        "export_regulator_statistics",
        "--period",
        "2026Q3",
        "--institution",
        "GD",
        "--output",
        str(out),
        stdout=stdout,
    )
    assert "gd.xlsx" in stdout.getvalue()
    assert "2026Q3" in stdout.getvalue()
    wb = load_workbook(out)
    assert wb.sheetnames == [*SHEETS, EXPLAINED]
    assert [wb[s].freeze_panes for s in SHEETS] == [
        "A4",
        "B2",
        "C2",
        "C2",
        "C2",
        "A2",
        "A3",
    ]

    summary = kpi_summary(user=gd_manager, institution=tree["GD"], period=Q3)
    rows = _sheet_rows(wb["汇总"])
    assert rows[2][:2] == ("指标", "数值")
    values = dict(r[:2] for r in rows[3 : 3 + len(SUMMARY_ROWS)])
    for key, label in SUMMARY_ROWS:
        expected = summary[key]
        got = values[label]
        assert (Decimal(str(got)) if isinstance(expected, Decimal) else got) == expected
    assert values["接收投诉件数"] == 8
    assert values["按时办结率(%)"] == 83.33
    rates = {r[0]: r[1:5] for r in rows if r and r[0] and str(r[0]).endswith("投诉量")}
    assert rates["亿元保费投诉量"] == (8, 40, "亿元", 0.2)
    assert rates["万张保单投诉量"] == (8, 8, "万张", 1)
    # A property insurer (the default setting): 万人次 is not published.
    assert "万人次投诉量" not in rates

    headers = _sheet_rows(wb["投诉渠道"])[0]
    assert headers[:4] == ("代码", "名称", "接收件数", "受理件数")
    channels = {r[0]: r for r in _sheet_rows(wb["投诉渠道"])[1:]}
    by_channel = kpi_breakdown(
        user=gd_manager, institution=tree["GD"], period=Q3, by="channel"
    )
    assert {k: r[2] for k, r in channels.items()} == {
        r["key"]: r["received"] for r in by_channel
    }
    children = {r[0]: r[2:6] for r in _sheet_rows(wb["下级机构"])[1:]}
    assert children == {
        "GD01": (1, 0, 1, 1),
        "GDFS": (2, 2, 0, 1),
        "GDGZ": (5, 3, 2, 4),  # closed: A and F
    }
    cross = _sheet_rows(wb["业务类型×险种"])
    assert cross[0][:3] == ("业务类型＼险种", "机动车辆保险", "企业财产保险")
    assert cross[-1][0] == "合计"
    assert cross[-1][-1] == 8
    # Every cell is kpi_cross's (read with the rates on all received).
    from complaints.models import Code
    from reporting.selectors import kpi_cross

    expected = kpi_cross(
        user=gd_manager,
        institution=tree["GD"],
        period=Q3,
        rows="category",
        cols="product_line",
    )
    lines = list(Code.objects.filter(kind=Code.Kind.PRODUCT_LINE))
    categories = list(Code.objects.filter(kind=Code.Kind.CATEGORY))
    assert len(cross) == len(categories) + 2
    for category, row in zip(categories, cross[1:-1], strict=True):
        assert row[0] == category.label
        want = [expected.get((category.code, line.code), 0) for line in lines]
        assert list(row[1 : 1 + len(lines)]) == want
        assert row[1 + len(lines)] == sum(want)
    assert sum(expected.values()) == 8
    listed = _sheet_rows(wb["群体及监管转送投诉"])
    assert listed[0][:3] == ("投诉编号", "接收日期", "责任机构")
    assert [r[0] for r in listed[1:]] == [quarter["K"].number]
    assert listed[1][9] == "JG2026-0001"


def test_admin_download_is_scoped(
    client: Any, quarter: dict[str, Complaint], gd_manager: Any
) -> None:
    client.force_login(gd_manager)
    url = "/admin/reporting/dashboard/regulator-workbook/?institution=GD&period=2026Q3"
    response = client.get(url)
    assert response.status_code == 200
    assert "regulator-statistics-GD-2026Q3.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert _sheet_rows(wb["汇总"])[3][1] == 8
    children = [r[0] for r in _sheet_rows(wb["下级机构"])[1:]]
    assert children == ["GD01", "GDFS", "GDGZ"]
    head_office = url.replace("GD", "HO", 1)
    assert client.get(head_office).status_code == 404


def test_text_that_looks_like_a_formula_stays_text(
    register: Any, gd_handler: Any, tree: dict[str, Any], tmp_path: Path
) -> None:
    from complaints.models import Code
    from reporting.workbook import write_regulator_workbook

    register(
        gd_handler,
        "GDGZ",
        received_at=received(Q3.start),
        channel=Code.objects.get(kind="channel", code="regulator"),
        regulator_reference="=HYPERLINK(1)",
        regulator_office="@SUM(A1)",
    )
    out = tmp_path / "w.xlsx"
    with out.open("wb") as stream:
        write_regulator_workbook(
            user=None, institution=tree["GD"], period=Q3, stream=stream
        )
    row = _sheet_rows(load_workbook(out)["群体及监管转送投诉"])[1]
    assert (row[9], row[10]) == ("'=HYPERLINK(1)", "'@SUM(A1)")


def test_rates_count_only_the_covered_subtrees(
    quarter: dict[str, Complaint], tree: dict[str, Any], gd_manager: Any
) -> None:
    BusinessVolume.objects.create(
        institution=tree["GDFS"],
        period_start=Q3.start,
        period_end=Q3.end,
        premium=Decimal("150000000"),
        policies=3_000,
    )
    rates, volume = subtree_rates(user=gd_manager, institution=tree["GD"], period=Q3)
    # Only 佛山 has a figure: its complaints C and D, not all 8 of 广东.
    assert [r.institution.code for r in volume.rows] == ["GDFS"]
    assert [(r.complaints, r.printed) for r in rates[:2]] == [(2, "1.33"), (2, "6.67")]
    assert rates[0].inputs == "2 ÷ 1.5 亿元"


def test_every_summary_figure_is_explained_in_the_workbook() -> None:
    """The 指标说明 sheet names every figure of the 汇总 sheet (issue 17: the
    workbook itself says what each figure means and where it comes from)."""
    import re

    from reporting.explain import ROWS

    named = {part.strip() for r in ROWS for part in re.split(r" / |、", r[1]) if r[3]}
    assert [label for _key, label in SUMMARY_ROWS if label not in named] == []
