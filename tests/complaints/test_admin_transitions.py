"""The action pages: each performs its service, refusals come back as messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import translation

from complaints import exceptions as E
from complaints.models import Complaint
from complaints.services import (
    complaint_accept,
    complaint_approve,
    complaint_assign,
    complaint_close,
    complaint_complete_review,
    complaint_notify_decision,
    complaint_pause,
    complaint_propose_decision,
    complaint_refer_to_mediation,
    complaint_request_review,
    recusal_declare,
)
from complaints.workbench.selectors import person_name
from organisations import permissions as P
from tests.approval_steps import approve
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db
S = Complaint.Status
NOW = "2026-03-17T08:00"


def act_url(c: Complaint, action: str) -> str:
    return f"/admin/complaints/complaint/{c.pk}/act/{action}/"


def act(client: Any, c: Complaint, action: str, **data: Any) -> Any:
    """Open the action page as a user would, then submit it."""
    page = client.get(act_url(c, action))
    assert page.status_code == 200
    version = page.context["form"]["version"].value()
    return client.post(act_url(c, action), {"version": version, **data})


def errors(response: Any) -> list[str]:
    form = response.context["form"]
    return [str(e) for field_errors in form.errors.values() for e in field_errors]


def translated(response: Any, message: Any) -> str:
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return str(message)


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def at(
    register: Any, tianhe_handler: Any, gz_manager: Any, gd_reviewer: Any
) -> Callable[[str], Complaint]:
    """A 天河 complaint brought to `stage` through the services."""

    def make(stage: str) -> Complaint:
        h = tianhe_handler
        steps: list[tuple[str, Callable[[Complaint], Complaint]]] = [
            ("accepted", lambda c: complaint_accept(complaint=c, actor=h)),
            (
                "investigating",
                lambda c: complaint_assign(
                    complaint=c, actor=h, handler=h, declares_no_conflict=True
                ),
            ),
            (
                "awaiting_approval",
                lambda c: complaint_propose_decision(
                    complaint=c,
                    actor=h,
                    outcome="partly",
                    decision_text="部分支持。",
                    cause=code("cause", "claim_amount"),
                ),
            ),
            ("decided", lambda c: complaint_approve(complaint=c, actor=gz_manager)),
            (
                "notified",
                lambda c: complaint_notify_decision(
                    complaint=c,
                    actor=h,
                    method="phone",
                    occurred_at=datetime(2026, 3, 17, 8, 0, tzinfo=SHANGHAI),
                    summary="电话告知",
                ),
            ),
            (
                "under_review",
                lambda c: complaint_request_review(
                    complaint=c, actor=h, applied_on=date(2026, 3, 17), note="申请"
                ),
            ),
            (
                "reviewed",
                lambda c: complaint_complete_review(
                    complaint=c, actor=gd_reviewer, result="upheld", text="维持"
                ),
            ),
        ]
        extra = {
            "closed": lambda c: complaint_close(
                complaint=c, actor=h, note="投诉人接受处理结果"
            ),
            "in_mediation": lambda c: complaint_refer_to_mediation(
                complaint=c, actor=h, body="调解中心", referred_on=date(2026, 3, 17)
            ),
        }
        wanted = "notified" if stage in extra else stage
        c = register(h)
        if wanted == "registered":
            return c
        for name, step in steps:
            c = step(c)
            if name == wanted:
                return extra[stage](c) if stage in extra else c
        raise AssertionError(stage)

    return make


CASES = [
    ("accept", "registered", "tianhe_handler", {"note": "材料齐全"}, S.ACCEPTED),
    (
        "route",
        "registered",
        "tianhe_handler",
        {
            "kind": "reclassified",
            "reason": ("route_reason", "not_a_complaint"),
            "note": "属于咨询",
            "item_type": "enquiry",
        },
        S.ROUTED,
    ),
    (
        "assign",
        "accepted",
        "gz_manager",
        {"handler": "tianhe_handler"},
        S.INVESTIGATING,
    ),
    (
        "propose_decision",
        "investigating",
        "tianhe_handler",
        {
            "outcome": "partly",
            "cause": ("cause", "claim_amount"),
            "decision_text": "按定损金额补足差额。",
            "redress_amount": "1200.00",
        },
        S.AWAITING_APPROVAL,
    ),
    (
        "return_for_rework",
        "awaiting_approval",
        "gz_manager",
        {"note": "补证"},
        S.INVESTIGATING,
    ),
    ("approve", "awaiting_approval", "gz_manager", {"note": ""}, S.DECIDED),
    (
        "notify",
        "decided",
        "tianhe_handler",
        {"method": "phone", "occurred_at": NOW, "summary": "电话告知决定及救济途径"},
        S.NOTIFIED,
    ),
    (
        "request_review",
        "notified",
        "tianhe_handler",
        {"applied_on": "2026-03-17", "note": "不服决定"},
        S.UNDER_REVIEW,
    ),
    (
        "complete_review",
        "under_review",
        "gd_reviewer",
        {"result": "upheld", "text": "维持原决定"},
        S.REVIEWED,
    ),
    (
        "notify_review",
        "reviewed",
        "tianhe_handler",
        {"method": "letter", "occurred_at": NOW, "summary": "寄送核查结论"},
        S.CLOSED,
    ),
    (
        "refer_to_mediation",
        "notified",
        "tianhe_handler",
        {"body": "广东保险纠纷调解中心", "referred_on": "2026-03-17"},
        S.IN_MEDIATION,
    ),
    (
        "record_mediation_outcome",
        "in_mediation",
        "tianhe_handler",
        {"outcome": "agreed", "note": "达成调解协议", "redress_amount": "800"},
        S.CLOSED,
    ),
    ("close", "notified", "tianhe_handler", {"note": "复核期满"}, S.CLOSED),
    (
        "withdraw",
        "accepted",
        "tianhe_handler",
        {"received_on": "2026-03-17", "note": "撤回"},
        S.WITHDRAWN,
    ),
    ("archive", "closed", "tianhe_handler", {}, S.ARCHIVED),
]


def resolve(request: Any, data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, tuple):
            value = code(*value).pk
        elif isinstance(value, str) and value.endswith(("_handler", "_manager")):
            value = request.getfixturevalue(value).pk
        out[key] = value
    return out


@pytest.mark.parametrize(("action", "stage", "persona", "data", "target"), CASES)
def test_each_transition_goes_through_its_service(
    client: Any,
    request: Any,
    at: Any,
    action: str,
    stage: str,
    persona: str,
    data: dict[str, Any],
    target: str,
) -> None:
    c = at(stage)
    actor = request.getfixturevalue(persona)
    rows = c.history.count()
    client.force_login(actor)
    response = act(client, c, action, **resolve(request, data))
    assert response.status_code == 302, errors(response)
    assert response.url == f"/admin/complaints/complaint/{c.pk}/change/"
    c.refresh_from_db()
    assert c.status == target
    assert c.history.count() == rows + 1
    assert c.history.latest().history_user == actor


def test_schedule_actions(
    client: Any, at: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = at("accepted")
    client.force_login(tianhe_handler)
    # A posted approver is no part of the form: the request waits for one.
    data = {"level": 1, "reason": "需调取外部材料", "approver": gz_manager.pk}
    assert act(client, c, "extend", **data).status_code == 302
    c.refresh_from_db()
    assert c.extension_level == 0
    req = c.approval_requests.get()
    assert (req.kind, req.status, req.requested_by) == (
        "extension_1",
        "pending",
        tianhe_handler,
    )
    approve(req, gz_manager)
    c.refresh_from_db()
    assert c.extension_level == 1
    assert c.extensions.get().approved_by == gz_manager

    data = {"started_on": "2026-03-17", "body": "某鉴定所", "reason": "伤残鉴定"}
    assert act(client, c, "pause", **data).status_code == 302
    c.refresh_from_db()
    assert c.paused_since == date(2026, 3, 17)
    assert c.history.latest().history_user == tianhe_handler

    assert act(client, c, "resume", ended_on="2026-03-17").status_code == 302
    c.refresh_from_db()
    assert c.paused_since is None


# --- Refusals ------------------------------------------------------------------
def test_approve_by_the_drafter_is_refused(
    client: Any, register: Any, gz_manager: Any
) -> None:
    c = register(gz_manager, institution="GDGZ")
    c = complaint_accept(complaint=c, actor=gz_manager)
    c = complaint_assign(
        complaint=c, actor=gz_manager, handler=gz_manager, declares_no_conflict=True
    )
    c = complaint_propose_decision(
        complaint=c,
        actor=gz_manager,
        outcome="supported",
        decision_text="支持。",
        cause=code("cause", "claim_amount"),
    )
    client.force_login(gz_manager)
    page = client.get(act_url(c, "approve"))
    # Not offered: the reason and who can instead, no live button; a forced
    # POST is still refused by the service.
    shown = page.content.decode()
    assert 'id="refusal"' in shown
    assert 'id="perform"' not in shown
    response = act(client, c, "approve", note="")
    assert response.status_code == 200
    assert errors(response) == [translated(response, E.FOUR_EYES)]
    c.refresh_from_db()
    assert c.status == S.AWAITING_APPROVAL
    assert c.approved_by is None


def test_assigning_a_recused_handler_is_refused(
    client: Any, at: Any, tianhe_handler: Any
) -> None:
    c = at("accepted")
    recusal_declare(
        complaint=c, actor=tianhe_handler, user=tianhe_handler, reason="亲属"
    )
    client.force_login(tianhe_handler)
    response = act(
        client, c, "assign", handler=tianhe_handler.pk, declares_no_conflict="on"
    )
    assert response.status_code == 200
    message = translated(response, E.HANDLER_RECUSED) % {
        "user": person_name(tianhe_handler),
        "institution": c.institution,
    }
    assert response.context["form"].errors["handler"] == [message]
    c.refresh_from_db()
    assert c.status == S.ACCEPTED
    assert c.handler is None


def test_wrong_role_is_refused(client: Any, at: Any, tianhe_handler: Any) -> None:
    c = at("awaiting_approval")
    client.force_login(tianhe_handler)
    response = act(client, c, "approve", note="")
    assert errors(response) == [translated(response, P.NOT_ALLOWED)]
    c.refresh_from_db()
    assert c.status == S.AWAITING_APPROVAL


def test_missing_input_is_a_form_error_not_a_500(
    client: Any, at: Any, tianhe_handler: Any
) -> None:
    c = at("registered")
    client.force_login(tianhe_handler)
    response = act(client, c, "decline", note="")
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    response = act(
        client,
        c,
        "route",
        kind="merged",
        note="重复",
        reason=code("route_reason", "merged").pk,
        merged_into="TS2099-999999",
    )
    assert "merged_into" in response.context["form"].errors
    c.refresh_from_db()
    assert c.status == S.REGISTERED


def test_stale_version_gives_the_stale_message(
    client: Any, at: Any, tianhe_handler: Any, gz_handler: Any
) -> None:
    c = at("registered")
    client.force_login(tianhe_handler)
    version = client.get(act_url(c, "accept")).context["form"]["version"].value()
    pause_version = client.get(act_url(c, "pause")).context["form"]["version"].value()
    complaint_pause(
        complaint=c,
        actor=gz_handler,
        started_on=date(2026, 3, 17),
        body="鉴定所",
        reason="鉴定",
    )
    response = client.post(act_url(c, "accept"), {"version": version, "note": ""})
    assert response.status_code == 200
    assert errors(response) == [translated(response, E.STALE)]
    c.refresh_from_db()
    assert c.status == S.REGISTERED

    # A service without expected_version is guarded by the lock taken here.
    response = client.post(
        act_url(c, "resume"), {"version": pause_version, "ended_on": "2026-03-17"}
    )
    assert errors(response) == [translated(response, E.STALE)]
    c.refresh_from_db()
    assert c.paused_since is not None
    response = client.post(act_url(c, "accept"), {"version": "garbage", "note": ""})
    assert errors(response) == [translated(response, E.STALE)]


def test_action_pages_out_of_scope_answer_404(
    client: Any, at: Any, xihu_handler: Any, tianhe_handler: Any
) -> None:
    c = at("registered")
    client.force_login(xihu_handler)
    assert client.get(act_url(c, "accept")).status_code == 404
    assert client.post(act_url(c, "accept"), {"version": "x"}).status_code == 404
    missing = client.get("/admin/complaints/complaint/999999/act/accept/")
    assert missing.status_code == 404
    client.force_login(tianhe_handler)
    assert client.get(act_url(c, "explode")).status_code == 404
    c.refresh_from_db()
    assert c.status == S.REGISTERED
