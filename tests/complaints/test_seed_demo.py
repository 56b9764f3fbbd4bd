"""seed_demo: the demo insurer with complaints in every state, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from complaints.models import Complaint, Notification
from sampledata.complaints import seed_complaints
from sampledata.organisation import seed_organisation

pytestmark = pytest.mark.django_db
S = Complaint.Status


def seed(count: int) -> str:
    out = StringIO()
    call_command("seed_demo", complaints=count, stdout=out)
    return out.getvalue()


def totals() -> tuple[int, int, int]:
    return (
        Complaint.objects.count(),
        Complaint.history.count(),
        Notification.objects.count(),
    )


def test_seed_demo_fills_every_state_once_and_only_once() -> None:
    first = seed(40)

    assert "Demo complaints: 40 created" in first
    assert set(Complaint.objects.values_list("status", flat=True)) == set(S.values)
    before = totals()

    second = seed(40)

    assert "already loaded" in second
    assert totals() == before
    # The demo went through the services, so it keeps their rules.
    decided = Complaint.objects.exclude(approved_by=None)
    assert decided.exists()
    assert not decided.filter(approved_by=F("drafted_by")).exists()  # four-eyes
    assert not decided.filter(cause=None).exists()
    registrations = Complaint.history.filter(history_type="+")
    assert registrations.count() == 40
    assert not registrations.exclude(history_user=F("registered_by")).exists()
    assert not Complaint.objects.filter(reviewer=F("handler")).exists()
    assert not Complaint.objects.filter(status=S.WITHDRAWN, withdrawn_on=None).exists()
    for c in Complaint.objects.filter(status=S.NOTIFIED):
        assert c.correspondence.filter(is_notice=True).exists()
    # The dashboards' redress and satisfaction figures have records to count.
    assert Complaint.objects.exclude(redress_paid_on=None).exists()
    assert Complaint.objects.filter(status=S.CLOSED, satisfaction__gte=1).exists()


class _Rollback(Exception):
    pass


def seed_and_roll_back(count: int) -> list[tuple[str, ...]]:
    try:
        with transaction.atomic():
            seed_complaints(count=count)
            rows = list(
                Complaint.objects.order_by("number").values_list(
                    "number", "complainant_name", "status", "institution__code"
                )
            )
            raise _Rollback
    except _Rollback:
        return rows


def test_seed_is_deterministic() -> None:
    seed_organisation()
    first = seed_and_roll_back(15)
    assert not Complaint.objects.exists()
    assert seed_and_roll_back(15) == first


def test_seed_demo_adds_casework_once() -> None:
    first = seed(40)
    assert "Demo casework: 2 departments, 3 reply templates" in first
    from complaints.models import InvestigationTask, ReplyTemplate, Supervision
    from organisations.models import Department

    counts = (
        Department.objects.count(),
        ReplyTemplate.objects.count(),
        InvestigationTask.objects.count(),
        Supervision.objects.count(),
    )
    assert counts[:2] == (2, 3)
    assert "claims_guangdong" in first
    second = seed(40)
    assert "Demo casework: 0 departments, 0 reply templates, 0 tasks" in second
    assert (
        Department.objects.count(),
        ReplyTemplate.objects.count(),
        InvestigationTask.objects.count(),
        Supervision.objects.count(),
    ) == counts
