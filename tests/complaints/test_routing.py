"""The one refusal is the one ground (Measures arts. 14, 18; DOMAIN.md §5, C6):
declining needs the standing ground, what was checked and a manager's
approval, and its notice states the ground; every other reason is routing and
names its target. Service door: each refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from complaints import services as svc
from complaints.exceptions import ComplaintError
from complaints.models import ApprovalRequest, Complaint, Letter, Notification, Routing
from complaints.rules import approvals
from complaints.services import routing as R
from tests.approval_steps import CHECKED, approve
from tests.complaints.conftest import SHANGHAI, code
from tests.complaints.test_services_transitions import TARGETS

pytestmark = pytest.mark.django_db
S = Complaint.Status


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


def state(c: Complaint) -> tuple[Any, ...]:
    c = Complaint.objects.get(pk=c.pk)
    return (
        c.status,
        c.route_kind,
        c.history.count(),
        Notification.objects.filter(complaint=c).count(),
        Letter.objects.filter(complaint=c).count(),
        Routing.objects.filter(complaint=c).count(),
        ApprovalRequest.objects.filter(complaint=c).count(),
    )


def decline(c: Complaint, actor: Any, **fields: Any) -> Any:
    values = {
        "standing_ground": "not_the_consumer",
        "checked": CHECKED,
        "note": "来电人并非投保人本人",
        **fields,
    }
    return svc.complaint_decline(complaint=c, actor=actor, **values)


def route(c: Complaint, actor: Any, kind: str, reason: str = "", **fields: Any) -> Any:
    reason = reason or {"reclassified": "not_a_complaint"}.get(kind, kind)
    values = {"note": "经核实后处理", **TARGETS.get(kind, {}), **fields}
    return svc.complaint_route(
        complaint=c,
        actor=actor,
        kind=kind,
        reason=code("route_reason", reason),
        **values,
    )


# --- The one refusal --------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"standing_ground": ""}, "standing_ground"),
        ({"standing_ground": "事实不清"}, "standing_ground"),
        ({"checked": " "}, "checked"),
        ({"note": ""}, "note"),
        # Lodged in person: the only missing link can be that it is not the consumer.
        ({"standing_ground": "no_agency"}, "standing_ground"),
        ({"standing_ground": "not_an_heir"}, "standing_ground"),
    ],
)
def test_decline_needs_the_standing_ground_and_what_was_checked(
    register: Any, tianhe_handler: Any, fields: dict[str, Any], field: str
) -> None:
    c = register(tianhe_handler)
    before = state(c)
    with pytest.raises(ComplaintError) as exc:
        decline(c, tianhe_handler, **fields)
    assert field in exc.value.message_dict
    assert state(c) == before


def test_an_agents_complaint_may_be_declined_for_want_of_agency(
    register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = register(tianhe_handler, representation="agent", agent_name="林大海")
    c = approve(decline(c, tianhe_handler, standing_ground="no_agency"), gz_manager)
    assert c.status == S.DECLINED


def test_decline_takes_effect_on_a_managers_approval_and_states_the_ground(
    register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = register(tianhe_handler)
    req = decline(c, tianhe_handler)
    assert isinstance(req, ApprovalRequest)
    assert req.kind == ApprovalRequest.Kind.DECLINE
    # Nothing is declined, nobody is told, until the manager approves.
    assert Complaint.objects.get(pk=c.pk).status == S.REGISTERED
    assert not Notification.objects.filter(complaint=c, kind="decline").exists()
    with pytest.raises(PermissionDenied):
        svc.approval_decide(request=req, actor=tianhe_handler, approve=True, note="x")
    assert list(approvals.pending_for(gz_manager)) == [req]

    c = approve(req, gz_manager, "核实无误")

    assert (c.status, c.route_reason) == (
        S.DECLINED,
        code("route_reason", "not_consumer"),
    )
    assert c.history.latest().history_user == gz_manager
    routing = Routing.objects.get(complaint=c)
    assert (routing.standing_ground, routing.checked) == ("not_the_consumer", CHECKED)
    assert routing.applied_at is not None
    letter = Letter.objects.get(complaint=c, kind="decline")
    assert "提出投诉的人并非保险消费者本人" in letter.content
    assert CHECKED in letter.content
    sms = Notification.objects.get(complaint=c, kind="decline", channel="sms")
    assert CHECKED in sms.body


def test_a_rejected_decline_leaves_the_case_open(
    register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = register(tianhe_handler)
    req = decline(c, tianhe_handler)
    svc.approval_decide(
        request=req, actor=gz_manager, approve=False, note="本人来电，应予受理"
    )
    c = Complaint.objects.get(pk=c.pk)
    assert c.status == S.REGISTERED
    assert svc.complaint_accept(complaint=c, actor=tianhe_handler).status == S.ACCEPTED


def test_not_lodged_by_the_consumer_is_no_routing_reason(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler)
    before = state(c)
    with pytest.raises(ComplaintError) as exc:
        route(c, tianhe_handler, "forwarded", reason="not_consumer")
    assert exc.value.message_dict == {"reason": [str(R.NOT_STANDING_ROUTE)]}
    assert state(c) == before


# --- Routing names its target -------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("forwarded", {"forwarded_to": " "}, "forwarded_to"),
        ("proceeding", {"case_number": ""}, "case_number"),
        ("proceeding", {"forum": ""}, "case_number"),
        ("proceeding", {"forum_name": ""}, "case_number"),
        ("proceeding", {"proceeding_on": None}, "case_number"),
        ("proceeding", {"proceeding_on": date(2026, 3, 11)}, "proceeding_on"),
        ("reclassified", {"item_type": ""}, "item_type"),
        ("reclassified", {"item_type": "complaint"}, "item_type"),
        ("forwarded", {"reason": "proceeding"}, "reason"),
    ],
)
def test_routing_without_its_target_is_refused(
    register: Any, tianhe_handler: Any, kind: str, fields: dict[str, Any], field: str
) -> None:
    c = register(tianhe_handler)
    before = state(c)
    with pytest.raises(ComplaintError) as exc:
        route(c, tianhe_handler, kind, **fields)
    assert field in exc.value.message_dict
    assert state(c) == before


def test_forwarding_names_the_institution_and_tells_the_complainant(
    register: Any, tianhe_handler: Any
) -> None:
    c = route(register(tianhe_handler), tianhe_handler, "forwarded")
    assert c.status == S.ROUTED
    target = TARGETS["forwarded"]["forwarded_to"]
    assert Routing.objects.get(complaint=c).forwarded_to == target
    assert target in Letter.objects.get(complaint=c, kind="routed").content
    assert target in Notification.objects.get(complaint=c, channel="sms").body


def test_a_proceeding_is_named_and_its_outcome_recorded_later(
    register: Any, tianhe_handler: Any, xihu_handler: Any
) -> None:
    c = route(register(tianhe_handler), tianhe_handler, "proceeding")
    letter = Letter.objects.get(complaint=c, kind="routed").content
    assert "（2026）粤0106民初1234号" in letter
    assert "广州市天河区人民法院" in letter
    assert "诉讼程序" in letter
    with pytest.raises(ComplaintError) as exc:
        svc.routing_record_outcome(
            complaint=c,
            actor=tianhe_handler,
            outcome="x",
            recorded_on=date(2026, 3, 11),
        )
    assert "recorded_on" in exc.value.message_dict
    routing = svc.routing_record_outcome(
        complaint=c,
        actor=tianhe_handler,
        outcome="法院判决驳回原告诉讼请求",
        recorded_on=date(2026, 3, 10),
    )
    assert routing.proceeding_outcome == "法院判决驳回原告诉讼请求"
    assert routing.history.latest().history_user == tianhe_handler


def test_only_a_proceeding_has_an_outcome(register: Any, tianhe_handler: Any) -> None:
    c = route(register(tianhe_handler), tianhe_handler, "forwarded")
    with pytest.raises(ComplaintError) as exc:
        svc.routing_record_outcome(
            complaint=c,
            actor=tianhe_handler,
            outcome="x",
            recorded_on=date(2026, 3, 10),
        )
    assert exc.value.messages == [str(R.OUTCOME_NOT_PROCEEDING)]


@pytest.mark.parametrize("kind", ["forwarded", "reclassified", "merged"])
def test_other_reason_never_closes_a_case_without_approval(
    at: Any, register: Any, tianhe_handler: Any, gz_manager: Any, kind: str
) -> None:
    c = register(tianhe_handler)
    extra = {"merged_into": at(S.INVESTIGATING)} if kind == "merged" else {}
    if kind == "reclassified":
        extra["item_type"] = "enquiry"
    req = route(c, tianhe_handler, kind, reason="other", **extra)
    assert isinstance(req, ApprovalRequest)
    assert req.kind == ApprovalRequest.Kind.ROUTE_OTHER
    assert Complaint.objects.get(pk=c.pk).status == S.REGISTERED
    assert not Notification.objects.filter(complaint=c, kind="routed").exists()
    c = approve(req, gz_manager, "同意")
    assert (c.status, c.route_kind) == (S.ROUTED, kind)
    assert c.route_reason.code == "other"


def test_answering_by_an_earlier_decision_waits_for_a_manager(
    register: Any, gz_manager: Any, gd_manager: Any
) -> None:
    c = register(gz_manager, institution="GDGZ")
    req = route(c, gz_manager, "already_decided")
    assert isinstance(req, ApprovalRequest)
    with pytest.raises(PermissionDenied):
        approve(req, gz_manager)  # never their own
    c = approve(req, gd_manager)
    assert (c.status, c.route_kind) == (S.ROUTED, "already_decided")
