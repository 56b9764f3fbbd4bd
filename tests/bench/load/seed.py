"""Accounts and work for the load run, on top of the demo insurer (seed_demo).

One handler account per simulated handler, spread over the eight
sub-branches, and one manager per sub-branch who approves that branch's
decisions (four-eyes: never the drafter). One channel client (the website)
registers through the API at 广州中心支公司.

Each handler starts with three cases on the desk, walked through the
services to different states (accepted ... notified), so every transition
happens from the first minute of the run.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from complaints import services
from complaints.models import Code, Complaint
from intake.services import client_create
from organisations.models import Institution, Membership
from organisations.services import membership_grant
from sampledata.organisation import DEMO_PASSWORD

SUB_BRANCHES = [
    "GDGZTH",
    "GDGZYX",
    "GDFSCC",
    "GDFSNH",
    "ZJHZXH",
    "ZJHZYH",
    "ZJNBYZ",
    "ZJNBHS",
]
API_INSTITUTION = "GDGZ"
API_TARGETS = ["GDGZTH", "GDGZYX"]
DESK_CHANNELS = ["hotline", "visit", "letter", "email", "wechat", "app"]
# How far a handler's starting cases have come: three consecutive states of
# this cycle, shifted per handler, so all of them are equally represented.
DESK_STATES = ["accepted", "investigating", "awaiting_approval", "decided", "notified"]
DESK_CASES = 3


def _account(username: str, name: str, password_hash: str) -> Any:
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": name, "is_staff": True, "password": password_hash},
    )
    return user


def seed_load(users: int) -> dict[str, Any]:
    """Create the accounts and the channel client; return what the driver needs."""
    # One hash for all: hashing 60 passwords one by one costs a minute of CPU.
    password_hash = make_password(DEMO_PASSWORD)
    institutions = {i.code: i for i in Institution.objects.all()}
    approvers = {}
    for code in SUB_BRANCHES:
        user = _account(f"load_manager_{code.lower()}", f"经理{code}", password_hash)
        membership_grant(
            user=user, institution=institutions[code], role=Membership.Role.MANAGER
        )
        approvers[code] = user
    handlers = []
    for index in range(users):
        code = SUB_BRANCHES[index % len(SUB_BRANCHES)]
        user = _account(f"load_handler_{index:02d}", f"经办{index:02d}", password_hash)
        membership_grant(
            user=user, institution=institutions[code], role=Membership.Role.HANDLER
        )
        handlers.append((user, approvers[code], institutions[code]))
    codes = Code.objects.filter(is_active=True)
    desks = [
        [
            _desk_case(
                codes,
                index,
                k,
                handler,
                approver,
                institution,
                DESK_STATES[(index + k) % len(DESK_STATES)],
            )
            for k in range(DESK_CASES)
        ]
        for index, (handler, approver, institution) in enumerate(handlers)
    ]
    client, token = client_create(
        name="官网投诉入口（压测）",
        channel=codes.get(kind=Code.Kind.CHANNEL, code="website"),
        institution=institutions[API_INSTITUTION],
    )
    return {
        "handlers": [
            (h.username, h.pk, a.username, a.pk, i.pk) for h, a, i in handlers
        ],
        "desks": desks,
        "desk_channels": [
            str(c.pk)
            for c in codes.filter(kind=Code.Kind.CHANNEL, code__in=DESK_CHANNELS)
        ],
        "product_lines": [str(c.pk) for c in codes.filter(kind=Code.Kind.PRODUCT_LINE)],
        "categories": [str(c.pk) for c in codes.filter(kind=Code.Kind.CATEGORY)],
        "api_client_pk": client.pk,
        "api_channel_pk": client.channel_id,
        "api_token": token,
        "api_institutions": API_TARGETS,
        "api_institution_pks": {institutions[c].pk for c in API_TARGETS},
    }


def _desk_case(
    codes: Any,
    index: int,
    k: int,
    handler: Any,
    approver: Any,
    institution: Institution,
    status: str,
) -> dict[str, Any]:
    """A complaint walked through the services up to `status`, and the steps
    taken (action, username) for the ledger."""
    c = services.complaint_register(
        actor=handler,
        institution=institution,
        channel=codes.get(kind=Code.Kind.CHANNEL, code="hotline"),
        complainant_name=f"在办{index:02d}号客户{k}",
        phone=f"16{index:02d}{k:07d}",  # a valid mobile number, unique per row
        product_line=codes.get(kind=Code.Kind.PRODUCT_LINE, code="motor"),
        category=codes.get(kind=Code.Kind.CATEGORY, code="claims"),
        request="要求按定损金额赔付。",
        facts="理赔金额低于定损金额。",
    )
    reached = DESK_STATES[: DESK_STATES.index(status) + 1]
    c = services.complaint_accept(complaint=c, actor=handler)
    steps = [("accept", handler)]
    if "investigating" in reached:
        c = services.complaint_assign(
            complaint=c, actor=handler, handler=handler, declares_no_conflict=True
        )
        steps.append(("assign", handler))
    if "awaiting_approval" in reached:
        c = services.complaint_propose_decision(
            complaint=c,
            actor=handler,
            outcome=Complaint.Outcome.PARTLY,
            decision_text="部分支持，按定损金额补足差额。",
            cause=codes.get(kind=Code.Kind.CAUSE, code="claim_amount"),
        )
        steps.append(("propose_decision", handler))
    if status in {"decided", "notified"}:
        c = services.complaint_approve(complaint=c, actor=approver)
        steps.append(("approve", approver))
    if status == "notified":
        c = services.complaint_notify_decision(
            complaint=c,
            actor=handler,
            method="phone",
            occurred_at=timezone.now(),
            summary="电话告知处理决定及救济途径。",
        )
        steps.append(("notify", handler))
    return {
        "pk": c.pk,
        "number": c.number,
        "status": c.status,
        "phone": c.phone,
        "steps": [(action, user.username) for action, user in steps],
    }
