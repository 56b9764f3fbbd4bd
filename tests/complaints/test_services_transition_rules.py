"""The rules inside the transitions before the decision is out: intake, routing
kinds, eligibility of handlers, drafting, four-eyes and the decision notice.

Who may take each transition at all is table-tested in test_services_transitions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from complaints import exceptions as E
from complaints import services as svc
from complaints.exceptions import ComplaintError
from complaints.models import Complaint, Notification
from complaints.rules.transitions import ACTION_LABELS
from complaints.services._common import ACTOR_IS_SUBJECT, ACTOR_RECUSED
from complaints.workbench.selectors import person_name
from organisations.models import Membership
from tests.approval_steps import approve
from tests.complaints.conftest import code
from tests.complaints.test_services_transitions import (
    CALLS,
    NOTIFIED_AT,
    assert_notice,
    assert_one_change,
    route,
)

pytestmark = pytest.mark.django_db
S = Complaint.Status
R = Membership.Role


# --- intake decisions ----------------------------------------------------------


def test_agent_complaint_is_accepted_only_with_the_authority_seen(
    register: Any, persona: Any
) -> None:
    h = persona("tianhe_handler")
    fields = {"representation": "agent", "agent_name": "林大海"}
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_accept(complaint=register(h, **fields), actor=h)
    assert exc.value.message_dict == {"authority_verified": [str(E.AUTHORITY_MISSING)]}
    c = register(h, authority_verified=True, **fields)
    assert svc.complaint_accept(complaint=c, actor=h).status == S.ACCEPTED


def test_decline_records_the_standing_ground_and_needs_a_reason(
    at: Any, persona: Any
) -> None:
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_decline(
            complaint=at(S.REGISTERED),
            actor=persona("gz_handler"),
            standing_ground="not_the_consumer",
            checked="核对身份证件",
            note=" ",
        )
    assert exc.value.message_dict == {"note": [str(E.REASON_REQUIRED)]}
    c = at(S.DECLINED)
    assert c.route_reason == code("route_reason", "not_consumer")
    assert c.closed_at is not None
    assert not c.is_open
    body = Notification.objects.filter(complaint=c, kind="decline").first().body
    assert c.route_note in body


@pytest.mark.parametrize(
    "kind", ["reclassified", "forwarded", "proceeding", "merged", "already_decided"]
)
def test_every_route_kind_ends_the_case_with_reason_and_notice(
    at: Any, persona: Any, kind: str
) -> None:
    h = persona("tianhe_handler")
    extra: dict[str, Any] = {}
    if kind == "reclassified":
        extra["item_type"] = Complaint.ItemType.ENQUIRY
    if kind == "merged":
        extra["merged_into"] = at(S.INVESTIGATING)
    c = at(S.ACCEPTED)
    before = c.history.count()

    c = route(c, h, kind, **extra)
    by = h
    if kind == "already_decided":  # takes effect when a manager approves it
        by = persona("gz_manager")
        c = approve(c, by)

    assert (c.status, c.route_kind, c.route_note) == (S.ROUTED, kind, "经核实后处理")
    assert c.closed_at is not None
    assert not c.is_open
    assert_one_change(c, before, by, S.ROUTED)
    assert_notice(c, "routed")
    # Only reclassification takes the item out of the complaint statistics.
    expected_type = "enquiry" if kind == "reclassified" else "complaint"
    assert c.item_type == expected_type


def test_reclassify_needs_what_the_item_is_instead(at: Any, persona: Any) -> None:
    c = at(S.REGISTERED)
    for item_type in ("", "complaint"):
        with pytest.raises(ComplaintError) as exc:
            route(c, persona("tianhe_handler"), "reclassified", item_type=item_type)
        assert exc.value.message_dict == {"item_type": [str(E.RECLASSIFY_TYPE)]}


def test_merge_joins_the_open_case_file_and_keeps_its_deadline(
    at: Any, register: Any, persona: Any
) -> None:
    h = persona("tianhe_handler")
    target = at(S.INVESTIGATING)
    deadlines = (target.clock_start, target.legal_due, target.due_on)
    repeat = register(h, request="再次要求按定损金额赔付")

    repeat = route(repeat, h, "merged", merged_into=target)

    target.refresh_from_db()
    assert (target.clock_start, target.legal_due, target.due_on) == deadlines
    assert target.status == S.INVESTIGATING
    entry = target.correspondence.get()
    assert repeat.number in entry.summary
    assert "再次要求" in entry.summary
    assert (entry.direction, entry.new_facts, entry.recorded_by) == ("in", False, h)
    assert entry.history.get().history_user == h
    assert repeat.merged_into == target
    sms = Notification.objects.get(complaint=repeat, kind="routed", channel="sms")
    assert target.number in sms.body


@pytest.mark.parametrize("problem", ["none", "itself", "closed", "out_of_scope"])
def test_merge_only_into_another_open_case_in_scope(
    at: Any, register: Any, persona: Any, problem: str
) -> None:
    h = persona("tianhe_handler")
    c = at(S.REGISTERED)
    target = {
        "none": lambda: None,
        "itself": lambda: c,
        "closed": lambda: at(S.CLOSED),
        "out_of_scope": lambda: register(persona("gz_handler"), institution="GDGZYX"),
    }[problem]()
    with pytest.raises(ComplaintError) as exc:
        route(c, h, "merged", merged_into=target)
    assert exc.value.message_dict == {"merged_into": [str(E.MERGE_TARGET)]}


# --- assignment ----------------------------------------------------------------


def test_manager_assigns_and_reassigns(at: Any, persona: Any) -> None:
    c = at(S.ACCEPTED)
    manager, handler = persona("gz_manager"), persona("gz_handler")
    before = c.history.count()
    c = svc.complaint_assign(complaint=c, actor=manager, handler=handler)
    assert (c.status, c.handler) == (S.INVESTIGATING, handler)
    assert_one_change(c, before, manager, S.INVESTIGATING)
    c = svc.complaint_assign(
        complaint=c, actor=manager, handler=persona("tianhe_handler")
    )
    assert c.handler == persona("tianhe_handler")


def test_a_handler_cannot_take_or_give_away_a_colleagues_case(
    at: Any, persona: Any
) -> None:
    c = at(S.INVESTIGATING)  # tianhe_handler holds it
    gz = persona("gz_handler")
    for handler in (gz, persona("tianhe_handler")):
        with pytest.raises(PermissionDenied):
            svc.complaint_assign(complaint=c, actor=gz, handler=handler)
    c.refresh_from_db()
    assert c.handler == persona("tianhe_handler")


@pytest.mark.parametrize("problem", ["recused", "subject", "other_branch"])
def test_ineligible_handler_is_refused(
    register: Any, persona: Any, problem: str
) -> None:
    h, manager = persona("tianhe_handler"), persona("gz_manager")
    subject = {"subject_staff_user": h, "subject_staff": "陈晓敏"}
    c = register(h, **(subject if problem == "subject" else {}))
    # The staff member complained about takes no action: a colleague accepts.
    c = svc.complaint_accept(complaint=c, actor=persona("gz_handler"))
    candidate = persona("xihu_handler") if problem == "other_branch" else h
    if problem == "recused":
        svc.recusal_declare(complaint=c, actor=h, user=h, reason="投诉人系本人亲属")
    expected = {
        "recused": E.HANDLER_RECUSED
        % {"user": person_name(h), "institution": c.institution},
        "subject": E.HANDLER_IS_SUBJECT
        % {"user": person_name(h), "institution": c.institution},
        "other_branch": E.HANDLER_NOT_ELIGIBLE
        % {"user": person_name(candidate), "institution": c.institution},
    }[problem]
    # The manager assigning and the handler taking the case are refused alike.
    actors = [manager] if problem == "other_branch" else [manager, h]
    for actor in actors:
        with pytest.raises(ComplaintError) as exc:
            svc.complaint_assign(complaint=c, actor=actor, handler=candidate)
        assert exc.value.message_dict == {"handler": [expected]}
    c.refresh_from_db()
    assert (c.status, c.handler) == (S.ACCEPTED, None)


# --- decision and four-eyes ------------------------------------------------------


def test_only_the_assigned_handler_drafts_and_with_a_cause(
    at: Any, persona: Any
) -> None:
    c, h = at(S.INVESTIGATING), persona("tianhe_handler")
    with pytest.raises(PermissionDenied) as denied:
        CALLS["propose_decision"](c, persona("gz_manager"))
    assert str(denied.value) == str(E.ONLY_HANDLER_DRAFTS)
    draft = {"complaint": c, "actor": h, "decision_text": "不予支持，理由如下……"}
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_propose_decision(outcome="not_supported", **draft)
    assert exc.value.message_dict == {"cause": [str(E.CAUSE_REQUIRED)]}
    for outcome, text in [("withdrawn", "……"), ("not_supported", " ")]:
        with pytest.raises(ComplaintError) as exc:
            svc.complaint_propose_decision(
                **{**draft, "decision_text": text}, outcome=outcome
            )
        assert exc.value.message_dict == {"decision_text": [str(E.OUTCOME_REQUIRED)]}

    c = CALLS["propose_decision"](c, h)
    assert (c.outcome, c.cause, c.drafted_by) == (
        "partly",
        code("cause", "claim_amount"),
        h,
    )
    assert c.redress_amount == Decimal("2350.00")


def test_four_eyes_even_when_the_drafter_is_a_manager(at: Any, persona: Any) -> None:
    manager = persona("gz_manager")
    c = svc.complaint_assign(
        complaint=at(S.ACCEPTED),
        actor=manager,
        handler=manager,
        declares_no_conflict=True,
    )
    c = CALLS["propose_decision"](c, manager)
    with pytest.raises(PermissionDenied) as exc:
        CALLS["approve"](c, manager)
    assert str(exc.value) == str(E.FOUR_EYES)
    c = CALLS["approve"](c, persona("gd_manager"))
    assert (c.status, c.approved_by, c.drafted_by) == (
        S.DECIDED,
        persona("gd_manager"),
        manager,
    )
    assert c.decided_at is not None


@pytest.mark.parametrize("conflict", ["recused", "subject"])
def test_a_conflicted_manager_cannot_approve(
    register: Any, persona: Any, conflict: str
) -> None:
    h, m = persona("tianhe_handler"), persona("gz_manager")
    subject = {"subject_staff_user": m, "subject_staff": "张伟"}
    c = register(h, **(subject if conflict == "subject" else {}))
    for action in ("accept", "assign", "propose_decision"):
        c = CALLS[action](c, h)
    if conflict == "recused":
        svc.recusal_declare(complaint=c, actor=m, user=m, reason="与投诉人系亲属")
    message = ACTOR_RECUSED if conflict == "recused" else ACTOR_IS_SUBJECT
    with pytest.raises(PermissionDenied) as exc:
        CALLS["approve"](c, m)
    assert str(exc.value) == message % {
        "user": person_name(m),
        "action": ACTION_LABELS["approve"],
        "institution": c.institution,
    }
    assert CALLS["approve"](c, persona("gd_manager")).status == S.DECIDED


def test_return_for_rework_needs_a_note_and_sends_back(at: Any, persona: Any) -> None:
    c, m = at(S.AWAITING_APPROVAL), persona("gz_manager")
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_return_for_rework(complaint=c, actor=m, note="")
    assert exc.value.message_dict == {"note": [str(E.REASON_REQUIRED)]}
    c = CALLS["return_for_rework"](c, m)
    assert (c.status, c.approved_by) == (S.INVESTIGATING, None)
    assert "请补充定损依据" in c.history.latest().history_change_reason
    c = CALLS["propose_decision"](c, persona("tianhe_handler"))
    assert CALLS["approve"](c, m).status == S.DECIDED


def test_decision_notice_is_recorded_with_method_time_and_person(
    at: Any, persona: Any
) -> None:
    c = at(S.NOTIFIED)
    h = persona("tianhe_handler")
    entry = c.correspondence.get()
    assert (entry.direction, entry.method, entry.is_notice) == ("out", "phone", True)
    assert (entry.occurred_at, entry.recorded_by) == (NOTIFIED_AT, h)
    assert entry.history.get().history_user == h
    assert (c.notified_at, c.decision_received_on) == (NOTIFIED_AT, date(2026, 3, 18))
    body = Notification.objects.filter(complaint=c, kind="decision").first().body
    for route_text in ("广州中心支公司申请核查", "调解", "仲裁", "诉讼"):
        assert route_text in body
