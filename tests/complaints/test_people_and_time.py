"""Rules that bind people and time (issue 14 points 3-5), through the services
and the admin's action pages: a conflicted person takes no action, the review
(核查) is independent, dates of real events are evidence, a withdrawn or
archived case takes nothing more. Each refusal leaves nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services as svc
from complaints.models import (
    ApprovalRequest,
    Attachment,
    Complaint,
    Correspondence,
    Extension,
    Notification,
    Pause,
    Recusal,
)
from complaints.services.schedule import PAUSE_UNTOLD
from complaints.workbench.selectors import person_name
from organisations.models import Membership
from organisations.services import membership_grant
from tests.complaints.conftest import SHANGHAI, code
from tests.complaints.test_services_transitions import CALLS, STEP_AT

pytestmark = pytest.mark.django_db
S = Complaint.Status
R = Membership.Role


def trace(c: Complaint) -> tuple[Any, ...]:
    """Everything a refused act could have written about `c`."""
    c.refresh_from_db()
    return (
        c.status,
        c.updated_at,
        c.history.count(),
        Correspondence.objects.filter(complaint=c).count(),
        Attachment.objects.filter(complaint=c).count(),
        Extension.objects.filter(complaint=c).count(),
        Pause.objects.filter(complaint=c).count(),
        Recusal.objects.filter(complaint=c).count(),
        Notification.objects.filter(complaint=c).count(),
    )


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("x.pdf", b"%PDF-1.4 test", content_type="application/pdf")


NOW = lambda: timezone.now()  # noqa: E731

# Every act a person can take on an accepted case, by the actor `a`.
ACTS: dict[str, Callable[[Complaint, Any, Any], Any]] = {
    "withdraw": lambda c, a, m: svc.complaint_withdraw(
        complaint=c, actor=a, received_on=date(2026, 3, 20), note="撤回"
    ),
    "route": lambda c, a, m: svc.complaint_route(
        complaint=c,
        actor=a,
        kind="forwarded",
        reason=code("route_reason", "forwarded"),
        note="转他司",
        forwarded_to="华信财产保险股份有限公司广东分公司",
    ),
    "extend": lambda c, a, m: svc.complaint_extend(
        complaint=c, actor=a, level=1, reason="需要调查"
    ),
    "pause": lambda c, a, m: svc.complaint_pause(
        complaint=c,
        actor=a,
        started_on=date(2026, 3, 10),
        body="鉴定机构",
        reason="伤残鉴定",
    ),
    "correspondence": lambda c, a, m: svc.correspondence_record(
        complaint=c,
        actor=a,
        direction="out",
        method="phone",
        occurred_at=datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI),
        summary="电话沟通",
    ),
    "attachment": lambda c, a, m: svc.attachment_add(
        complaint=c, actor=a, upload=pdf(), kind="evidence"
    ),
    "recuse_other": lambda c, a, m: svc.recusal_declare(
        complaint=c, actor=a, user=m, reason="亲属"
    ),
}


def conflicted(kind: str, register: Any, persona: Any) -> tuple[Complaint, Any]:
    """An accepted 天河 complaint and gz_manager, conflicted in it by `kind`."""
    h, m = persona("tianhe_handler"), persona("gz_manager")
    fields: dict[str, Any] = {}
    if kind == "subject":
        fields = {"subject_staff_user": m, "subject_staff": "某员工"}
    if kind == "named":  # no staff record linked: matched on the name given
        fields = {"subject_staff": person_name(m)}
    c = CALLS["accept"](register(h, **fields), h)
    if kind == "recused":
        svc.recusal_declare(complaint=c, actor=m, user=m, reason="投诉人系亲属")
    return c, m


@pytest.mark.parametrize("kind", ["recused", "subject", "named"])
@pytest.mark.parametrize("act", list(ACTS))
def test_a_conflicted_person_takes_no_action(
    register: Any, persona: Any, kind: str, act: str
) -> None:
    c, m = conflicted(kind, register, persona)
    before = trace(c)
    with pytest.raises(PermissionDenied) as refused:
        ACTS[act](c, m, persona("gd_manager"))
    message = str(refused.value)
    assert message.startswith(person_name(m))
    assert "回避" in message
    assert "acts instead" in message
    assert trace(c) == before


WITHIN_THE_LIMIT = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("kind", ["recused", "subject", "named"])
@time_machine.travel(WITHIN_THE_LIMIT, tick=False)
def test_a_conflicted_manager_approves_nothing(
    register: Any, persona: Any, kind: str
) -> None:
    c, m = conflicted(kind, register, persona)
    req = ACTS["extend"](c, persona("tianhe_handler"), None)
    before = (trace(c), ApprovalRequest.objects.get(pk=req.pk).status)
    with pytest.raises(PermissionDenied) as refused:
        svc.approval_decide(request=req, actor=m, approve=True, note="同意")
    assert str(refused.value).startswith(person_name(m))
    assert "回避" in str(refused.value)
    assert (trace(c), ApprovalRequest.objects.get(pk=req.pk).status) == before
    # An unconflicted manager approves it.
    svc.approval_decide(
        request=req, actor=persona("gd_manager"), approve=True, note="同意"
    )
    assert Complaint.objects.get(pk=c.pk).extension_level == 1


@time_machine.travel(WITHIN_THE_LIMIT, tick=False)
def test_approvals_of_an_archived_case_file_are_frozen(at: Any, persona: Any) -> None:
    h = persona("tianhe_handler")
    c = at(S.ACCEPTED)
    req = ACTS["extend"](c, h, None)
    c = svc.complaint_withdraw(
        complaint=c, actor=h, received_on=date(2026, 3, 9), note="撤回"
    )
    c = svc.complaint_archive(complaint=c, actor=h)
    before = (trace(c), ApprovalRequest.objects.get(pk=req.pk).status)
    with pytest.raises(ValidationError) as refused:
        svc.approval_decide(
            request=req, actor=persona("gz_manager"), approve=False, note="驳回"
        )
    assert "archived complaint is closed" in refused.value.messages[0]
    assert (trace(c), ApprovalRequest.objects.get(pk=req.pk).status) == before


def test_a_conflicted_person_still_steps_aside_and_others_act(
    register: Any, persona: Any
) -> None:
    c, m = conflicted("subject", register, persona)
    svc.recusal_declare(complaint=c, actor=m, user=m, reason="本人被投诉")
    assert Recusal.objects.filter(complaint=c, user=m).exists()
    ACTS["correspondence"](c, persona("tianhe_handler"), None)


def test_admin_refuses_a_conflicted_person_and_writes_nothing(
    client: Any, register: Any, persona: Any
) -> None:
    from tests.complaints.test_admin_transitions import act, errors

    c, m = conflicted("recused", register, persona)
    before = trace(c)
    client.force_login(m)
    response = act(
        client,
        c,
        "correspondence",
        direction="out",
        method="phone",
        occurred_at="2026-03-10 10:00",
        summary="电话沟通",
    )
    assert response.status_code == 200
    assert any("回避" in e for e in errors(response))
    response = act(client, c, "withdraw", received_on="2026-03-20", note="撤回")
    assert any("回避" in e for e in errors(response))
    assert trace(c) == before


# --- Review (核查) is independent ----------------------------------------
def _to_review(
    c: Complaint, h: Any, approver: Any, *, rework_by: Any = None
) -> Complaint:
    c = CALLS["assign"](CALLS["accept"](c, h), h)
    with time_machine.travel(STEP_AT["approve"]):
        c = CALLS["propose_decision"](c, h)
        if rework_by is not None:
            c = svc.complaint_return_for_rework(
                complaint=c, actor=rework_by, note="补充"
            )
            c = CALLS["propose_decision"](c, h)
        c = CALLS["approve"](c, approver)
    return CALLS["request_review"](CALLS["notify"](c, h), h)


@pytest.mark.parametrize("role", ["registered", "notified", "returned_for_rework"])
def test_whoever_acted_on_the_case_does_not_decide_its_review(
    register: Any, persona: Any, make_member: Any, tree: Any, role: str
) -> None:
    h, m = persona("tianhe_handler"), persona("gz_manager")
    insider = make_member("gd_insider", R.REVIEWER, "GD")
    membership_grant(user=insider, institution=tree["GD"], role=R.MANAGER)
    c = register(insider if role == "registered" else h)
    if role == "notified":
        c = CALLS["assign"](CALLS["accept"](c, h), h)
        with time_machine.travel(STEP_AT["approve"]):
            c = CALLS["approve"](CALLS["propose_decision"](c, h), m)
        c = CALLS["request_review"](CALLS["notify"](c, insider), h)
    else:
        rework = insider if role == "returned_for_rework" else None
        c = _to_review(c, h, m, rework_by=rework)
    before = trace(c)
    with pytest.raises(PermissionDenied) as refused:
        CALLS["complete_review"](c, insider)
    assert "may not decide its review (核查)" in str(refused.value)
    assert trace(c) == before
    assert CALLS["complete_review"](c, persona("gd_reviewer")).status == S.REVIEWED


def test_nobody_at_the_deciding_institution_decides_the_review(
    register: Any, persona: Any, make_member: Any, tree: Any
) -> None:
    h, m = persona("tianhe_handler"), persona("gz_manager")
    colleague = make_member("th_colleague", R.HANDLER, "GDGZTH")
    membership_grant(user=colleague, institution=tree["GD"], role=R.REVIEWER)
    c = _to_review(register(h), h, m)
    before = trace(c)
    with pytest.raises(PermissionDenied) as refused:
        CALLS["complete_review"](c, colleague)
    assert "which decided the case" in str(refused.value)
    assert trace(c) == before


def test_admin_refuses_a_reviewer_who_acted(
    client: Any, register: Any, persona: Any, make_member: Any, tree: Any
) -> None:
    from tests.complaints.test_admin_transitions import act, errors

    h = persona("tianhe_handler")
    insider = make_member("gd_insider", R.REVIEWER, "GD")
    membership_grant(user=insider, institution=tree["GD"], role=R.MANAGER)
    c = _to_review(register(h), h, insider)
    before = trace(c)
    client.force_login(insider)
    response = act(client, c, "complete_review", result="upheld", text="维持")
    assert any("may not decide its review" in e for e in errors(response))
    assert trace(c) == before


# --- Time is evidence -----------------------------------------------------------------
def _future() -> datetime:
    return timezone.now() + timedelta(days=100)


def test_no_complaint_is_received_in_the_future(register: Any, persona: Any) -> None:
    count = Complaint.objects.count()
    with pytest.raises(ValidationError) as refused:
        register(persona("tianhe_handler"), received_at=_future())
    assert "cannot be in the future" in refused.value.message_dict["received_at"][0]
    assert Complaint.objects.count() == count


FUTURE_ACTS: dict[str, tuple[str, str, Callable[[Complaint, Any], Any]]] = {
    "pause": (
        S.ACCEPTED,
        "started_on",
        lambda c, a: svc.complaint_pause(
            complaint=c,
            actor=a,
            started_on=timezone.localdate() + timedelta(days=200),
            body="鉴定",
            reason="鉴定",
        ),
    ),
    "new_facts": (
        S.ACCEPTED,
        "occurred_at",
        lambda c, a: svc.correspondence_record(
            complaint=c,
            actor=a,
            direction="in",
            method="letter",
            occurred_at=_future(),
            summary="补充材料",
            new_facts=True,
        ),
    ),
    "withdraw": (
        S.ACCEPTED,
        "received_on",
        lambda c, a: svc.complaint_withdraw(
            complaint=c,
            actor=a,
            received_on=timezone.localdate() + timedelta(days=45),
            note="撤回",
        ),
    ),
    "notify": (
        S.DECIDED,
        "occurred_at",
        lambda c, a: svc.complaint_notify_decision(
            complaint=c, actor=a, method="phone", occurred_at=_future(), summary="告知"
        ),
    ),
    "redress": (
        S.NOTIFIED,
        "redress_paid_on",
        lambda c, a: svc.complaint_record_redress(
            complaint=c,
            actor=a,
            amount=100,
            paid_on=timezone.localdate() + timedelta(days=3),
            method="bank_transfer",
        ),
    ),
    "callback": (
        S.CLOSED,
        "callback_at",
        lambda c, a: svc.complaint_record_callback(
            complaint=c, actor=a, satisfaction=5, occurred_at=_future(), note="满意"
        ),
    ),
}


@pytest.mark.parametrize("act", list(FUTURE_ACTS))
def test_no_act_is_dated_in_the_future(at: Any, persona: Any, act: str) -> None:
    status, field, call = FUTURE_ACTS[act]
    c = at(status)
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        call(c, persona("tianhe_handler"))
    assert "cannot be in the future" in refused.value.message_dict[field][0]
    assert trace(c) == before


def test_a_resumption_is_not_dated_in_the_future(at: Any, persona: Any) -> None:
    h = persona("tianhe_handler")
    c = at(S.ACCEPTED)
    svc.complaint_pause(
        complaint=c, actor=h, started_on=date(2026, 3, 10), body="鉴定", reason="鉴定"
    )
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        svc.complaint_resume(
            complaint=c, actor=h, ended_on=timezone.localdate() + timedelta(days=200)
        )
    assert "cannot be in the future" in refused.value.message_dict["ended_on"][0]
    assert trace(c) == before


def test_nothing_is_dated_before_the_receipt(at: Any, persona: Any) -> None:
    c = at(S.ACCEPTED)
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        svc.correspondence_record(
            complaint=c,
            actor=persona("tianhe_handler"),
            direction="in",
            method="letter",
            occurred_at=datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI),
            summary="来信",
        )
    assert (
        "before the complaint was received (2026-03-06)"
        in (refused.value.message_dict["occurred_at"][0])
    )
    assert trace(c) == before


def test_a_notice_is_never_dated_before_its_decision(at: Any, persona: Any) -> None:
    c = at(S.DECIDED)  # decided on 2026-03-16
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        svc.complaint_notify_decision(
            complaint=c,
            actor=persona("tianhe_handler"),
            method="phone",
            occurred_at=datetime(2026, 3, 7, 9, 0, tzinfo=SHANGHAI),
            summary="告知",
        )
    message = refused.value.message_dict["occurred_at"][0]
    assert "before the decision (2026-03-16)" in message
    assert trace(c) == before


def test_admin_refuses_a_future_pause_with_the_field_message(
    client: Any, at: Any, persona: Any
) -> None:
    from tests.complaints.test_admin_transitions import act

    c = at(S.ACCEPTED)
    before = trace(c)
    client.force_login(persona("tianhe_handler"))
    day = (timezone.localdate() + timedelta(days=200)).isoformat()
    response = act(client, c, "pause", started_on=day, body="鉴定", reason="鉴定")
    assert response.status_code == 200
    assert "cannot be in the future" in response.context["form"].errors["started_on"][0]
    assert trace(c) == before


FUTURE_FORMS: dict[str, tuple[str, str, Callable[[], dict[str, Any]]]] = {
    "withdraw": (
        S.ACCEPTED,
        "received_on",
        lambda: {
            "received_on": (timezone.localdate() + timedelta(days=45)).isoformat(),
            "note": "撤回",
        },
    ),
    "correspondence": (
        S.ACCEPTED,
        "occurred_at",
        lambda: {
            "direction": "in",
            "method": "letter",
            "occurred_at": (timezone.localtime() + timedelta(days=120)).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "summary": "补充材料",
            "new_facts": "on",
        },
    ),
}


@pytest.mark.parametrize("action", list(FUTURE_FORMS))
def test_admin_refuses_a_future_withdrawal_or_new_facts(
    client: Any, at: Any, persona: Any, action: str
) -> None:
    from tests.complaints.test_admin_transitions import act

    status, field, data = FUTURE_FORMS[action]
    c = at(status)
    before = trace(c)
    client.force_login(persona("tianhe_handler"))
    response = act(client, c, action, **data())
    assert response.status_code == 200
    assert "cannot be in the future" in response.context["form"].errors[field][0]
    assert trace(c) == before


# --- A pause counts only when the complainant is told ---------------------------------
def test_a_pause_needs_a_channel_to_tell_the_complainant(
    register: Any, persona: Any, client: Any
) -> None:
    from tests.complaints.test_admin_transitions import act, errors

    h = persona("tianhe_handler")
    c = CALLS["accept"](register(h, email="", phone="", address=""), h)
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        ACTS["pause"](c, h, None)
    assert refused.value.messages == [str(PAUSE_UNTOLD)]
    client.force_login(h)
    response = act(
        client, c, "pause", started_on="2026-03-10", body="鉴定", reason="鉴定"
    )
    assert str(PAUSE_UNTOLD) in errors(response)
    assert trace(c) == before


# --- Withdrawal ends handling: afterwards only archive --------------------------------
AFTER_WITHDRAWAL = ["correspondence", "attachment", "recuse_other", "extend", "pause"]


@pytest.mark.parametrize("act", AFTER_WITHDRAWAL)
def test_after_a_withdrawal_only_archive(at: Any, persona: Any, act: str) -> None:
    h = persona("tianhe_handler")
    c = at(S.WITHDRAWN)
    before = trace(c)
    with pytest.raises(ValidationError):
        ACTS[act](c, persona("gz_manager"), h)
    assert trace(c) == before
    assert svc.complaint_archive(complaint=c, actor=h).status == S.ARCHIVED


def test_no_resumption_after_a_withdrawal(at: Any, persona: Any) -> None:
    h = persona("tianhe_handler")
    c = at(S.ACCEPTED)
    svc.complaint_pause(
        complaint=c, actor=h, started_on=date(2026, 3, 10), body="鉴定", reason="鉴定"
    )
    c = svc.complaint_withdraw(
        complaint=c, actor=h, received_on=date(2026, 3, 20), note="撤回"
    )
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        svc.complaint_resume(complaint=c, actor=h, ended_on=date(2026, 3, 25))
    assert "withdrew this complaint on 2026-03-20" in refused.value.messages[0]
    assert trace(c) == before


# --- The archived case file is frozen -------------------------------------------------
@pytest.mark.parametrize("act", ["correspondence", "attachment", "recuse_other"])
def test_an_archived_case_file_takes_nothing(at: Any, persona: Any, act: str) -> None:
    c = at(S.ARCHIVED)
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        ACTS[act](c, persona("gz_manager"), persona("gz_handler"))
    assert "archived complaint is closed" in refused.value.messages[0]
    assert trace(c) == before


def test_self_recusal_on_an_archived_case_is_refused(at: Any, persona: Any) -> None:
    c = at(S.ARCHIVED)
    before = trace(c)
    h = persona("tianhe_handler")
    with pytest.raises(ValidationError):
        svc.recusal_declare(complaint=c, actor=h, user=h, reason="亲属")
    assert trace(c) == before


def test_admin_refuses_correspondence_on_an_archived_case(
    client: Any, at: Any, persona: Any
) -> None:
    from tests.complaints.test_admin_transitions import act, errors

    c = at(S.ARCHIVED)
    before = trace(c)
    client.force_login(persona("tianhe_handler"))
    response = act(
        client,
        c,
        "correspondence",
        direction="in",
        method="letter",
        occurred_at="2026-04-01 10:00",
        summary="来信",
    )
    assert any("archived complaint is closed" in e for e in errors(response))
    assert trace(c) == before


# --- New facts restart the limit from the day they were received ----------------------
def test_new_facts_already_in_the_file_restart_from_their_own_day(
    at: Any, persona: Any, client: Any
) -> None:
    from tests.complaints.test_admin_transitions import act

    h = persona("tianhe_handler")
    c = at(S.ACCEPTED)
    entry = svc.correspondence_record(
        complaint=c,
        actor=h,
        direction="in",
        method="email",
        occurred_at=datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI),
        summary="补充了新的定损报告",
    )
    c.refresh_from_db()
    assert c.clock_start == date(2026, 3, 6)
    client.force_login(h)
    response = act(client, c, "new_facts", entry=entry.pk)
    assert response.status_code == 302
    c.refresh_from_db()
    entry.refresh_from_db()
    assert (c.clock_start, entry.new_facts) == (date(2026, 3, 12), True)


def test_marking_new_facts_is_refused_to_a_conflicted_person(
    register: Any, persona: Any
) -> None:
    c, m = conflicted("recused", register, persona)
    entry = svc.correspondence_record(
        complaint=c,
        actor=persona("tianhe_handler"),
        direction="in",
        method="email",
        occurred_at=datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI),
        summary="补充",
    )
    before = trace(c)
    with pytest.raises(PermissionDenied):
        svc.correspondence_mark_new_facts(complaint=c, actor=m, entry=entry)
    assert trace(c) == before


# --- Taking a case is a declaration of no conflict -----------------------------
def test_taking_a_case_records_the_declaration_of_no_conflict(
    at: Any, persona: Any, client: Any
) -> None:
    from tests.complaints.test_admin_transitions import act

    h = persona("tianhe_handler")
    c = at(S.ACCEPTED)
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        svc.complaint_assign(
            complaint=c, actor=h, handler=h, declares_no_conflict=False
        )
    assert "declares_no_conflict" in refused.value.message_dict
    assert trace(c) == before
    client.force_login(h)
    response = act(client, c, "assign", handler=h.pk)
    assert response.status_code == 200
    assert response.context["form"].errors["declares_no_conflict"]
    assert trace(c) == before
    response = act(client, c, "assign", handler=h.pk, declares_no_conflict="on")
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.handler == h
    assert (
        "declared no conflict of interest" in c.history.latest().history_change_reason
    )


def test_a_merged_repeat_with_new_facts_restarts_from_its_own_receipt(
    at: Any, register: Any, persona: Any, client: Any
) -> None:
    """The merge door (DOMAIN.md §3): the repeat joins the open case with its
    deadline kept; when the handler finds it brought new facts, marking its
    entry restarts the limit from the day the repeat was received, not the day
    it was marked, and only on the open case it joined."""
    from tests.complaints.test_admin_transitions import act
    from tests.complaints.test_services_transitions import route

    h = persona("tianhe_handler")
    target = at(S.ACCEPTED)
    with time_machine.travel(datetime(2026, 3, 12, 10, 0, tzinfo=SHANGHAI)):
        repeat = register(
            h,
            request="再次投诉，补充了新的维修发票",
            received_at=datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI),
        )
    with time_machine.travel(datetime(2026, 3, 13, 10, 0, tzinfo=SHANGHAI)):
        route(repeat, h, "merged", merged_into=target)
    target.refresh_from_db()
    assert target.clock_start == date(2026, 3, 6)  # a merge alone keeps it
    entry = target.correspondence.get()
    # The wrong person cannot mark it; nothing is written.
    m = persona("gz_manager")
    svc.recusal_declare(complaint=target, actor=m, user=m, reason="亲属")
    before = trace(target)
    with pytest.raises(PermissionDenied):
        svc.correspondence_mark_new_facts(complaint=target, actor=m, entry=entry)
    assert trace(target) == before
    # Marked on the 16th through the admin: restarts from the 12th.
    with time_machine.travel(datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI)):
        client.force_login(h)
        response = act(client, target, "new_facts", entry=entry.pk)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.clock_start == date(2026, 3, 12)


def test_an_archived_case_file_takes_no_internal_note(at: Any, persona: Any) -> None:
    from complaints.models import InternalNote
    from complaints.services.notices import note_add

    c = at(S.ARCHIVED)
    before = (trace(c), InternalNote.objects.filter(complaint=c).count())
    with pytest.raises(ValidationError) as refused:
        note_add(complaint=c, actor=persona("gz_manager"), text="补记一笔")
    assert "archived complaint is closed" in refused.value.messages[0]
    assert (trace(c), InternalNote.objects.filter(complaint=c).count()) == before
