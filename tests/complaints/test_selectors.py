"""Reads of the workbench: duplicates, my work, deadlines as shown, masking."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from complaints.models import Complaint
from complaints.services import (
    complaint_accept,
    complaint_approve,
    complaint_assign,
    complaint_close,
    complaint_notify_decision,
    complaint_pause,
    complaint_propose_decision,
    complaint_request_review,
)
from complaints.timing.deadlines import DictCalendar
from complaints.workbench import selectors
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db
S = Complaint.Status
CAL_2026 = DictCalendar([2026])


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))


def drafted(c: Complaint, handler: Any) -> Complaint:
    c = complaint_accept(complaint=c, actor=handler)
    c = complaint_assign(
        complaint=c, actor=handler, handler=handler, declares_no_conflict=True
    )
    return complaint_propose_decision(
        complaint=c,
        actor=handler,
        outcome=Complaint.Outcome.NOT_SUPPORTED,
        decision_text="经核实，理赔金额符合合同约定。",
        cause=code("cause", "claim_amount"),
    )


# --- Possible duplicates ------------------------------------------------------
def test_duplicates_match_any_of_id_phone_policy(
    register: Any, tianhe_handler: Any
) -> None:
    by_id = register(tianhe_handler, phone="", policy_number="")
    by_phone = register(tianhe_handler, id_number="", policy_number="")
    by_policy = register(tianhe_handler, id_number="", phone="")
    register(
        tianhe_handler,
        id_number="110101198001010010",
        phone="020-87654321",
        policy_number="P-OTHER",
    )

    found = selectors.complaint_possible_duplicates(
        user=tianhe_handler,
        id_number="440106199001011235",
        phone="13800138000",
        policy_number="PDAA202644010000001234",
    )
    assert set(found) == {by_id, by_phone, by_policy}
    only_id = selectors.complaint_possible_duplicates(
        user=tianhe_handler, id_number="440106199001011235"
    )
    assert list(only_id) == [by_id]


def test_duplicates_id_check_letter_in_either_case(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler, id_number="44010619900101118X")
    found = selectors.complaint_possible_duplicates(
        user=tianhe_handler, id_number="44010619900101118x"
    )
    assert list(found) == [c]


def test_duplicates_blank_inputs_find_nothing(
    register: Any, tianhe_handler: Any
) -> None:
    register(tianhe_handler, id_number="", phone="", policy_number="")
    found = selectors.complaint_possible_duplicates(
        user=tianhe_handler, id_number=" ", phone="", policy_number=""
    )
    assert list(found) == []


def test_duplicates_respect_lookback_and_exclude(
    register: Any, tianhe_handler: Any, settings: Any
) -> None:
    old = register(
        tianhe_handler, received_at=datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
    )
    recent = register(tianhe_handler)
    settings.COMPLAINT_DUPLICATE_LOOKBACK_DAYS = 30
    found = selectors.complaint_possible_duplicates(
        user=tianhe_handler, phone="13800138000"
    )
    assert list(found) == [recent]
    settings.COMPLAINT_DUPLICATE_LOOKBACK_DAYS = 365
    found = selectors.complaint_possible_duplicates(
        user=tianhe_handler, phone="13800138000", exclude_pk=recent.pk
    )
    assert list(found) == [old]


def test_duplicates_are_scoped(
    register: Any, tianhe_handler: Any, xihu_handler: Any, gd_manager: Any
) -> None:
    c = register(tianhe_handler)
    args = {"id_number": c.id_number, "phone": c.phone}
    assert list(selectors.complaint_possible_duplicates(user=gd_manager, **args)) == [c]
    assert not selectors.complaint_possible_duplicates(user=xihu_handler, **args)


# --- My work -------------------------------------------------------------------
def test_my_work_lists_own_open_cases_by_due_date(
    register: Any, tianhe_handler: Any, gz_handler: Any
) -> None:
    later = register(
        tianhe_handler, received_at=datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    )
    sooner = register(tianhe_handler)
    other = register(tianhe_handler)
    for c in (later, sooner):
        c = complaint_accept(complaint=c, actor=tianhe_handler)
        complaint_assign(
            complaint=c,
            actor=tianhe_handler,
            handler=tianhe_handler,
            declares_no_conflict=True,
        )
    other = complaint_accept(complaint=other, actor=tianhe_handler)
    complaint_assign(
        complaint=other, actor=gz_handler, handler=gz_handler, declares_no_conflict=True
    )

    work = list(selectors.complaint_my_work(user=tianhe_handler))
    assert [c.pk for c in work] == [sooner.pk, later.pk]
    assert {c.work for c in work} == {"handle"}


def test_my_work_shows_cases_nobody_has_taken_in_the_users_branches(
    register: Any, tianhe_handler: Any, gz_manager: Any, gd_reviewer: Any
) -> None:
    new = register(tianhe_handler)
    accepted = complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)
    taken = complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)
    complaint_assign(
        complaint=taken, actor=gz_manager, handler=gz_manager, declares_no_conflict=True
    )
    for user in (tianhe_handler, gz_manager):
        by_pk = {c.pk: c.work for c in selectors.complaint_my_work(user=user)}
        assert by_pk.get(new.pk) == by_pk.get(accepted.pk) == "unassigned"
    assert taken.pk not in {
        c.pk for c in selectors.complaint_my_work(user=tianhe_handler)
    }
    assert list(selectors.complaint_my_work(user=gd_reviewer)) == []


def test_my_work_shows_approvals_but_never_own_drafts(
    register: Any, tianhe_handler: Any, gz_manager: Any, xihu_handler: Any
) -> None:
    theirs = drafted(register(tianhe_handler), tianhe_handler)
    own = register(gz_manager, institution="GDGZ")
    own = complaint_accept(complaint=own, actor=gz_manager)
    own = complaint_assign(
        complaint=own, actor=gz_manager, handler=gz_manager, declares_no_conflict=True
    )
    complaint_propose_decision(
        complaint=own,
        actor=gz_manager,
        outcome=Complaint.Outcome.SUPPORTED,
        decision_text="支持。",
        cause=code("cause", "claim_amount"),
    )

    work = list(selectors.complaint_my_work(user=gz_manager))
    by_pk = {c.pk: c.work for c in work}
    assert by_pk[theirs.pk] == "approve"
    # Drafted by the manager: handled by them, not awaiting their own approval.
    assert by_pk[own.pk] == "handle"
    assert list(selectors.complaint_my_work(user=xihu_handler)) == []


def test_my_work_shows_reviews_to_the_upper_level(
    register: Any, tianhe_handler: Any, gz_manager: Any, gd_reviewer: Any
) -> None:
    c = complaint_approve(
        complaint=drafted(register(tianhe_handler), tianhe_handler), actor=gz_manager
    )
    c = complaint_notify_decision(
        complaint=c,
        actor=tianhe_handler,
        method="phone",
        occurred_at=datetime(2026, 3, 10, 8, 0, tzinfo=SHANGHAI),
        summary="电话告知",
    )
    complaint_request_review(
        complaint=c, actor=tianhe_handler, applied_on=date(2026, 3, 10), note="申请核查"
    )
    work = list(selectors.complaint_my_work(user=gd_reviewer))
    assert [(w.pk, w.work) for w in work] == [(c.pk, "review")]
    assert work[0].work_due == work[0].review_due


def test_my_work_of_anonymous_is_empty() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.complaint_my_work(user=AnonymousUser())) == []


# --- Choices ------------------------------------------------------------------
def test_handler_choices_stay_in_scope(
    tianhe_handler: Any, gz_manager: Any, xihu_handler: Any, zj_viewer: Any
) -> None:
    assert set(selectors.handler_choices(user=gz_manager)) == {
        tianhe_handler,
        gz_manager,
    }
    assert set(selectors.handler_choices(user=zj_viewer)) == {xihu_handler}
    codes = [i.code for i in selectors.institution_choices(user=xihu_handler)]
    assert codes == ["ZJHZXH", "ZJHZXH01"]


def test_complaint_by_number_hides_out_of_scope(
    register: Any, tianhe_handler: Any, xihu_handler: Any
) -> None:
    c = register(tianhe_handler)
    assert selectors.complaint_by_number(user=tianhe_handler, number=c.number) == c
    assert selectors.complaint_by_number(user=xihu_handler, number=c.number) is None
    assert selectors.complaint_by_number(user=tianhe_handler, number="") is None


# --- Deadlines as shown ---------------------------------------------------------
@pytest.mark.parametrize(
    ("today", "state", "working", "calendar_days", "overdue", "past_target"),
    [
        (date(2026, 3, 9), "green", 9, 11, 0, 0),
        (date(2026, 3, 13), "amber", 5, 7, 0, 0),
        (date(2026, 3, 20), "amber", 0, 0, 0, 0),
        # Past the internal target, not the legal deadline: a warning only.
        (date(2026, 3, 23), "amber", -1, -3, 0, 3),
        # Past the legal deadline (2026-03-23): overdue, counted from it.
        (date(2026, 3, 25), "red", -3, -5, 2, 0),
    ],
)
def test_deadline_states(
    register: Any,
    tianhe_handler: Any,
    today: date,
    state: str,
    working: int,
    calendar_days: int,
    overdue: int,
    past_target: int,
) -> None:
    c = register(tianhe_handler)  # internal target 2026-03-20, legal 2026-03-23
    d = selectors.complaint_deadline(c, today=today, calendar=CAL_2026)
    assert (d.due, d.state) == (date(2026, 3, 20), state)
    assert (d.legal, d.internal) == (date(2026, 3, 23), date(2026, 3, 20))
    assert (d.working_days_left, d.calendar_days_left) == (working, calendar_days)
    assert (d.overdue_days, d.internal_overdue_days) == (overdue, past_target)


def test_deadline_grey_when_the_clock_stops(
    register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    paused = register(tianhe_handler)
    complaint_pause(
        complaint=paused,
        actor=tianhe_handler,
        started_on=date(2026, 3, 9),
        body="某司法鉴定所",
        reason="伤残等级鉴定",
    )
    paused.refresh_from_db()
    d = selectors.complaint_deadline(paused, today=date(2026, 3, 10), calendar=CAL_2026)
    assert (d.state, d.paused) == ("grey", True)

    c = complaint_approve(
        complaint=drafted(register(tianhe_handler), tianhe_handler), actor=gz_manager
    )
    c = complaint_notify_decision(
        complaint=c,
        actor=tianhe_handler,
        method="phone",
        occurred_at=datetime(2026, 3, 10, 8, 0, tzinfo=SHANGHAI),
        summary="电话告知",
    )
    c = complaint_close(complaint=c, actor=tianhe_handler, note="投诉人接受处理结果")
    d = selectors.complaint_deadline(c, today=date(2026, 3, 30), calendar=CAL_2026)
    assert (d.state, d.paused, d.working_days_left) == ("grey", False, None)


def test_deadline_marks_missing_calendar(
    register: Any, tianhe_handler: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI))
    c = register(
        tianhe_handler, received_at=datetime(2026, 12, 24, 9, 0, tzinfo=SHANGHAI)
    )
    assert c.due_provisional
    d = selectors.complaint_deadline(c, today=date(2026, 12, 28), calendar=CAL_2026)
    assert d.provisional
    assert d.state in {"green", "amber"}


# --- Masking and letters -----------------------------------------------------------
@pytest.mark.parametrize(
    ("func", "value", "masked"),
    [
        (selectors.mask_phone, "13800138000", "138****8000"),
        (selectors.mask_phone, "12345", "***45"),
        (selectors.mask_phone, "", ""),
        (selectors.mask_id_number, "440106199001011235", "4401**********1235"),
        (selectors.mask_id_number, "1234", "****"),
        (selectors.mask_name, "林小雨", "林*雨"),
        (selectors.mask_name, "林雨", "林*"),
        (selectors.mask_name, "广州某某贸易有限公司", "广州********"),
        (selectors.mask_text, "广州市天河区", "***"),
    ],
)
def test_masks(func: Any, value: str, masked: str) -> None:
    assert func(value) == masked


def test_personal_data_follows_the_role(
    register: Any, tianhe_handler: Any, senior: Any, ho_compliance: Any
) -> None:
    c = register(tianhe_handler)
    assert selectors.can_see_personal_data(tianhe_handler, c)
    assert selectors.can_see_personal_data(ho_compliance, c)
    assert not selectors.can_see_personal_data(senior, c)


def test_person_name_in_chinese_order(tianhe_handler: Any) -> None:
    from tests.factories import UserFactory

    assert (
        selectors.person_name(UserFactory(first_name="晓敏", last_name="陈"))
        == "陈晓敏"
    )
    assert (
        selectors.person_name(UserFactory(first_name="Ann", last_name="Lee"))
        == "Ann Lee"
    )
    assert (
        selectors.person_name(UserFactory(username="x", first_name="", last_name=""))
        == "x"
    )
    assert selectors.person_name(None) == ""
