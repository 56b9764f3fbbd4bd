"""The regulator's published figure beside the insurer's own count, with a
planted difference explained row by row (tests/reporting/regulator_world.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reporting import periods
from reporting.models import RegulatorFigure
from reporting.regulator_services import regulator_figure_record
from reporting.selectors.comparison import regulator_comparison
from tests.reporting.regulator_world import World, enter
from tests.reporting.regulator_world import frozen as frozen  # noqa: F401
from tests.reporting.regulator_world import world as world  # noqa: F401

Q3 = periods.quarter(2026, 3)


def test_a_planted_difference_is_explained_row_by_row(
    world: World, tree: Any, ho_compliance: Any
) -> None:
    # The regulator counts 5: REG-009 was never registered here, REG-001 it
    # received on 06-28 (Q2 by our record of its date).
    enter(ho_compliance, tree, 5, "REG-002\nREG-003\nREG-004\nREG-009\nREG-001")
    c = regulator_comparison(user=ho_compliance, institution=tree["HO"], period=Q3)
    rows = [(r.reference, r.kind, r.number) for r in c.rows]
    cases = world.cases
    assert rows == [
        ("REG-002", "counted", cases["T2"].number),
        ("REG-004", "counted", cases["T4"].number),
        ("REG-003", "counted", cases["T3"].number),
        ("REG-009", "not_registered", ""),
        ("REG-001", "other_quarter", cases["T1"].number),
    ]
    assert (c.ours, c.undated, c.difference, c.explained, c.unexplained) == (
        3,
        1,
        2,
        2,
        0,
    )
    # The insurer's own count of the quarter: 7 received, 3 of them transfers.
    assert (c.own_total, c.own_transferred, c.not_transferred) == (7, 3, 4)


def test_a_restatement_is_a_new_row_and_the_latest_counts(
    world: World, tree: Any, ho_compliance: Any
) -> None:
    first = enter(ho_compliance, tree, 5, "REG-002\nREG-003\nREG-004\nREG-009\nREG-001")
    enter(ho_compliance, tree, 2, "REG-002, REG-003", day=18)
    c = regulator_comparison(user=ho_compliance, institution=tree["HO"], period=Q3)
    assert c.earlier == [first]
    kinds = {r.reference: r.kind for r in c.rows}
    assert kinds == {
        "REG-002": "counted",
        "REG-003": "counted",
        "REG-004": "not_listed",
    }
    assert (c.difference, c.explained, c.unexplained) == (-1, -1, 0)


def test_without_a_list_the_difference_stays_unexplained(
    world: World, tree: Any, ho_compliance: Any
) -> None:
    enter(ho_compliance, tree, 4, "")
    c = regulator_comparison(user=ho_compliance, institution=tree["HO"], period=Q3)
    assert {r.kind for r in c.rows} == {"counted"}
    assert (c.difference, c.unexplained) == (1, 1)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"published_on": date(2026, 9, 29)}, "published_on"),  # before the end
        ({"published_on": date(2026, 10, 21)}, "published_on"),  # a day to come
        ({"period": periods.month(2026, 9)}, "period"),
    ],
)
def test_the_service_refuses_and_writes_nothing(
    world: World, tree: Any, ho_compliance: Any, over: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {
        "actor": ho_compliance,
        "institution": tree["HO"],
        "period": Q3,
        "published_count": 3,
        "notice": "通报",
        "published_on": date(2026, 10, 15),
    } | over
    with pytest.raises(ValidationError) as refused:
        regulator_figure_record(**values)
    assert field in refused.value.message_dict
    assert not RegulatorFigure.objects.exists()


def test_only_compliance_enters_and_only_in_scope(
    world: World, tree: Any, gz_manager: Any, make_member: Any
) -> None:
    from organisations import permissions as P
    from organisations.models import Membership

    with pytest.raises(PermissionDenied):
        regulator_figure_record(
            actor=gz_manager,
            institution=tree["GDGZ"],
            period=Q3,
            published_count=1,
            notice="通报",
            published_on=date(2026, 10, 15),
        )
    zj = make_member("zj_compliance", Membership.Role.COMPLIANCE, "ZJ")
    with pytest.raises(P.NotFound):
        regulator_figure_record(
            actor=zj,
            institution=tree["GD"],
            period=Q3,
            published_count=1,
            notice="通报",
            published_on=date(2026, 10, 15),
        )
    assert not RegulatorFigure.objects.exists()


def test_the_admin_door_refuses_on_the_form_and_records_through_the_service(
    client: Any, world: World, tree: Any, ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    url = "/admin/reporting/regulatorfigure/add/"
    data = {
        "institution": tree["HO"].pk,
        "period": "2026Q3",
        "published_count": 5,
        "notice": "2026年第三季度通报",
        "published_on": "2026-09-01",
        "references": "REG-002",
        "note": "",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "published after it ends" in str(refused.context["adminform"].form.errors)
    assert not RegulatorFigure.objects.exists()
    done = client.post(url, {**data, "published_on": "2026-10-15"})
    assert done.status_code == 302
    figure = RegulatorFigure.objects.get()
    assert figure.history.get().history_user == ho_compliance


def test_the_page_shows_the_comparison(
    client: Any, world: World, tree: Any, ho_compliance: Any
) -> None:
    enter(ho_compliance, tree, 5, "REG-002\nREG-003\nREG-004\nREG-009\nREG-001")
    client.force_login(ho_compliance)
    response = client.get(
        "/admin/reporting/dashboard/regulator/",
        {"institution": "HO", "period": "2026Q3"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "REG-009" in page
    assert "On the regulator&#x27;s list, not registered yet" in page
    # The rows that explain the difference are listed; the counted ones (a
    # large insurer's thousands a quarter) are a count with their list.
    assert "REG-001" in page
    assert world.cases["T2"].number not in page
    assert "3 transfers counted by both" in page
    assert "metric=regulator" in page
    reports = {r.numerator: r for r in response.context["reports"]}
    assert (reports["regulator"].total, reports["all"].total) == (3, 7)
