"""The admin doors of the approval rules: the case page's actions file requests
(no approver is chosen there), the queue lists what each person may decide, and
the request's page decides it through the service. Each refusal is a message
on the page and writes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import translation

from complaints import services as svc
from complaints.models import (
    ApprovalRequest,
    Complaint,
    Extension,
    Notification,
    Routing,
)
from complaints.rules import approvals
from complaints.services import approvals as approval_service
from tests.approval_steps import EXTENSION_REASON
from tests.complaints.conftest import SHANGHAI, code
from tests.complaints.test_admin_transitions import act, errors

pytestmark = pytest.mark.django_db
QUEUE = "/admin/complaints/approvalrequest/"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))


def written(c: Complaint) -> tuple[Any, ...]:
    c = Complaint.objects.get(pk=c.pk)
    return (
        c.status,
        c.extension_level,
        c.history.count(),
        ApprovalRequest.objects.filter(complaint=c).count(),
        Routing.objects.filter(complaint=c).count(),
        Extension.objects.filter(complaint=c).count(),
        Notification.objects.filter(complaint=c).count(),
    )


def page_url(req: ApprovalRequest) -> str:
    return f"{QUEUE}{req.pk}/change/"


def translated(message: Any, **params: Any) -> str:
    with translation.override("en"):
        return str(message % params if params else message)


# --- Filing: decline, route, extend --------------------------------------------
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"note": "事实不清", "checked": "核对"}, "standing_ground"),
        (
            {"standing_ground": "事实不清", "note": "x", "checked": "核对"},
            "standing_ground",
        ),
        ({"standing_ground": "not_the_consumer", "note": "x"}, "checked"),
        (
            {"standing_ground": "no_agency", "note": "x", "checked": "核对"},
            "standing_ground",
        ),
    ],
)
def test_decline_without_the_standing_ground_is_refused(
    client: Any, register: Any, tianhe_handler: Any, data: dict[str, str], field: str
) -> None:
    c = register(tianhe_handler)
    before = written(c)
    client.force_login(tianhe_handler)
    response = act(client, c, "decline", **data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert written(c) == before


def test_decline_files_a_request_for_a_managers_approval(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = register(tianhe_handler)
    client.force_login(tianhe_handler)
    data = {
        "standing_ground": "not_the_consumer",
        "checked": "核对身份证件与保单信息不符",
        "note": "来电人并非投保人",
        "approver": tianhe_handler.pk,  # no such field: nobody is chosen here
    }
    response = act(client, c, "decline", **data)
    assert response.status_code == 302
    req = ApprovalRequest.objects.get(complaint=c)
    assert (req.kind, req.status, req.requested_by) == (
        "decline",
        "pending",
        tianhe_handler,
    )
    assert Complaint.objects.get(pk=c.pk).status == "registered"
    assert approvals.pending_for(gz_manager).get() == req


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "forwarded", "reason": "forwarded"}, "forwarded_to"),
        (
            {"kind": "proceeding", "reason": "proceeding", "forum": "court"},
            "case_number",
        ),
        ({"kind": "forwarded", "reason": "not_consumer"}, "reason"),
        ({"kind": "reclassified", "reason": "not_a_complaint"}, "item_type"),
    ],
)
def test_routing_without_its_target_is_refused(
    client: Any, register: Any, tianhe_handler: Any, data: dict[str, str], field: str
) -> None:
    c = register(tianhe_handler)
    before = written(c)
    client.force_login(tianhe_handler)
    posted = {**data, "reason": code("route_reason", data["reason"]).pk, "note": "转交"}
    response = act(client, c, "route", **posted)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert written(c) == before


def test_routing_for_another_reason_is_filed_for_approval(
    client: Any, register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler)
    client.force_login(tianhe_handler)
    response = act(
        client,
        c,
        "route",
        kind="forwarded",
        reason=code("route_reason", "other").pk,
        note="其他原因",
        forwarded_to="华信财产保险股份有限公司广东分公司",
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=c.pk).status == "registered"
    req = ApprovalRequest.objects.get(complaint=c)
    assert (req.kind, req.routing.forwarded_to) == (
        "route_other",
        "华信财产保险股份有限公司广东分公司",
    )


def test_a_late_extension_request_says_the_case_is_overdue(
    client: Any, time_machine: Any, register: Any, tianhe_handler: Any
) -> None:
    c = svc.complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    time_machine.move_to(datetime(2026, 3, 24, 9, 0, tzinfo=SHANGHAI))
    before = written(c)
    client.force_login(tianhe_handler)
    response = act(client, c, "extend", level=1, reason=EXTENSION_REASON)
    assert response.status_code == 200
    assert errors(response) == [
        translated(approval_service.OVERDUE, due="2026-03-23"),
    ]
    assert written(c) == before


# --- The queue and the decision ------------------------------------------------
@pytest.fixture
def filed(register: Any, tianhe_handler: Any) -> ApprovalRequest:
    c = svc.complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    return svc.complaint_extend(
        complaint=c, actor=tianhe_handler, level=1, reason=EXTENSION_REASON
    )


def test_the_queue_lists_what_each_person_may_decide(
    client: Any,
    filed: ApprovalRequest,
    gz_manager: Any,
    tianhe_handler: Any,
    xihu_handler: Any,
) -> None:
    number = filed.complaint.number
    client.force_login(gz_manager)
    page = client.get(QUEUE)
    assert page.status_code == 200
    assert number in page.content.decode()
    for user in (tianhe_handler, xihu_handler):
        client.force_login(user)
        page = client.get(QUEUE)
        assert number not in page.content.decode()
    client.force_login(tianhe_handler)
    assert number in client.get(QUEUE + "?for=mine").content.decode()
    client.force_login(xihu_handler)
    assert client.get(page_url(filed)).status_code == 404


def test_the_requester_cannot_decide_on_the_page(
    client: Any, filed: ApprovalRequest, tianhe_handler: Any
) -> None:
    before = written(filed.complaint)
    client.force_login(tianhe_handler)
    page = client.get(page_url(filed))
    assert page.context["decide_form"] is None
    who = approvals.WHO_APPROVES[ApprovalRequest.Kind.EXTENSION_1]
    expected = translated(approvals.OWN_REQUEST, who=who)
    assert page.context["problem"] == expected
    response = client.post(page_url(filed), {"note": "同意", "_approve": "1"})
    assert response.status_code == 200
    assert written(filed.complaint) == before
    assert ApprovalRequest.objects.get(pk=filed.pk).status == "pending"


def test_an_ineligible_person_cannot_decide_on_the_page(
    client: Any, filed: ApprovalRequest, gz_handler: Any
) -> None:
    before = written(filed.complaint)
    client.force_login(gz_handler)
    response = client.post(page_url(filed), {"note": "同意", "_approve": "1"})
    assert response.status_code == 200
    assert response.context["problem"]
    assert written(filed.complaint) == before


def test_an_eligible_approver_approves_on_the_page(
    client: Any, filed: ApprovalRequest, gz_manager: Any
) -> None:
    client.force_login(gz_manager)
    response = client.post(page_url(filed), {"note": "", "_approve": "1"})
    assert response.status_code == 200
    assert "note" in response.context["decide_form"].errors
    assert Complaint.objects.get(pk=filed.complaint_id).extension_level == 0
    response = client.post(page_url(filed), {"note": "同意延期", "_approve": "1"})
    assert response.status_code == 302
    c = Complaint.objects.get(pk=filed.complaint_id)
    assert c.extension_level == 1
    assert Extension.objects.get(complaint=c).approved_by == gz_manager
    assert Notification.objects.filter(complaint=c, kind="extension").exists()


def test_a_rejection_on_the_page_goes_back_with_the_reason(
    client: Any, filed: ApprovalRequest, gz_manager: Any
) -> None:
    client.force_login(gz_manager)
    response = client.post(page_url(filed), {"note": "可按期答复", "_reject": "1"})
    assert response.status_code == 302
    req = ApprovalRequest.objects.get(pk=filed.pk)
    assert (req.status, req.decision_note) == ("rejected", "可按期答复")
    assert Complaint.objects.get(pk=filed.complaint_id).extension_level == 0


def test_the_case_page_shows_the_request(
    client: Any, filed: ApprovalRequest, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(f"/admin/complaints/complaint/{filed.complaint_id}/change/")
    assert page_url(filed) in page.content.decode()


# --- The intake API has no door to these steps ---------------------------------
@pytest.mark.parametrize("step", ["extend", "decline", "route", "approvals"])
def test_the_api_offers_no_approval_step(
    client: Any, filed: ApprovalRequest, step: str
) -> None:
    c = filed.complaint
    before = written(c)
    response = client.post(
        f"/api/v1/complaints/{c.number}/{step}/",
        {"level": 1, "reason": "x", "approver": 1},
        content_type="application/json",
    )
    assert response.status_code in (401, 403, 404)
    assert written(c) == before
