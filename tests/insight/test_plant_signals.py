"""The benchmark's planted insight signals (sampledata.benchgen.plant_signals):
planted once however often the command runs, sealed like every generated
complaint, and each one found by its feature on a small generated database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from sklearn.metrics import roc_auc_score

from complaints.integrity.audit import verify_chains
from complaints.models import Complaint
from insight import surge
from insight.escalation_store import (
    escalation_score,
    escalation_train,
    history_cases,
)
from insight.models import EscalationScore, RectificationVerdict
from insight.outliers import compare_branches
from insight.ring_store import ring_search
from organisations.models import Institution
from reporting import rollup
from reporting import services as reporting
from reporting.models import Rectification
from sampledata.benchgen import plant_signals

V = RectificationVerdict.Verdict


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Generated once for the module (the generator is the slow part), in a
    transaction rolled back after it: the next modules find the database as
    the migrations left it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("generate_complaints", count=1500, provinces=4, stdout=None)
        yield plant_signals.plant(
            today=timezone.localdate(),
            plan=plant_signals.Plan(escalated=60, risky_open=10),
        )
        transaction.set_rollback(True)


@pytest.fixture
def truth(world: int, db: None) -> plant_signals.Truth:
    return plant_signals.truth()


def test_planting_twice_plants_once_and_seals_every_row(
    world: int, truth: plant_signals.Truth
) -> None:
    before = Complaint.objects.count()
    assert world > 0
    assert plant_signals.plant(today=timezone.localdate()) == 0
    assert Complaint.objects.count() == before
    assert (
        Rectification.objects.filter(title__startswith=plant_signals.TITLE).count() == 2
    )
    planted = list(
        Complaint.objects.filter(
            policy_number__startswith=plant_signals.PREFIX
        ).values_list("pk", flat=True)
    )
    report = verify_chains(complaint_ids=planted)
    assert report.chains == len(planted)
    assert report.problems == []
    assert rollup.differences() == []


def test_the_planted_surge_alerts_and_nothing_else(truth: plant_signals.Truth) -> None:
    result = surge.sweep(week_start=truth.surge_week, notify=False)
    keys = {(a.institution_id, a.product_line_id, a.cause_id) for a in result.alerts}
    assert truth.surge in keys
    province = Institution.objects.get(pk=truth.surge[0])
    assert all(
        a.institution_id in (province.pk, province.parent_id) for a in result.alerts
    )


def test_the_rectifications_get_the_planted_verdicts(
    truth: plant_signals.Truth,
) -> None:
    actor = plant_signals._planter()
    done = timezone.localdate() - timedelta(days=plant_signals.COMPLETED_DAYS_AGO)
    for kind, expected in (("E", V.EFFECTIVE), ("N", V.NOT_EFFECTIVE)):
        item = Rectification.objects.get(pk=truth.rectifications[kind])
        reporting.rectification_set_status(
            rectification=item,
            actor=actor,
            status=Rectification.Status.DONE,
            evidence="整改完成",
            completed_on=done,
        )
        assert item.verdicts.get().verdict == expected


def test_the_ring_is_found_whole(truth: plant_signals.Truth) -> None:
    run = ring_search()
    rings = [
        set(r.members.values_list("complaint_id", flat=True)) for r in run.rings.all()
    ]
    assert set(truth.ring) in rings
    assert len(truth.ring) == plant_signals.RING_SIZE


def test_the_planted_risky_open_complaints_score_highest(
    truth: plant_signals.Truth,
) -> None:
    escalation_train()
    escalation_score()
    pairs = list(EscalationScore.objects.values_list("complaint_id", "score"))
    labels = [pk in truth.risky_open for pk, _score in pairs]
    assert sum(labels) == 10
    assert roc_auc_score(labels, [score for _pk, score in pairs]) > 0.95


def test_escalation_training_can_take_the_most_recent_cases(
    world: int, db: None
) -> None:
    today = timezone.localdate()
    every, first = history_cases(until=today)
    recent, recent_first = history_cases(until=today, limit=100)
    assert len(recent) == 100 < len(every)
    assert first is not None
    assert recent_first is not None
    assert recent_first > first


def test_the_branch_that_supports_everything_stands_out(
    truth: plant_signals.Truth,
) -> None:
    assert truth.outlier is not None
    branch = Institution.objects.get(pk=truth.outlier[0])
    assert branch.parent is not None
    result = compare_branches(user=plant_signals._planter(), root=branch.parent)
    keys = {(c.branch.pk, c.product_line.pk, c.cause.pk) for c in result.standing_out}
    assert truth.outlier in keys
