"""After the decision: review by the upper level (核查), conflicts of interest of
approvers and reviewers, mediation, withdrawal and archive.

Who may take each transition at all is table-tested in test_services_transitions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from complaints import exceptions as E
from complaints import services as svc
from complaints.exceptions import ComplaintError
from complaints.models import OPEN_STATUSES, Complaint, Notification
from complaints.rules.transitions import ACTION_LABELS
from complaints.services._common import ACTOR_RECUSED
from complaints.workbench.selectors import person_name
from organisations.models import Membership
from organisations.permissions import NotFound
from organisations.services import membership_grant
from tests.approval_steps import approve
from tests.complaints.test_services_transitions import (
    CALLS,
    STEP_AT,
    assert_notice,
    assert_one_change,
)

pytestmark = pytest.mark.django_db
S = Complaint.Status
R = Membership.Role


# --- review (核查) ---------------------------------------------------------------


def test_review_application_goes_to_the_upper_level_with_its_due(
    at: Any, persona: Any
) -> None:
    c = at(S.UNDER_REVIEW)
    assert c.review_institution.code == "GDGZ"
    # applied 2026-03-25 + 30 days = Fri 2026-04-24
    assert (c.review_applied_on, c.review_due) == (date(2026, 3, 25), date(2026, 4, 24))
    body = Notification.objects.filter(complaint=c, kind="review_received").first().body
    assert "2026-04-24" in body
    assert "广州中心支公司" in body


def test_late_review_application_needs_a_reason(at: Any, persona: Any) -> None:
    c, h = at(S.NOTIFIED), persona("tianhe_handler")
    late = {
        "complaint": c,
        "actor": h,
        "applied_on": date(2026, 4, 30),
        "note": "申请核查",
    }
    with pytest.raises(ComplaintError) as exc:  # window ended 2026-04-17
        svc.complaint_request_review(**late)
    message = E.REVIEW_LATE % {"days": 30}
    assert exc.value.message_dict == {"late_reason": [message]}
    c = svc.complaint_request_review(**late, late_reason="投诉人住院，提供了住院证明")
    assert c.review_due == date(2026, 6, 1)  # 05-31 is a Sunday
    assert "住院" in c.history.latest().history_change_reason


def test_no_review_above_head_office(register: Any, persona: Any) -> None:
    ho = persona("make_member")("ho_handler", R.HANDLER, "HO")
    c = register(ho, institution="HO")
    for action in ("accept", "assign", "propose_decision"):
        c = CALLS[action](c, ho)
    with time_machine.travel(STEP_AT["approve"]):
        c = CALLS["approve"](c, persona("senior"))
    c = CALLS["notify"](c, ho)
    assert "申请核查" not in Notification.objects.filter(kind="decision")[0].body
    with pytest.raises(NotFound):  # outside the scope: not even the reason
        CALLS["request_review"](c, persona("xihu_handler"))
    with pytest.raises(ComplaintError) as exc:
        CALLS["request_review"](c, ho)
    assert exc.value.messages == [str(E.NO_UPPER_LEVEL)]
    c.refresh_from_db()
    assert c.status == S.NOTIFIED


def test_review_decided_by_the_upper_level(at: Any, persona: Any) -> None:
    c = at(S.REVIEWED)
    assert (c.reviewer, c.review_result) == (persona("gd_reviewer"), "upheld")
    assert c.reviewed_at is not None


@pytest.mark.parametrize("involvement", ["handler", "approver", "former_handler"])
def test_reviewer_who_took_part_is_refused(
    register: Any, persona: Any, involvement: str
) -> None:
    make, tree = persona("make_member"), persona("tree")
    h, m = persona("tianhe_handler"), persona("gz_manager")
    if involvement == "approver":
        insider = m
    else:
        insider = make("th_reviewer", R.HANDLER, "GDGZTH")
    membership_grant(user=insider, institution=tree["GD"], role=R.REVIEWER)
    c = CALLS["accept"](register(h), h)
    if involvement != "approver":
        c = CALLS["assign"](c, insider)
    if involvement != "handler":
        c = svc.complaint_assign(complaint=c, actor=m, handler=h)
    drafter = insider if involvement == "handler" else h
    with time_machine.travel(STEP_AT["approve"]):
        c = CALLS["approve"](CALLS["propose_decision"](c, drafter), m)
    c = CALLS["request_review"](CALLS["notify"](c, h), h)

    with pytest.raises(PermissionDenied) as exc:
        CALLS["complete_review"](c, insider)
    assert str(exc.value).startswith(f"{person_name(insider)} acted on this case (")
    assert "may not decide its review (核查)" in str(exc.value)
    assert CALLS["complete_review"](c, persona("gd_reviewer")).status == S.REVIEWED


def test_a_recused_reviewer_cannot_review(at: Any, persona: Any) -> None:
    c, reviewer = at(S.UNDER_REVIEW), persona("gd_reviewer")
    svc.recusal_declare(complaint=c, actor=reviewer, user=reviewer, reason="同学关系")
    with pytest.raises(PermissionDenied) as exc:
        CALLS["complete_review"](c, reviewer)
    assert str(exc.value) == ACTOR_RECUSED % {
        "user": person_name(reviewer),
        "action": ACTION_LABELS["complete_review"],
        "institution": c.institution,
    }


def test_reviewer_not_at_the_upper_level_is_refused(at: Any, persona: Any) -> None:
    make = persona("make_member")
    c = at(S.UNDER_REVIEW)
    same_branch = make("th_reviewer", R.REVIEWER, "GDGZTH")
    with pytest.raises(PermissionDenied) as exc:
        CALLS["complete_review"](c, same_branch)
    assert str(exc.value) == str(
        E.REVIEWER_NOT_UPPER % {"institution": c.review_institution}
    )
    with pytest.raises(NotFound):  # the upper level's sibling does not even see it
        CALLS["complete_review"](c, make("fs_reviewer", R.REVIEWER, "GDFS"))


def test_review_notice_closes_the_case(at: Any, persona: Any) -> None:
    c = at(S.REVIEWED)
    c = CALLS["notify_review"](c, persona("gd_reviewer"))
    assert c.status == S.CLOSED
    assert c.closed_at is not None
    entry = c.correspondence.get(method="letter")
    assert entry.is_notice
    assert entry.recorded_by == persona("gd_reviewer")
    body = Notification.objects.filter(complaint=c, kind="review_decision")[0].body
    assert c.review_text in body
    assert "广州中心支公司" in body


# --- mediation -------------------------------------------------------------------


def test_mediation_after_review_and_agreed_outcome(at: Any, persona: Any) -> None:
    h = persona("tianhe_handler")
    c = CALLS["refer_to_mediation"](at(S.REVIEWED), h)
    assert (c.status, c.mediation_referred_on) == (S.IN_MEDIATION, date(2026, 3, 26))
    body = Notification.objects.filter(complaint=c, kind="mediation")[0].body
    assert "广东保险纠纷调解中心" in body
    assert "2026-03-26" in body
    c = CALLS["record_mediation_outcome"](c, h)
    assert (c.status, c.outcome, c.mediation_outcome) == (
        S.CLOSED,
        "mediated",
        "agreed",
    )
    assert c.redress_amount == Decimal("3000.00")


def test_declining_mediation_needs_compliance_approval(at: Any, persona: Any) -> None:
    c, h = at(S.IN_MEDIATION), persona("tianhe_handler")
    req = svc.complaint_record_mediation_outcome(
        complaint=c, actor=h, outcome="declined", note="调解机构无管辖"
    )
    assert Complaint.objects.get(pk=c.pk).status == S.IN_MEDIATION
    for who in ("gz_manager", "tianhe_handler"):
        with pytest.raises(PermissionDenied):
            approve(req, persona(who))
    c = approve(req, persona("ho_compliance"))
    assert (c.status, c.mediation_outcome, c.outcome) == (
        S.CLOSED,
        "declined",
        "partly",
    )


# --- withdrawal and archive ------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        S.REGISTERED,
        S.INVESTIGATING,
        S.DECIDED,
        S.NOTIFIED,
        S.UNDER_REVIEW,
        S.IN_MEDIATION,
    ],
)
def test_withdrawal_ends_handling_on_the_day_received(
    at: Any, persona: Any, status: str
) -> None:
    c, h = at(status), persona("gz_handler")
    before = c.history.count()
    c = svc.complaint_withdraw(
        complaint=c, actor=h, received_on=date(2026, 3, 30), note="投诉人书面撤回"
    )
    assert (c.status, c.outcome, c.withdrawn_on) == (
        S.WITHDRAWN,
        "withdrawn",
        date(2026, 3, 30),
    )
    assert not c.is_open
    assert c.closed_at is not None
    assert not Complaint.objects.filter(pk=c.pk, status__in=OPEN_STATUSES).exists()
    assert_one_change(c, before, h, S.WITHDRAWN)
    assert_notice(c, "withdrawal")
    body = Notification.objects.filter(complaint=c, kind="withdrawal")[0].body
    assert "2026-03-30" in body


def test_withdrawal_date_and_note_are_checked(at: Any, persona: Any) -> None:
    c, h = at(S.ACCEPTED), persona("tianhe_handler")
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_withdraw(
            complaint=c, actor=h, received_on=date(2026, 3, 5), note="撤回"
        )
    assert exc.value.message_dict == {"received_on": [str(E.WITHDRAWAL_DATE)]}
    with pytest.raises(ComplaintError):
        svc.complaint_withdraw(
            complaint=c, actor=h, received_on=date(2026, 3, 9), note=""
        )


@pytest.mark.parametrize("status", [S.CLOSED, S.DECLINED, S.ROUTED, S.WITHDRAWN])
def test_archive_from_every_ended_state(at: Any, persona: Any, status: str) -> None:
    c, h = at(status), persona("tianhe_handler")
    before = c.history.count()
    c = CALLS["archive"](c, h)
    assert c.status == S.ARCHIVED
    assert c.archived_at is not None
    assert_one_change(c, before, h, S.ARCHIVED)


def test_closing_inside_the_review_window_needs_the_complainants_acceptance(
    at: Callable[..., Complaint], persona: Any
) -> None:
    """Measures art. 20: a silent early close would take away the right to review."""
    handler = persona("tianhe_handler")
    c = svc.complaint_notify_decision(
        complaint=at(S.DECIDED),
        actor=handler,
        method="phone",
        occurred_at=timezone.now(),
        summary="电话告知处理结果及救济途径",
    )
    before = c.history.count()
    with pytest.raises(ComplaintError) as info:
        svc.complaint_close(complaint=c, actor=handler)
    assert "note" in info.value.message_dict
    assert Complaint.objects.get(pk=c.pk).history.count() == before

    closed = svc.complaint_close(complaint=c, actor=handler, note="投诉人表示接受")
    assert closed.status == S.CLOSED
