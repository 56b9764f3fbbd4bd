"""A hand-built quarter (2026Q3) of complaints, walked through the services.

Every transition happens at a frozen "now" (time_machine), so the timestamps
the services set (accepted_at, decided_at, closed_at, reviewed_at) fall where
the KPI expectations in the tests say. The cases (GD subtree unless noted):

A GDGZTH  rec 07-01, notified 07-10 (on time, 9 days), redress 3200 paid 07-15,
          closed 07-20, callback 07-25 score 5; claims / claim_amount
B GDGZTH  rec 07-01, notified 07-20 (late, 19 days), review applied 07-25,
          review overturned 08-05; claims / claim_amount
C GDFSCC  rec 07-01 wechat, first extension, notified 07-28 (on time, 27 days);
          sales / misleading_sales / ordinary life
D GDFSCC  rec 07-01, extended twice, still open (deadline 08-31: 30 days over)
E GDGZTH  rec 06-20 (Q2), notified 07-03 (on time, 13 days), mediation 07-10,
          mediation agreed and closed 10-10 (Q4); claim_delay
F GDGZTH  rec 08-03, withdrawal received 08-05 (concluded on time, 2 days)
G GDGZTH  rec 08-03, reclassified as an enquiry: counts nowhere
H ZJHZXH  rec 09-01 (the other province), open
I GDGZTH  rec 09-20, open, not yet due at 09-30
J GD01    rec 08-10, declined 08-11 (concluded on time, 1 day)
K GDGZ    rec 09-10 regulator transfer (feedback by 09-20), 6 complainants
          (group), repeat; open, 10 days past the regulator's date at 09-30
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from complaints.models import Code, Complaint
from complaints.services import (
    complaint_accept,
    complaint_approve,
    complaint_assign,
    complaint_close,
    complaint_complete_review,
    complaint_notify_decision,
    complaint_propose_decision,
    complaint_record_callback,
    complaint_record_mediation_outcome,
    complaint_record_redress,
    complaint_refer_to_mediation,
    complaint_request_review,
    complaint_route,
    complaint_withdraw,
)
from organisations.models import Membership
from reporting import periods
from tests.approval_steps import decline, extend
from tests.complaints.conftest import SHANGHAI, code
from tests.complaints.conftest import register as register  # noqa: F401

Q3 = periods.quarter(2026, 3)
R = Membership.Role


@contextmanager
def at(day: date, hour: int = 10) -> Iterator[None]:
    when = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
    with time_machine.travel(when, tick=False):
        yield


def received(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=SHANGHAI)


class Walker:
    """Moves complaints through the services for one handler and approver."""

    def __init__(self, handler: Any, approver: Any) -> None:
        self.handler, self.approver = handler, approver

    def open(self, c: Complaint, day: date) -> Complaint:
        with at(day):
            c = complaint_accept(complaint=c, actor=self.handler)
            return complaint_assign(
                complaint=c,
                actor=self.handler,
                handler=self.handler,
                declares_no_conflict=True,
            )

    def decide(self, c: Complaint, day: date, cause: str = "claim_amount") -> Complaint:
        with at(day):
            c = complaint_propose_decision(
                complaint=c,
                actor=self.handler,
                outcome=Complaint.Outcome.PARTLY,
                decision_text="部分支持，理由如下。",
                cause=code("cause", cause),
            )
            return complaint_approve(complaint=c, actor=self.approver)

    def notify(self, c: Complaint, day: date) -> Complaint:
        with at(day, 16):
            return complaint_notify_decision(
                complaint=c,
                actor=self.handler,
                method="phone",
                occurred_at=datetime(day.year, day.month, day.day, 15, tzinfo=SHANGHAI),
                summary="电话告知处理结果及核查、调解、仲裁、诉讼途径",
            )

    def extend(self, c: Complaint, day: date, level: int, approver: Any) -> Complaint:
        with at(day):
            extend(c, self.handler, level, approver, reason="需调取外部材料")
        return Complaint.objects.get(pk=c.pk)


@pytest.fixture
def gd_handler(make_member: Callable[..., Any]) -> Any:
    return make_member("gd_handler", R.HANDLER, "GD")


@pytest.fixture
def zj_manager(make_member: Callable[..., Any]) -> Any:
    return make_member("zj_manager", R.MANAGER, "ZJ")


@pytest.fixture
def quarter(
    register: Any,  # noqa: F811
    gd_handler: Any,
    gd_manager: Any,
    gd_reviewer: Any,
    senior: Any,
    xihu_handler: Any,
) -> dict[str, Complaint]:
    w = Walker(gd_handler, gd_manager)
    jul1 = received(date(2026, 7, 1))
    cases: dict[str, Complaint] = {}

    a = w.open(register(gd_handler, "GDGZTH", received_at=jul1), date(2026, 7, 2))
    a = w.notify(w.decide(a, date(2026, 7, 9)), date(2026, 7, 10))
    with at(date(2026, 7, 15)):
        complaint_record_redress(
            complaint=a,
            actor=gd_handler,
            amount=Decimal("3200.00"),
            paid_on=date(2026, 7, 15),
            method=Complaint.RedressMethod.BANK_TRANSFER,
        )
    with at(date(2026, 7, 20)):
        a = complaint_close(
            complaint=a, actor=gd_handler, note="投诉人表示接受处理结果"
        )
    with at(date(2026, 7, 25)):
        cases["A"] = complaint_record_callback(
            complaint=a,
            actor=gd_handler,
            satisfaction=5,
            occurred_at=datetime(2026, 7, 25, 9, tzinfo=SHANGHAI),
            note="赔款已收到，很满意。",
        )

    b = w.open(register(gd_handler, "GDGZTH", received_at=jul1), date(2026, 7, 2))
    b = w.notify(w.decide(b, date(2026, 7, 19)), date(2026, 7, 20))
    with at(date(2026, 7, 25)):
        b = complaint_request_review(
            complaint=b, actor=gd_handler, applied_on=date(2026, 7, 25), note="申请核查"
        )
    with at(date(2026, 8, 5)):
        cases["B"] = complaint_complete_review(
            complaint=b,
            actor=gd_reviewer,
            result=Complaint.ReviewResult.OVERTURNED,
            text="撤销原决定，支持赔付。",
        )

    c = register(
        gd_handler,
        "GDFSCC",
        received_at=jul1,
        channel=code("channel", "wechat"),
        category=code("category", "sales"),
        product_line=code("product_line", "ordinary_life"),
    )
    c = w.extend(w.open(c, date(2026, 7, 2)), date(2026, 7, 10), 1, gd_manager)
    c = w.decide(c, date(2026, 7, 27), cause="misleading_sales")
    cases["C"] = w.notify(c, date(2026, 7, 28))

    d = register(
        gd_handler, "GDFSCC", received_at=jul1, category=code("category", "sales")
    )
    d = w.extend(w.open(d, date(2026, 7, 2)), date(2026, 7, 10), 1, gd_manager)
    cases["D"] = w.extend(d, date(2026, 7, 25), 2, senior)

    e = register(gd_handler, "GDGZTH", received_at=received(date(2026, 6, 20)))
    e = w.open(e, date(2026, 6, 22))
    e = w.notify(w.decide(e, date(2026, 7, 2), cause="claim_delay"), date(2026, 7, 3))
    with at(date(2026, 7, 10)):
        e = complaint_refer_to_mediation(
            complaint=e,
            actor=gd_handler,
            body="广东保险纠纷调解中心",
            referred_on=date(2026, 7, 10),
        )
    with at(date(2026, 10, 10)):
        cases["E"] = complaint_record_mediation_outcome(
            complaint=e,
            actor=gd_handler,
            outcome=Complaint.MediationOutcome.AGREED,
            note="调解达成协议",
        )

    f = register(gd_handler, "GDGZTH", received_at=received(date(2026, 8, 3)))
    with at(date(2026, 8, 5)):
        cases["F"] = complaint_withdraw(
            complaint=f, actor=gd_handler, received_on=date(2026, 8, 5), note="撤回"
        )

    g = register(gd_handler, "GDGZTH", received_at=received(date(2026, 8, 3)))
    with at(date(2026, 8, 4)):
        cases["G"] = complaint_route(
            complaint=g,
            actor=gd_handler,
            kind=Complaint.RouteKind.RECLASSIFIED,
            reason=Code.objects.get(kind="route_reason", code="not_a_complaint"),
            note="属于咨询",
            item_type=Complaint.ItemType.ENQUIRY,
        )

    cases["H"] = register(
        xihu_handler, "ZJHZXH", received_at=received(date(2026, 9, 1))
    )
    cases["I"] = register(gd_handler, "GDGZTH", received_at=received(date(2026, 9, 20)))

    j = register(gd_handler, "GD01", received_at=received(date(2026, 8, 10)))
    with at(date(2026, 8, 11)):
        cases["J"] = decline(j, gd_handler, gd_manager, note="非消费者本人且无授权")

    k = register(
        gd_handler,
        "GDGZ",
        received_at=received(date(2026, 9, 10)),
        channel=code("channel", "regulator"),
        regulator_reference="JG2026-0001",
        regulator_office="广东监管局",
        regulator_due=date(2026, 9, 20),
        complainant_count=6,
        is_repeat=True,
    )
    with at(date(2026, 9, 10)):
        cases["K"] = complaint_accept(complaint=k, actor=gd_handler)
    return {k: Complaint.objects.get(pk=v.pk) for k, v in cases.items()}
