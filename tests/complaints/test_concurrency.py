"""Two people acting on the same complaint at the same moment: one wins, the other
is told, nothing is lost (row lock + re-check of the status under the lock)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from complaints import exceptions as E
from complaints import services as svc
from complaints.exceptions import StaleComplaint, TransitionRefused
from complaints.models import Complaint, Notification
from complaints.rules.transitions import ACTION_LABELS
from complaints.services import lifecycle
from tests.complaints.conftest import code

S = Complaint.Status
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite serialises writers (BEGIN IMMEDIATE), so two "
    "transitions never overlap there",
)

CALLS: dict[str, Callable[[Complaint, Any], Complaint]] = {
    "accept": lambda c, a: svc.complaint_accept(complaint=c, actor=a),
    "route": lambda c, a: svc.complaint_route(
        complaint=c,
        actor=a,
        kind="forwarded",
        reason=code("route_reason", "forwarded"),
        note="保单由他司承保",
        forwarded_to="华信财产保险股份有限公司广东分公司",
    ),
    "withdraw": lambda c, a: svc.complaint_withdraw(
        complaint=c, actor=a, received_on=date(2026, 3, 9), note="投诉人来电撤回"
    ),
    "approve": lambda c, a: svc.complaint_approve(complaint=c, actor=a),
    "return_for_rework": lambda c, a: svc.complaint_return_for_rework(
        complaint=c, actor=a, note="请补充理赔依据"
    ),
}
TARGET = {
    "accept": S.ACCEPTED,
    "route": S.ROUTED,
    "withdraw": S.WITHDRAWN,
    "approve": S.DECIDED,
    "return_for_rework": S.INVESTIGATING,
}


def race(pk: int, moves: list[tuple[str, Any]]) -> dict[str, Any]:
    """Run each (action, user) in its own thread and connection, released together."""
    barrier = threading.Barrier(len(moves))
    results: dict[str, Any] = {}

    def work(action: str, user_pk: int) -> None:
        try:
            actor = get_user_model().objects.get(pk=user_pk)
            stale = Complaint.objects.get(pk=pk)  # what each form was built from
            barrier.wait(timeout=30)
            results[action] = CALLS[action](stale, actor)
        except Exception as exc:  # the loser's answer
            results[action] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(a, u.pk)) for a, u in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def slow_save(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the row lock a moment after saving, so the other thread must wait on it."""
    original = lifecycle.save

    def save(*args: Any, **kwargs: Any) -> Any:
        saved = original(*args, **kwargs)
        time.sleep(0.3)
        return saved

    monkeypatch.setattr(lifecycle, "save", save)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("setup", "moves"),
    [
        ([], [("route", "tianhe_handler"), ("withdraw", "gz_handler")]),
        (
            ["accept", "assign", "propose"],
            [("approve", "gz_manager"), ("return_for_rework", "gd_manager")],
        ),
    ],
    ids=["route_vs_withdraw", "approve_vs_return"],
)
def test_simultaneous_transitions_one_wins_the_other_is_refused(
    register: Any,
    request: pytest.FixtureRequest,
    slow_save: None,
    setup: list[str],
    moves: list[tuple[str, str]],
) -> None:
    h = request.getfixturevalue("tianhe_handler")
    c = register(h)
    for step in setup:
        if step == "accept":
            c = svc.complaint_accept(complaint=c, actor=h)
        elif step == "assign":
            c = svc.complaint_assign(
                complaint=c, actor=h, handler=h, declares_no_conflict=True
            )
        else:
            c = svc.complaint_propose_decision(
                complaint=c,
                actor=h,
                outcome="not_supported",
                decision_text="依合同条款不予支持，理由如下……",
                cause=code("cause", "claim_refused"),
            )
    before = c.history.count()
    history = list(c.history.values_list("history_id", flat=True))
    outbox = set(Notification.objects.values_list("pk", flat=True))
    users = [(a, request.getfixturevalue(p)) for a, p in moves]

    results = race(c.pk, users)

    winners = [a for a, r in results.items() if isinstance(r, Complaint)]
    losers = [a for a, r in results.items() if isinstance(r, TransitionRefused)]
    assert (len(winners), len(losers)) == (1, 1), results
    (winner,), (loser,) = winners, losers
    message = E.NOT_ALLOWED_NOW % {
        "action": ACTION_LABELS[loser],
        "status": S(TARGET[winner]).label,
    }
    assert results[loser].messages == [message]
    c.refresh_from_db()
    assert c.status == TARGET[winner]
    assert c.history.count() == before + 1
    row = c.history.latest()
    assert (row.status, row.history_user) == (TARGET[winner], dict(users)[winner])
    new_rows = c.history.exclude(history_id__in=history)
    assert list(new_rows.values_list("status", flat=True)) == [TARGET[winner]]
    # Only the winner's notices were queued; the loser left no trace.
    new = Notification.objects.exclude(pk__in=outbox)
    expected_kinds = {
        "route": {"routed"},
        "withdraw": {"withdrawal"},
        "return_for_rework": {"staff_returned"},
    }
    assert set(new.values_list("kind", flat=True)) == expected_kinds.get(winner, set())
    if winner == "withdraw":
        assert (c.route_note, c.route_reason) == ("", None)


@pytest.mark.django_db
def test_a_stale_form_is_refused_and_the_fresh_one_goes_through(
    register: Any, tianhe_handler: Any, gz_handler: Any
) -> None:
    c = register(tianhe_handler)
    version = c.updated_at  # the form tianhe_handler opened
    svc.complaint_accept(complaint=c, actor=gz_handler, expected_version=version)

    with pytest.raises(StaleComplaint) as exc:
        svc.complaint_accept(
            complaint=c, actor=tianhe_handler, expected_version=version
        )

    assert exc.value.messages == [str(E.STALE)]
    c.refresh_from_db()
    assert c.status == S.ACCEPTED
    assert c.history.latest().history_user == gz_handler
    assert c.history.count() == 2
    c = svc.complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        expected_version=c.updated_at,
        declares_no_conflict=True,
    )
    assert c.status == S.INVESTIGATING


@pytest.mark.django_db
def test_stale_check_comes_before_any_other_answer(
    register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = register(tianhe_handler)
    version = c.updated_at
    svc.complaint_accept(complaint=c, actor=tianhe_handler)
    # The form says "registered"; the case moved on: the user is told to reload,
    # not that declining is impossible in a state they never saw.
    with pytest.raises(StaleComplaint):
        svc.complaint_decline(
            complaint=c,
            actor=gz_manager,
            standing_ground="not_the_consumer",
            checked="核对身份证件",
            note="非本人投诉",
            expected_version=version,
        )
    c.refresh_from_db()
    assert (c.status, c.route_note) == (S.ACCEPTED, "")


def test_a_save_from_a_stale_state_is_refused_by_the_model(
    register: Callable[..., Complaint], tianhe_handler: Any
) -> None:
    """The last line under the services' row lock: django-fsm-2 saves only
    where the row is still in the state the instance was read in
    (Complaint.state_fields names the status field once per class)."""
    from django_fsm import ConcurrentTransition

    c = register(tianhe_handler)
    first = Complaint.objects.get(pk=c.pk)
    second = Complaint.objects.get(pk=c.pk)
    first.accept()
    first.save()
    second.decline()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    assert Complaint.objects.get(pk=c.pk).status == Complaint.Status.ACCEPTED
    assert [f.name for f in c.state_fields] == ["status"]
