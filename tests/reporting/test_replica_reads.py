"""Dashboards read their figures from the replica; writes and permission
lookups stay on the primary (config/routers.py).

The `replica` alias is a second connection to the test database (tests/conftest.py,
TEST MIRROR), so a query's connection shows where it was routed. The tests are
transactional: the second connection only sees committed rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from complaints.models import Code, Complaint
from config.routers import PinPrimaryMiddleware, pinning_scope, reporting_reads
from organisations.models import Institution
from reporting import periods, selectors
from tests.prepared_sql import expanded

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
BASE = "/admin/reporting/dashboard"
GD_Q3 = "institution=GD&period=2026Q3"
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def _router(settings: Any) -> None:
    settings.DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]


class Queries:
    """The SQL run on each connection while the block ran."""

    def __init__(self) -> None:
        self.primary: list[str] = []
        self.replica: list[str] = []


@contextmanager
def captured() -> Iterator[Queries]:
    found = Queries()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        yield found
    found.primary = expanded("default", [q["sql"] for q in primary.captured_queries])
    found.replica = expanded("replica", [q["sql"] for q in replica.captured_queries])


def writes(sqls: list[str]) -> list[str]:
    return [s for s in sqls if s.lstrip().upper().startswith(WRITES)]


def reads_of(table: str, sqls: list[str]) -> list[str]:
    return [s for s in sqls if f'FROM "{table}"' in s]


def test_manager_dashboard_figures_come_from_the_replica(
    client: Any,
    quarter: dict[str, Complaint],
    gd_manager: Any,
) -> None:
    client.force_login(gd_manager)
    with captured() as q:
        response = client.get(f"{BASE}/manager/?{GD_Q3}")
    assert response.status_code == 200
    assert response.context["summary"]["received"] == 8  # as on the primary
    # Every aggregate over the complaints ran on the replica...
    tables = [s for s in q.replica if "k_institution" in s]
    # Summary, by institution, by category: the figures read from the
    # complaints and the handling-days counts of the 90th percentiles
    # (reporting.selectors.tables; a third, the "as of" figures, when
    # REPORTING_KPI_ROLLUP reads the rest from the rollup).
    assert len(tables) == 2
    counts = [s for s in q.replica if "COUNT(" in s and "complaints_complaint" in s]
    assert len(counts) >= 2  # the trend: received, concluded per month
    assert not reads_of("complaints_complaint", q.primary)
    # ... and nothing else did: no write, no session, user or grant lookup.
    assert not writes(q.replica)
    for table in (
        "django_session",
        "auth_user",
        "organisations_institutiongroupobjectpermission",
        "organisations_membership",
    ):
        assert not reads_of(table, q.replica), table
    # The session's clocks ride in a signed cookie: no session write at all.
    assert not any("django_session" in s for s in writes(q.primary)), writes(q.primary)
    assert reads_of("organisations_institutiongroupobjectpermission", q.primary)


def test_drilldown_rows_rendered_by_the_template_come_from_the_replica(
    client: Any,
    quarter: dict[str, Complaint],
    gd_manager: Any,
) -> None:
    client.force_login(gd_manager)
    with captured() as q:
        response = client.get(f"{BASE}/drilldown/?{GD_Q3}&metric=received")
    assert response.status_code == 200
    assert quarter["A"].number in response.content.decode()
    listed = [s for s in q.replica if '"complaints_complaint"."number"' in s]
    assert listed
    assert all("LIMIT" in s for s in listed)  # the page's rows
    assert not reads_of("complaints_complaint", q.primary)


def test_a_post_reads_the_primary(
    client: Any,
    quarter: dict[str, Complaint],
    gd_manager: Any,
) -> None:
    client.force_login(gd_manager)
    with captured() as q:
        response = client.post(f"{BASE}/manager/?{GD_Q3}")
    assert response.status_code == 200
    assert response.context["summary"]["received"] == 8
    assert q.replica == []
    # The pin ends with the request: the next page reads the replica again.
    with captured() as q:
        client.get(f"{BASE}/manager/?{GD_Q3}")
    assert q.replica


def test_a_write_pins_the_rest_of_the_request_to_the_primary(
    quarter: dict[str, Complaint],
    gd_manager: Any,
) -> None:
    gd = Institution.objects.get(code="GD")
    received: list[int] = []

    def figures() -> None:
        with reporting_reads():
            summary = selectors.kpi_summary(
                user=gd_manager, institution=gd, period=periods.quarter(2026, 3)
            )
        received.append(summary["received"])

    def view(request: HttpRequest) -> HttpResponse:
        with captured() as before:
            figures()
        Code.objects.filter(kind="channel", code="hotline").update(sort_order=99)
        with captured() as after:
            figures()
        assert before.replica
        assert not reads_of("complaints_complaint", before.primary)
        assert after.replica == []
        assert reads_of("complaints_complaint", after.primary)
        return HttpResponse()

    PinPrimaryMiddleware(view)(RequestFactory().get("/"))
    assert received == [8, 8]


def test_handler_work_stays_on_the_primary(client: Any, tianhe_handler: Any) -> None:
    client.force_login(tianhe_handler)
    with captured() as q:
        assert client.get(f"{BASE}/handler/").status_code == 200
    assert q.replica == []


def test_the_workbook_command_reads_the_replica(
    quarter: dict[str, Complaint], tmp_path: Any
) -> None:
    output = tmp_path / "q3.xlsx"
    # A command runs in a process of its own: the fixtures' writes do not pin it.
    with pinning_scope(), captured() as q:
        call_command(
            "export_regulator_statistics",
            "--period",
            "2026Q3",
            "--institution",
            "GD",
            "--output",
            str(output),
        )
    assert output.stat().st_size > 0
    assert reads_of("complaints_complaint", q.replica)
    assert not reads_of("complaints_complaint", q.primary)
    assert not writes(q.replica)
