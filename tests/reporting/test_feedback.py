# ruff: noqa: E501 (the expected rows are Chinese text)
"""Feedback to the regulator: the export's columns, and its content for a
transfer in every state (walked there through the services)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from complaints.models import Complaint, ExportRecord
from reporting import periods
from reporting.feedback import FEEDBACK_HEADERS
from tests.complaints.conftest import at as at  # noqa: F401
from tests.complaints.conftest import code
from tests.complaints.conftest import persona as persona  # noqa: F401
from tests.complaints.conftest import register as register  # noqa: F401

pytestmark = pytest.mark.django_db
S = Complaint.Status
URL = "/admin/reporting/dashboard/regulator-feedback/"
DECISION = "按定损金额补足差额，其余请求不予支持，理由如下……"

# status -> (处理进度, 处理结果, 投诉人是否接受, 核查结果, decided, ended)
EXPECTED: dict[str, tuple[str, str, str, str, bool, bool]] = {
    S.REGISTERED: ("已登记，待受理", "", "尚未告知处理决定", "", False, False),
    S.ACCEPTED: ("已受理", "", "尚未告知处理决定", "", False, False),
    S.INVESTIGATING: ("调查处理中", "", "尚未告知处理决定", "", False, False),
    S.AWAITING_APPROVAL: ("处理决定审批中", "", "尚未告知处理决定", "", False, False),
    S.DECIDED: (
        "已作出处理决定，待告知",
        "部分支持",
        "尚未告知处理决定",
        "",
        True,
        False,
    ),
    S.NOTIFIED: (
        "已告知处理决定",
        "部分支持",
        "待投诉人确认（核查申请期内）",
        "",
        True,
        True,
    ),
    S.UNDER_REVIEW: (
        "投诉人申请核查，核查中",
        "部分支持",
        "不接受，已申请核查",
        "",
        True,
        True,
    ),
    S.REVIEWED: (
        "核查已完成，待告知",
        "部分支持",
        "不接受，已申请核查",
        "维持原处理决定",
        True,
        True,
    ),
    S.IN_MEDIATION: (
        "已转调解组织调解",
        "部分支持",
        "不接受，已申请调解",
        "",
        True,
        True,
    ),
    S.CLOSED: ("已办结", "部分支持", "接受（未申请核查）", "", True, True),
    S.DECLINED: (
        "不予受理（非消费者本人、代理人或继承人提出）",
        "不予受理",
        "不适用（未作处理决定）",
        "",
        False,
        True,
    ),
    S.ROUTED: ("已转办", "转责任机构处理", "不适用（未作处理决定）", "", False, True),
    S.WITHDRAWN: ("投诉人已撤回", "撤回", "投诉人已撤回投诉", "", False, True),
    S.ARCHIVED: ("已办结归档", "部分支持", "接受（未申请核查）", "", True, True),
}


def rows_of(response: Any) -> list[dict[str, Any]]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == FEEDBACK_HEADERS
    # An empty cell reads back as None.
    return [
        {h: "" if v is None else v for h, v in zip(FEEDBACK_HEADERS, r, strict=True)}
        for r in values[1:]
    ]


@pytest.fixture
def transfers(at: Any) -> dict[str, Complaint]:
    return {
        status: at(
            status,
            channel=code("channel", "regulator"),
            regulator_reference=f"YJ-{status}",
            regulator_office="广东监管局",
            regulator_due=date(2026, 3, 20),
            regulator_received_on=date(2026, 3, 5),
        )
        for status in EXPECTED
    }


def test_the_layout_is_documented_in_the_readme() -> None:
    from tests.complaints.test_headers_documented import documented

    assert documented("Regulator feedback export:") == list(FEEDBACK_HEADERS)


def test_every_state_has_its_expected_row() -> None:
    """ "Every state" is every status a complaint can have, not a chosen few."""
    assert set(EXPECTED) == set(S)


def test_a_transfer_in_every_state(
    client: Any, tree: Any, ho_compliance: Any, transfers: dict[str, Complaint]
) -> None:
    client.force_login(ho_compliance)
    response = client.get(URL, {"institution": "HO", "period": "2026Q1"})
    assert response.status_code == 200
    rows = {r["监管转送编号"]: r for r in rows_of(response)}
    assert set(rows) == {f"YJ-{s}" for s in EXPECTED}
    for status, (
        progress,
        result,
        accepted,
        review,
        decided,
        ended,
    ) in EXPECTED.items():
        row, c = rows[f"YJ-{status}"], transfers[status]
        c.refresh_from_db()
        assert (row["处理进度"], row["处理结果"], row["投诉人是否接受"]) == (
            progress,
            result,
            accepted,
        ), status
        assert row["核查结果"] == review, status
        assert row["投诉编号"] == c.number
        assert row["转送机构"] == "广东监管局"
        assert row["监管接收日期"].date() == date(2026, 3, 5)
        assert row["本公司接收日期"].date() == c.received_on
        assert row["监管反馈期限"].date() == date(2026, 3, 20)
        assert bool(row["处理决定日期"]) == decided, status
        assert (row["处理决定摘要"] == DECISION) == decided, status
        assert bool(row["办结日期"]) == ended, status
        if ended:
            assert row["办结日期"].date() == c.ended_on
            in_time = "是" if c.ended_on <= date(2026, 3, 20) else "否"
            assert row["是否在监管反馈期限内办结"] == in_time
        else:
            assert row["是否在监管反馈期限内办结"] == "否（未办结）"
    record = ExportRecord.objects.get()
    assert (record.kind, record.row_count, record.user) == (
        "regulator_feedback",
        len(EXPECTED),
        ho_compliance,
    )


def test_one_transfer_by_number_and_nothing_outside_the_scope(
    client: Any, tree: Any, make_member: Any, transfers: dict[str, Complaint]
) -> None:
    from organisations.models import Membership

    zj = make_member("zj_compliance", Membership.Role.COMPLIANCE, "ZJ")
    gd = make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")
    closed = transfers[S.CLOSED]
    client.force_login(gd)
    response = client.get(
        URL, {"institution": "GD", "period": "2026Q1", "number": closed.number}
    )
    assert [r["投诉编号"] for r in rows_of(response)] == [closed.number]
    client.force_login(zj)
    missing = client.get(
        URL, {"institution": "ZJ", "period": "2026Q1", "number": closed.number}
    )
    assert missing.status_code == 404
    other = client.get(URL, {"institution": "GD", "period": "2026Q1"})
    assert other.status_code == 404


def test_without_the_personal_data_permission_the_summary_is_masked(
    tree: Any, transfers: dict[str, Complaint], ho_compliance: Any, zj_viewer: Any
) -> None:
    from reporting.feedback import feedback_row

    closed = transfers[S.CLOSED]
    closed.refresh_from_db()
    shown = dict(
        zip(FEEDBACK_HEADERS, feedback_row(ho_compliance, closed), strict=True)
    )
    assert shown["处理决定摘要"] == DECISION

    # A viewer elsewhere holds no personal-data permission on 天河.
    masked = feedback_row(zj_viewer, closed)
    assert masked[FEEDBACK_HEADERS.index("处理决定摘要")] != DECISION


def test_period_covers_received_and_due(
    tree: Any, ho_compliance: Any, transfers: dict[str, Complaint]
) -> None:
    from reporting.feedback import transfers_for_feedback

    q2 = transfers_for_feedback(
        user=ho_compliance, institution=tree["HO"], period=periods.quarter(2026, 2)
    )
    assert not q2.exists()
