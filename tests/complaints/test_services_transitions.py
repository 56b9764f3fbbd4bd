"""Every lifecycle transition through its service: who may take it, from where, and
what it leaves behind (state, one history row with who and why, the notices owed).

The complaint lives at 天河支公司 (GDGZTH); its upper level is 广州中心支公司 (GDGZ).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import exceptions as E
from complaints import services as svc
from complaints.exceptions import TransitionRefused
from complaints.models import Complaint, Notification
from complaints.rules.transitions import ACTION_LABELS
from organisations.permissions import NotFound
from tests.approval_steps import CHECKED, approve
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db
S = Complaint.Status
NOTIFIED_AT = datetime(2026, 3, 18, 15, 0, tzinfo=SHANGHAI)

CALLS: dict[str, Callable[[Complaint, Any], Complaint]] = {
    "accept": lambda c, a: svc.complaint_accept(complaint=c, actor=a),
    # A request: the walk has a manager approve it (tests/approval_steps.py).
    "decline": lambda c, a: svc.complaint_decline(
        complaint=c,
        actor=a,
        standing_ground="not_the_consumer",
        checked=CHECKED,
        note="系投诉人邻居代为投诉，无授权委托书",
    ),
    "route": lambda c, a: svc.complaint_route(
        complaint=c,
        actor=a,
        kind="forwarded",
        reason=code("route_reason", "forwarded"),
        note="保单由他司承保，已转交",
        forwarded_to="华信财产保险股份有限公司广东分公司",
    ),
    "assign": lambda c, a: svc.complaint_assign(
        complaint=c, actor=a, handler=a, declares_no_conflict=True
    ),
    "propose_decision": lambda c, a: svc.complaint_propose_decision(
        complaint=c,
        actor=a,
        outcome=Complaint.Outcome.PARTLY,
        decision_text="按定损金额补足差额，其余请求不予支持，理由如下……",
        cause=code("cause", "claim_amount"),
        redress_amount=Decimal("2350.00"),
    ),
    "return_for_rework": lambda c, a: svc.complaint_return_for_rework(
        complaint=c, actor=a, note="请补充定损依据"
    ),
    "approve": lambda c, a: svc.complaint_approve(complaint=c, actor=a),
    "notify": lambda c, a: svc.complaint_notify_decision(
        complaint=c,
        actor=a,
        method="phone",
        occurred_at=NOTIFIED_AT,
        summary="电话告知处理结果及核查、调解、仲裁、诉讼途径",
    ),
    "request_review": lambda c, a: svc.complaint_request_review(
        complaint=c, actor=a, applied_on=date(2026, 3, 25), note="书面申请核查"
    ),
    "complete_review": lambda c, a: svc.complaint_complete_review(
        complaint=c, actor=a, result="upheld", text="经核查，原处理决定并无不当"
    ),
    "notify_review": lambda c, a: svc.complaint_notify_review(
        complaint=c,
        actor=a,
        method="letter",
        occurred_at=datetime(2026, 4, 10, 10, 0, tzinfo=SHANGHAI),
        summary="邮寄核查决定书",
    ),
    "refer_to_mediation": lambda c, a: svc.complaint_refer_to_mediation(
        complaint=c, actor=a, body="广东保险纠纷调解中心", referred_on=date(2026, 3, 26)
    ),
    "record_mediation_outcome": lambda c, a: svc.complaint_record_mediation_outcome(
        complaint=c,
        actor=a,
        outcome="agreed",
        note="双方达成调解协议",
        redress_amount=Decimal("3000.00"),
    ),
    "close": lambda c, a: svc.complaint_close(complaint=c, actor=a),
    "withdraw": lambda c, a: svc.complaint_withdraw(
        complaint=c, actor=a, received_on=date(2026, 3, 20), note="投诉人来电撤回"
    ),
    "archive": lambda c, a: svc.complaint_archive(complaint=c, actor=a),
}

# How the walk reaches each status: (from status, action, persona).
PATH = {
    S.ACCEPTED: (S.REGISTERED, "accept", "tianhe_handler"),
    S.INVESTIGATING: (S.ACCEPTED, "assign", "tianhe_handler"),
    S.AWAITING_APPROVAL: (S.INVESTIGATING, "propose_decision", "tianhe_handler"),
    S.DECIDED: (S.AWAITING_APPROVAL, "approve", "gz_manager"),
    S.NOTIFIED: (S.DECIDED, "notify", "tianhe_handler"),
    S.UNDER_REVIEW: (S.NOTIFIED, "request_review", "tianhe_handler"),
    S.REVIEWED: (S.UNDER_REVIEW, "complete_review", "gd_reviewer"),
    S.IN_MEDIATION: (S.NOTIFIED, "refer_to_mediation", "tianhe_handler"),
    S.CLOSED: (S.NOTIFIED, "close", "tianhe_handler"),
    S.DECLINED: (S.REGISTERED, "decline", "tianhe_handler"),
    S.ROUTED: (S.REGISTERED, "route", "tianhe_handler"),
    S.WITHDRAWN: (S.REGISTERED, "withdraw", "tianhe_handler"),
    S.ARCHIVED: (S.CLOSED, "archive", "tianhe_handler"),
}

PERSONAS = [
    "tianhe_handler",
    "gz_handler",
    "gz_manager",
    "gd_manager",
    "gd_reviewer",
    "senior",
    "ho_compliance",
    "xihu_handler",
    "zj_viewer",
    "outsider",
]
OUT_OF_SCOPE = {"xihu_handler", "zj_viewer", "outsider"}  # answered as "not found"
HANDLERS = {"tianhe_handler", "gz_handler", "gz_manager", "gd_manager"}
APPROVERS = {"gz_manager", "gd_manager", "senior"}

# action -> (status it is tried from, personas allowed, target, notice kind owed)
RULES: dict[str, tuple[str, set[str], str, str | None]] = {
    "accept": (S.REGISTERED, HANDLERS, S.ACCEPTED, "acceptance"),
    "route": (S.REGISTERED, HANDLERS, S.ROUTED, "routed"),
    "assign": (S.ACCEPTED, HANDLERS, S.INVESTIGATING, None),  # taking the case
    "propose_decision": (
        S.INVESTIGATING,
        {"tianhe_handler"},  # only the assigned handler drafts
        S.AWAITING_APPROVAL,
        None,
    ),
    "return_for_rework": (S.AWAITING_APPROVAL, APPROVERS, S.INVESTIGATING, None),
    "approve": (S.AWAITING_APPROVAL, APPROVERS, S.DECIDED, None),
    "notify": (S.DECIDED, HANDLERS, S.NOTIFIED, "decision"),
    "request_review": (
        S.NOTIFIED,
        HANDLERS | {"gd_reviewer"},  # the upper level may log it too
        S.UNDER_REVIEW,
        "review_received",
    ),
    "complete_review": (S.UNDER_REVIEW, {"gd_reviewer"}, S.REVIEWED, None),
    "notify_review": (
        S.REVIEWED,
        HANDLERS | {"gd_reviewer"},
        S.CLOSED,
        "review_decision",
    ),
    "refer_to_mediation": (S.NOTIFIED, HANDLERS, S.IN_MEDIATION, "mediation"),
    "record_mediation_outcome": (S.IN_MEDIATION, HANDLERS, S.CLOSED, None),
    "close": (S.NOTIFIED, HANDLERS, S.CLOSED, None),
    "withdraw": (S.REGISTERED, HANDLERS, S.WITHDRAWN, "withdrawal"),
    "archive": (S.CLOSED, HANDLERS, S.ARCHIVED, None),
}
ALLOWED = [(a, p) for a, rule in RULES.items() for p in PERSONAS if p in rule[1]]
REFUSED = [(a, p) for a, rule in RULES.items() for p in PERSONAS if p not in rule[1]]

# Every status each action applies from (DESIGN.md lifecycle).
OPEN = {S.REGISTERED, S.ACCEPTED, S.INVESTIGATING, S.AWAITING_APPROVAL, S.DECIDED}
SOURCES = {
    "accept": {S.REGISTERED},
    "decline": {S.REGISTERED},
    "route": {S.REGISTERED, S.ACCEPTED, S.INVESTIGATING},
    "assign": {S.ACCEPTED, S.INVESTIGATING},
    "propose_decision": {S.INVESTIGATING},
    "return_for_rework": {S.AWAITING_APPROVAL},
    "approve": {S.AWAITING_APPROVAL},
    "notify": {S.DECIDED},
    "request_review": {S.NOTIFIED},
    "complete_review": {S.UNDER_REVIEW},
    "notify_review": {S.REVIEWED},
    "refer_to_mediation": {S.NOTIFIED, S.REVIEWED},
    "record_mediation_outcome": {S.IN_MEDIATION},
    "close": {S.NOTIFIED},
    "withdraw": OPEN | {S.NOTIFIED, S.UNDER_REVIEW, S.REVIEWED, S.IN_MEDIATION},
    "archive": {S.CLOSED, S.DECLINED, S.ROUTED, S.WITHDRAWN},
}
# Who tries an action when only the status should refuse it.
TRIER = {"approve": "gd_manager", "return_for_rework": "gd_manager"}
TRIER["complete_review"] = "gd_reviewer"


# When the walk takes the steps whose time the later dated steps follow: the
# decision before its notice (NOTIFIED_AT), the review before its notice.
# Dates are evidence: a notice dated before the decision is refused.
STEP_AT = {
    "accept": datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI),
    "assign": datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI),
    "propose_decision": datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI),
    "approve": datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI),
    "complete_review": datetime(2026, 4, 8, 9, 0, tzinfo=SHANGHAI),
}


def walker(register: Any, persona: Any) -> Callable[..., Complaint]:
    def walk(status: str, **fields: Any) -> Complaint:
        if status == S.REGISTERED:
            return register(persona("tianhe_handler"), **fields)
        source, action, who = PATH[status]
        before = walk(source, **fields)
        if action not in STEP_AT:
            done = CALLS[action](before, persona(who))
        else:
            with time_machine.travel(STEP_AT[action], tick=True):
                done = CALLS[action](before, persona(who))
        if action == "decline":  # takes effect when a manager approves it
            return approve(done, persona("gz_manager"))
        return done

    return walk


# The target each routing names (Measures: routing is not refusal).
TARGETS: dict[str, dict[str, Any]] = {
    "forwarded": {"forwarded_to": "华信财产保险股份有限公司广东分公司"},
    "proceeding": {
        "forum": "court",
        "forum_name": "广州市天河区人民法院",
        "case_number": "（2026）粤0106民初1234号",
        "proceeding_on": date(2026, 3, 2),
    },
}


def route(c: Complaint, actor: Any, kind: str, **extra: Any) -> Any:
    reason = {"reclassified": "not_a_complaint"}.get(kind, kind)
    return svc.complaint_route(
        complaint=c,
        actor=actor,
        kind=kind,
        reason=code("route_reason", reason),
        note="经核实后处理",
        **{**TARGETS.get(kind, {}), **extra},
    )


def assert_one_change(c: Complaint, before: int, actor: Any, status: str) -> Any:
    """Exactly one new history row, by `actor`, with a reason, in `status`."""
    assert c.history.count() == before + 1
    row = c.history.latest()
    assert row.history_user == actor
    assert row.history_change_reason
    assert row.status == status
    return row


def assert_notice(c: Complaint, kind: str) -> None:
    rows = Notification.objects.filter(complaint=c, kind=kind)
    assert sorted((r.channel, r.address) for r in rows) == [
        ("email", c.email),
        ("sms", c.phone),
    ]
    assert all(r.audience == "complainant" and c.number in r.subject for r in rows)


@pytest.mark.parametrize(("action", "who"), ALLOWED)
def test_allowed_transition_records_who_why_and_notices(
    at: Any, persona: Any, action: str, who: str
) -> None:
    source, _allowed, target, notice = RULES[action]
    c = at(source)
    actor, before = persona(who), c.history.count()
    # Staff hear of work through their own notices (tests/complaints/test_notices.py).
    to_complainant = Notification.objects.filter(audience="complainant")
    outbox = to_complainant.count()

    c = CALLS[action](c, actor)

    c.refresh_from_db()
    assert c.status == target
    assert_one_change(c, before, actor, target)
    if notice:
        assert_notice(c, notice)
        assert to_complainant.count() == outbox + 2
    else:
        assert to_complainant.count() == outbox


@pytest.mark.parametrize(("action", "who"), REFUSED)
def test_refused_persona_changes_nothing(
    at: Any, persona: Any, action: str, who: str
) -> None:
    source = RULES[action][0]
    c = at(source)
    before, outbox = c.history.count(), Notification.objects.count()

    with pytest.raises(NotFound if who in OUT_OF_SCOPE else PermissionDenied):
        CALLS[action](c, persona(who))

    c.refresh_from_db()
    assert (c.status, c.history.count()) == (source, before)
    assert Notification.objects.count() == outbox


@pytest.mark.parametrize("status", list(S))
def test_illegal_transitions_name_the_status(
    at: Any, persona: Any, status: str
) -> None:
    c = at(status)
    before = c.history.count()
    for action, sources in SOURCES.items():
        if status in sources:
            continue
        with pytest.raises(TransitionRefused) as exc:
            CALLS[action](c, persona(TRIER.get(action, "tianhe_handler")))
        expected = E.NOT_ALLOWED_NOW % {
            "action": ACTION_LABELS[action],
            "status": S(status).label,
        }
        assert exc.value.messages == [expected]
        assert str(S(status).label) in expected
    c.refresh_from_db()
    assert (c.status, c.history.count()) == (status, before)


def test_notices_go_by_letter_when_no_email_or_phone(at: Any) -> None:
    c = at(S.ACCEPTED, email="", phone="", address="广州市天河区体育西路1号")
    row = Notification.objects.get(complaint=c)
    assert (row.kind, row.channel, row.address) == (
        "acceptance",
        "letter",
        "广州市天河区体育西路1号",
    )


@pytest.mark.parametrize(
    ("status", "who", "call", "field"),
    [
        (
            S.REGISTERED,
            "tianhe_handler",
            lambda c, a: svc.complaint_route(
                complaint=c,
                actor=a,
                kind="lost",
                reason=code("route_reason", "other"),
                note="……",
            ),
            "route_kind",
        ),
        (
            S.UNDER_REVIEW,
            "gd_reviewer",
            lambda c, a: svc.complaint_complete_review(
                complaint=c, actor=a, result="maybe", text="……"
            ),
            "review_result",
        ),
        (
            S.IN_MEDIATION,
            "tianhe_handler",
            lambda c, a: svc.complaint_record_mediation_outcome(
                complaint=c, actor=a, outcome="postponed", note="……"
            ),
            "mediation_outcome",
        ),
    ],
    ids=["route_kind", "review_result", "mediation_outcome"],
)
def test_unknown_choices_are_refused_on_their_field(
    at: Any, persona: Any, status: str, who: str, call: Any, field: str
) -> None:
    c = at(status)
    with pytest.raises(ValidationError) as exc:
        call(c, persona(who))
    assert field in exc.value.message_dict
    c.refresh_from_db()
    assert c.status == status
