"""Dashboard pages: content, scope per persona, drill-downs, query budget."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Code, Complaint
from organisations.models import Institution
from tests.reporting.conftest import at, received

pytestmark = pytest.mark.django_db
BASE = "/admin/reporting/dashboard"
GD_Q3 = "institution=GD&period=2026Q3"


def get(client: Any, user: Any, url: str) -> Any:
    client.force_login(user)
    return client.get(url)


def test_admin_index_links_the_dashboards(client: Any, gd_manager: Any) -> None:
    body = get(client, gd_manager, "/admin/").content.decode()
    assert f'href="{BASE}/"' in body
    response = client.get(f"{BASE}/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/manager/"


def test_compliance_lands_on_its_own_page(client: Any, ho_compliance: Any) -> None:
    assert get(client, ho_compliance, f"{BASE}/")["Location"] == f"{BASE}/compliance/"


def test_manager_dashboard_shows_the_subtree(
    client: Any, quarter: dict[str, Complaint], gd_manager: Any
) -> None:
    response = get(client, gd_manager, f"{BASE}/manager/?{GD_Q3}")
    assert response.status_code == 200
    ctx, body = response.context, response.content.decode()
    assert ctx["summary"]["received"] == 8
    assert [r["key"] for r in ctx["children"]] == ["GD01", "GDFS", "GDGZ"]
    assert (
        body.count('class="rpt-chart"') == 4
    )  # trend, on-time by institution, categories, ageing
    assert "WenQuanYi Micro Hei" in body
    assert "广州中心支公司" in body
    assert "理赔纠纷" in body
    assert "浙江" not in body
    # The overdue list today (2026-11-24 in real time is after every deadline).
    overdue = {c.number for c in ctx["overdue"]}
    assert {quarter["D"].number, quarter["K"].number, quarter["I"].number} <= overdue
    assert f"/admin/complaints/complaint/{quarter['D'].pk}/change/" in body


def test_compliance_dashboard(
    client: Any, quarter: dict[str, Complaint], ho_compliance: Any
) -> None:
    response = get(client, ho_compliance, f"{BASE}/compliance/?period=2026Q3")
    assert response.status_code == 200
    ctx = response.context
    assert ctx["root"].code == "HO"
    assert ctx["summary"]["received"] == 9
    assert {r["key"] for r in ctx["children"]} == {"GD", "ZJ"}
    assert response.content.decode().count('class="rpt-chart"') == 6


def test_drill_down_lists_the_complaints_behind_a_number(
    client: Any, quarter: dict[str, Complaint], gd_manager: Any
) -> None:
    url = f"{BASE}/drilldown/?{GD_Q3}&metric=concluded&child=GDGZ"
    response = get(client, gd_manager, url)
    assert response.status_code == 200
    numbers = {c.number for c in response.context["page_obj"]}
    assert numbers == {quarter[k].number for k in "ABEF"}
    # The period form on the page keeps the figure's dimension.
    hidden = '<input type="hidden" name="child" value="GDGZ">'
    assert hidden in response.content.decode()
    # The heading names the figure's institution and code, not their codes.
    gz = Institution.objects.get(code="GDGZ").name
    heading = response.content.decode().split("<h2>")[1].split("</h2>")[0]
    assert f": {gz}" in heading, heading
    assert "GDGZ" not in heading
    cause = get(client, gd_manager, f"{BASE}/drilldown/?{GD_Q3}&metric=concluded"
                "&cause=claim_amount&channel=hotline")  # fmt: skip
    heading = cause.content.decode().split("<h2>")[1].split("</h2>")[0]
    for kind, value in (("cause", "claim_amount"), ("channel", "hotline")):
        assert Code.objects.get(kind=kind, code=value).label_en in heading, heading
    assert "claim_amount" not in heading
    assert (
        get(client, gd_manager, f"{BASE}/drilldown/?{GD_Q3}&metric=nope").status_code
        == 404
    )


@pytest.mark.parametrize(
    "view", ["manager", "compliance", "drilldown", "regulator-workbook"]
)
def test_another_province_sees_nothing_of_guangdong(
    client: Any, quarter: dict[str, Complaint], zj_manager: Any, view: str
) -> None:
    assert get(client, zj_manager, f"{BASE}/{view}/?{GD_Q3}").status_code == 404
    own = client.get(f"{BASE}/{view}/?period=2026Q3")
    assert own.status_code == 200
    if view == "drilldown":
        assert {c.number for c in own.context["page_obj"]} == {quarter["H"].number}
    elif view != "regulator-workbook":
        assert own.context["summary"]["received"] == 1  # H only
        assert "广州" not in own.content.decode()
        choices = dict(own.context["form"].fields["institution"].choices)
        assert "GD" not in choices
        assert "ZJ" in choices


@pytest.mark.parametrize(
    "view", ["manager", "compliance", "drilldown", "regulator-workbook"]
)
def test_handler_without_reports_gets_nothing(
    client: Any,
    quarter: dict[str, Complaint],
    gd_handler: Any,
    outsider: Any,
    view: str,
) -> None:
    assert get(client, gd_handler, f"{BASE}/{view}/?{GD_Q3}").status_code == 403
    assert get(client, outsider, f"{BASE}/{view}/?{GD_Q3}").status_code in (302, 403)


def test_handler_dashboard_shows_own_work(
    client: Any,
    quarter: dict[str, Complaint],
    gd_handler: Any,
    tianhe_handler: Any,
    register: Any,
) -> None:
    response = get(client, gd_handler, f"{BASE}/handler/")
    assert response.status_code == 200
    counts = response.context["work"]["counts"]
    # Assigned to gd_handler and running: D (overdue). B, C, E after decision.
    assert counts["overdue"] == 1
    assert counts["after_decision"] == 2  # B under review, C notified
    assert response.content.decode().count('class="rpt-chart"') == 1
    other = get(client, tianhe_handler, f"{BASE}/handler/")
    assert other.context["work"]["counts"]["overdue"] == 0
    unassigned = {c.number for c in other.context["work"]["unassigned"]}
    assert quarter["I"].number in unassigned  # registered at 天河, no handler
    assert quarter["H"].number not in unassigned


def _more_complaints(register: Any, handler: Any, n: int) -> None:
    for i in range(n):
        day = date(2026, 8, 1 + i % 28)
        c = register(handler, "GDGZTH", received_at=received(day))
        if i % 2:
            with at(day):
                from complaints.services import complaint_accept

                complaint_accept(complaint=c, actor=handler)


def test_manager_dashboard_query_budget(
    client: Any,
    quarter: dict[str, Complaint],
    gd_manager: Any,
    gd_handler: Any,
    register: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(gd_manager)
    url = f"{BASE}/manager/?{GD_Q3}"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    _more_complaints(register, gd_handler, 30)
    with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.context["summary"]["received"] == 38
    assert len(after) == len(before)  # independent of the number of complaints
    print(f"manager dashboard: {len(after)} queries on {connection.vendor}")


@pytest.mark.parametrize(
    ("metric", "bitmap"), [("concluded", True), ("received", False)]
)
def test_drill_down_reads_a_figure_through_its_dates_index(
    client: Any,
    quarter: dict[str, Complaint],
    gd_manager: Any,
    metric: str,
    bitmap: bool,
) -> None:
    """A figure dated other than by receipt is read through the index on its
    date (selectors.page_behind), the planner left as found; one dated by receipt
    is read in the list's order from the receipt index."""
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    url = f"{BASE}/drilldown/?{GD_Q3}&metric={metric}"
    with CaptureQueriesContext(connection) as queries:
        response = get(client, gd_manager, url)
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) > 0
    sql = [q["sql"] for q in queries]
    page = next(
        i
        for i, s in enumerate(sql)
        if s.startswith('SELECT "complaints_complaint"."id"') and "ORDER BY" in s
    )
    switched = "set_config('enable_seqscan', 'off', false)" in sql[page - 1]
    assert switched is bitmap
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), "
            "current_setting('enable_indexscan')"
        )
        assert cursor.fetchone() == ("on", "on")
