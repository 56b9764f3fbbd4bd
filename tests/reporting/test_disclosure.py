"""The annual disclosure pack on the fixed year of regulator_world.py, with one
more complaint in 浙江 for the region breakdown. Received in 2026: the eight
of 天河 (广州) and X of 西湖 (杭州) = 9.
Lines: motor 5 (T1 T2 D1 D2 X), surety 2 (T3, D4 the old combined line),
credit 1 (T4), critical illness 1 (D3)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from reporting import periods
from reporting.selectors.disclosure import annual_disclosure
from tests.reporting.regulator_world import World, make
from tests.reporting.regulator_world import frozen as frozen  # noqa: F401
from tests.reporting.regulator_world import world as world  # noqa: F401

D = Decimal
URL = "/admin/reporting/dashboard/disclosure/"


def test_volumes_and_shares_of_the_year(
    world: World, tree: Any, xihu_handler: Any, ho_compliance: Any
) -> None:
    make(tree, xihu_handler, "X", "motor", date(2026, 9, 3), institution="ZJHZXH")
    d = annual_disclosure(
        user=ho_compliance, institution=tree["HO"], period=periods.year(2026)
    )
    assert d.summary["received"] == 9
    lines = {r.label: (r.complaints, r.share) for r in d.lines if r.complaints}
    assert lines == {
        "Motor": (5, D("55.56")),
        "Surety": (2, D("22.22")),
        "Credit": (1, D("11.11")),
        "Critical illness": (1, D("11.11")),
    }
    assert [(r.label, r.complaints, r.share) for r in d.regions] == [
        ("广州", 8, D("88.89")),
        ("杭州", 1, D("11.11")),
    ]
    assert [(r.label, r.complaints) for r in d.categories] == [("Claims", 9)]


def test_page_and_xlsx_in_scope_only(
    client: Any, world: World, tree: Any, ho_compliance: Any, zj_viewer: Any
) -> None:
    client.force_login(ho_compliance)
    page = client.get(URL, {"institution": "HO", "period": "2026Q3"})
    assert page.status_code == 200
    assert page.context["d"].period == periods.year(2026)
    assert "reporting/print.js" in page.content.decode()  # the Print button
    xlsx = client.get(URL, {"institution": "HO", "period": "2026", "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["年度信息披露", "指标说明"]
    rows = [r for r in book["年度信息披露"].iter_rows(values_only=True)]
    assert ("全年接收投诉件数", 8, None) in rows
    assert ("Motor", 4, 50) in rows  # the label in the language of the request
    # A viewer (no reporting permission) is refused.
    client.force_login(zj_viewer)
    assert client.get(URL, {"institution": "ZJ", "period": "2026"}).status_code == 403
