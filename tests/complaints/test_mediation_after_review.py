"""Mediation after review: the review decision's letter offers mediation, so it
can be recorded after that notice closed the case (once, before archive)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from complaints import services
from complaints.exceptions import TransitionRefused
from complaints.models import Complaint, Letter
from complaints.rules.transitions import available_actions
from organisations.permissions import NotFound
from tests.complaints.test_services_transitions import CALLS

pytestmark = pytest.mark.django_db
S = Complaint.Status


@pytest.fixture
def reviewed(at: Any, tianhe_handler: Any, gd_reviewer: Any) -> Complaint:
    """Reviewed, and the review decision notified: the case is closed."""
    c = at(S.REVIEWED)
    c = CALLS["notify_review"](c, gd_reviewer)
    assert c.status == S.CLOSED
    routes = Letter.objects.get(complaint=c, kind="review_decision").content
    assert 'id="route-mediation"' in routes  # the letter offers it
    return c


def refer(c: Complaint, actor: Any) -> Complaint:
    return services.complaint_refer_to_mediation(
        complaint=c,
        actor=actor,
        body="广东保险纠纷调解中心",
        referred_on=date(2026, 4, 13),
    )


def test_mediation_offered_by_the_review_decision_can_be_recorded(
    reviewed: Complaint, tianhe_handler: Any
) -> None:
    before = reviewed.history.count()
    assert "refer_to_mediation" in available_actions(reviewed, tianhe_handler)
    c = refer(reviewed, tianhe_handler)
    c.refresh_from_db()
    assert c.status == S.IN_MEDIATION
    assert c.closed_at is None  # open again while mediation runs
    assert c.history.count() == before + 1
    assert c.history.latest().history_user == tianhe_handler
    assert Letter.objects.filter(complaint=c, kind="mediation").count() == 1

    c = services.complaint_record_mediation_outcome(
        complaint=c,
        actor=tianhe_handler,
        outcome="agreed",
        note="双方达成调解协议",
        redress_amount=Decimal("3000.00"),
    )
    c.refresh_from_db()
    assert (c.status, c.outcome, c.mediation_outcome) == (
        S.CLOSED,
        "mediated",
        "agreed",
    )
    assert c.closed_at is not None
    # Once: a second referral is refused with the reason.
    with pytest.raises(TransitionRefused):
        refer(c, tianhe_handler)


def test_no_mediation_after_a_close_without_review_or_after_archive(
    at: Any, tianhe_handler: Any, reviewed: Complaint
) -> None:
    closed = at(S.CLOSED)  # closed on the decision, no review
    before = closed.history.count()
    with pytest.raises(TransitionRefused):
        refer(closed, tianhe_handler)
    assert closed.history.count() == before
    assert "refer_to_mediation" not in available_actions(closed, tianhe_handler)

    archived = services.complaint_archive(complaint=reviewed, actor=tianhe_handler)
    with pytest.raises(TransitionRefused):
        refer(archived, tianhe_handler)
    assert not Letter.objects.filter(kind="mediation").exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("gz_manager", True), ("xihu_handler", False), ("gd_reviewer", False)],
)
def test_who_may_record_it(
    reviewed: Complaint, persona: Any, who: str, allowed: bool
) -> None:
    actor = persona(who)
    if allowed:
        assert refer(reviewed, actor).status == S.IN_MEDIATION
        return
    with pytest.raises((NotFound, PermissionDenied)):
        refer(reviewed, actor)
    reviewed.refresh_from_db()
    assert reviewed.status == S.CLOSED


def test_through_the_admin(
    client: Any, reviewed: Complaint, at: Any, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[reviewed.pk])
    ).content.decode()
    assert 'id="action-refer_to_mediation"' in page
    url = reverse(
        "admin:complaints_complaint_act", args=[reviewed.pk, "refer_to_mediation"]
    )
    form = client.get(url)
    version = (
        form.context["form"].initial.get("version")
        or form.context["form"].fields["version"].initial
    )
    response = client.post(
        url,
        {
            "version": version,
            "body": "广东保险纠纷调解中心",
            "referred_on": "2026-04-13",
            "note": "投诉人收到核查决定后申请调解",
        },
    )
    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.status == S.IN_MEDIATION

    # On a case closed without review the page says it is not open, and a
    # POST is refused with the reason, never a 500.
    closed = at(S.CLOSED)
    url = reverse(
        "admin:complaints_complaint_act", args=[closed.pk, "refer_to_mediation"]
    )
    page = client.get(url)
    assert "not open to you on this complaint now" in page.content.decode()
    refused = client.post(
        url,
        {
            "version": page.context["form"].fields["version"].initial,
            "body": "广东保险纠纷调解中心",
            "referred_on": "2026-04-13",
        },
    )
    assert refused.status_code == 200
    assert "is not possible while the complaint is" in refused.content.decode()
    closed.refresh_from_db()
    assert closed.status == S.CLOSED
