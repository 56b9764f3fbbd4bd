"""Each dashboard in the browser, with screenshots of the charts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from complaints.models import Complaint
from reporting import services
from reporting.models import BusinessVolume, QualityCheck, RootCause
from tests.complaints.conftest import register  # noqa: F401
from tests.reporting.conftest import (  # noqa: F401
    Q3,
    gd_handler,
    quarter,
)
from tests.reporting.regulator_world import enter, make

pytestmark = pytest.mark.django_db(transaction=True)
# Data migrations whose rows a transactional test's flush removes.
GD_Q3 = "institution=GD&period=2026Q3"


@pytest.fixture
def reporting_data(
    quarter: dict[str, Complaint],  # noqa: F811
    tree: dict[str, Any],
    gd_manager: Any,
    ho_compliance: Any,
) -> dict[str, Complaint]:
    BusinessVolume.objects.create(
        institution=tree["GD"],
        period_start=Q3.start,
        period_end=Q3.end,
        premium=Decimal("4000000000"),
        policies=80_000,
    )
    item = services.rectification_create(
        actor=gd_manager,
        owner_institution=tree["GDGZ"],
        title="统一车损理赔核定标准",
        measure="修订理赔核定细则并培训",
        due_on=date(2026, 10, 31),
        root_cause=RootCause.objects.get(code="claims_standard"),
        complaints=[quarter["A"], quarter["B"]],
    )
    assert item.pk
    sample = services.quality_sample_draw(
        actor=ho_compliance, institution=tree["GD"], period=Q3, size=3, seed=1
    )
    first = sample.checks.first()
    services.quality_check_record(
        check=first, actor=ho_compliance, result=QualityCheck.Result.COMPLIANT
    )
    return quarter


def _charts_rendered(page: Any, expected: int) -> None:
    charts = page.locator("svg.rpt-chart")
    assert charts.count() == expected
    for i in range(expected):
        box = charts.nth(i).bounding_box()
        assert box
        assert box["width"] > 300
        assert box["height"] > 100


def test_manager_dashboard(
    live_server: Any,
    page: Any,
    login: Any,
    gd_manager: Any,
    reporting_data: dict[str, Complaint],
    output_path: Any,
) -> None:
    login(gd_manager)
    page.goto(f"{live_server.url}/admin/")
    page.click("a[href='/admin/reporting/dashboard/']")
    page.wait_for_url("**/reporting/dashboard/manager/")
    page.goto(f"{live_server.url}/admin/reporting/dashboard/manager/?{GD_Q3}")
    _charts_rendered(page, 4)
    assert "广州中心支公司" in page.content()
    assert "浙江分公司" not in page.content()
    page.screenshot(path=f"{output_path}/dashboard-manager.png", full_page=True)

    page.click("text=广州中心支公司 >> xpath=../td[3]/a")  # concluded in 广州
    page.wait_for_url("**/drilldown/**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 4
    page.screenshot(path=f"{output_path}/dashboard-drilldown.png", full_page=True)


def test_compliance_dashboard(
    live_server: Any,
    page: Any,
    login: Any,
    ho_compliance: Any,
    reporting_data: dict[str, Complaint],
    output_path: Any,
) -> None:
    login(ho_compliance)
    page.goto(f"{live_server.url}/admin/reporting/dashboard/compliance/?period=2026Q3")
    _charts_rendered(page, 6)
    content = page.content()
    assert "理赔纠纷" in content
    assert "统一车损理赔核定标准" in content
    page.screenshot(path=f"{output_path}/dashboard-compliance.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=xlsx")
    assert download.value.suggested_filename == "regulator-statistics-HO-2026Q3.xlsx"


def test_handler_dashboard(
    live_server: Any,
    page: Any,
    login: Any,
    gd_handler: Any,  # noqa: F811
    reporting_data: dict[str, Complaint],
    output_path: Any,
) -> None:
    login(gd_handler)
    page.goto(f"{live_server.url}/admin/reporting/dashboard/")
    page.wait_for_url("**/reporting/dashboard/handler/")
    _charts_rendered(page, 1)
    assert reporting_data["D"].number in page.content()
    page.screenshot(path=f"{output_path}/dashboard-handler.png", full_page=True)
    page.goto(f"{live_server.url}/admin/reporting/dashboard/manager/?{GD_Q3}")
    assert "403" in page.title() or "403" in page.content() or "禁止" in page.content()


def test_regulator_basis_page_explains_the_difference(
    live_server: Any,
    page: Any,
    login: Any,
    tree: dict[str, Any],
    tianhe_handler: Any,
    ho_compliance: Any,
    output_path: Any,
) -> None:
    """The compliance officer reconciles the regulator's notice: the counted
    transfers are a count with their list, the rows that explain the
    difference are listed with their feedback links."""
    made = {
        ref: make(
            tree,
            tianhe_handler,
            ref,
            "motor",
            day,
            regulator_reference=ref,
            regulator_office="广东监管局",
            regulator_received_on=day,
        )
        for ref, day in (
            ("REG-002", date(2026, 7, 10)),
            ("REG-003", date(2026, 8, 3)),
            ("REG-005", date(2026, 9, 1)),
        )
    }
    enter(ho_compliance, tree, 3, "REG-002\nREG-003\nREG-009")
    login(ho_compliance)
    page.goto(
        f"{live_server.url}/admin/reporting/dashboard/regulator/"
        "?institution=HO&period=2026Q3"
    )
    panel = page.locator("#comparison")
    text = panel.inner_text()
    assert "双方均计入的转送投诉 2 件" in text
    assert "REG-009" in text  # on the list, never registered
    assert made["REG-005"].number in text  # registered, not on the list
    assert made["REG-002"].number not in text  # counted: in the list behind the count
    panel.screenshot(path=f"{output_path}/regulator-comparison.png")
    page.screenshot(path=f"{output_path}/regulator-basis.png", full_page=True)
    with page.expect_navigation():
        panel.get_by_role("link", name="查看清单").click()
    assert "metric=regulator" in page.url
    assert made["REG-002"].number in page.content()
