"""Rectification that proves it worked: the verdicts, the reopening with the
figures, and the verdict sealed in the audit chain."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from complaints.integrity.audit import verify_records
from complaints.models import Complaint, RecordChainHead
from insight import effectiveness
from insight.models import RectificationVerdict, SurgeAlert
from organisations.models import Institution
from reporting import services as reporting
from reporting.models import Rectification
from tests.insight.surge_world import code, copies

pytestmark = pytest.mark.django_db
V = RectificationVerdict.Verdict
DONE = date(2026, 6, 1)  # the window (30 days) is long over
TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _window(settings: Any) -> None:
    settings.INSIGHT_RECTIFICATION_WINDOW_DAYS = 30


@pytest.fixture
def item(tree: dict[str, Institution], gd_compliance: Any, volumes: None) -> Any:
    rect = reporting.rectification_create(
        actor=gd_compliance,
        owner_institution=tree["GD"],
        title="车险定损争议整改",
        measure="统一定损标准",
        due_on=date(2026, 7, 1),
    )
    SurgeAlert.objects.create(
        institution=tree["GD"],
        product_line=code("product_line", "motor"),
        cause=code("cause", "claim_amount"),
        week_start=date(2026, 5, 4),
        week_end=date(2026, 5, 10),
        count=20,
        exposure=10,
        base_count=40,
        base_exposure=100,
        base_from=date(2025, 11, 3),
        base_to=date(2026, 5, 3),
        rate_label="件/万张",
        test="t",
        p_value=0.0001,
        q_value=0.001,
        cells_tested=10,
        rectification=rect,
        status=SurgeAlert.Status.RECTIFYING,
    )
    return rect


def plant(
    template: Complaint, tree: dict[str, Institution], before: int, after: int
) -> None:
    """`before` complaints spread over the 30 days before DONE, `after` after."""
    for i in range(before):
        copies(
            template,
            1,
            institution=tree["GDGZTH"],
            day=DONE - timedelta(days=1 + i % 30),
        )
    for i in range(after):
        copies(
            template, 1, institution=tree["GDFSCC"], day=DONE + timedelta(days=i % 30)
        )
    # Another cause and another province do not count.
    copies(
        template,
        30,
        institution=tree["GDGZTH"],
        day=DONE + timedelta(days=3),
        cause="claim_delay",
    )
    copies(template, 30, institution=tree["ZJHZXH"], day=DONE + timedelta(days=3))


def done(item: Rectification, actor: Any, on: date = DONE) -> Rectification:
    return reporting.rectification_set_status(
        rectification=item,
        actor=actor,
        status="done",
        evidence="已完成培训",
        completed_on=on,
    )


def test_effective(
    item: Any, template: Complaint, tree: Any, gd_compliance: Any
) -> None:
    plant(template, tree, before=40, after=8)
    done(item, gd_compliance)
    verdict = RectificationVerdict.objects.get()
    assert verdict.verdict == V.EFFECTIVE
    assert (verdict.before_count, verdict.after_count) == (40, 8)
    assert verdict.p_value < 0.001
    assert not verdict.reopened
    item.refresh_from_db()
    assert item.status == Rectification.Status.DONE


def test_not_effective_reopens_with_the_figures(
    item: Any, template: Complaint, tree: Any, gd_compliance: Any
) -> None:
    plant(template, tree, before=40, after=38)
    done(item, gd_compliance)
    verdict = RectificationVerdict.objects.get()
    assert verdict.verdict == V.NOT_EFFECTIVE
    assert verdict.reopened
    item.refresh_from_db()
    assert item.status == Rectification.Status.OPEN
    assert item.completed_on is None
    assert "40" in item.evidence
    assert "38" in item.evidence
    assert "2026-05-02" in item.evidence  # the before-window's first day
    last = item.history.order_by("-history_date").first()
    assert last.history_change_reason == "Reopened: not effective"


def test_too_few_complaints_prove_nothing(
    item: Any, template: Complaint, tree: Any, gd_compliance: Any
) -> None:
    plant(template, tree, before=2, after=0)
    done(item, gd_compliance)
    verdict = RectificationVerdict.objects.get()
    assert verdict.verdict == V.INCONCLUSIVE
    item.refresh_from_db()
    assert item.status == Rectification.Status.DONE


def test_judged_when_the_window_is_over(
    item: Any, template: Complaint, tree: Any, gd_compliance: Any
) -> None:
    plant(template, tree, before=40, after=38)
    recent = timezone.localdate() - timedelta(days=5)
    done(item, gd_compliance, on=recent)
    assert not RectificationVerdict.objects.exists()
    assert effectiveness.check_due(today=recent + timedelta(days=29)) == []
    found = effectiveness.check_due(today=recent + timedelta(days=30))
    assert [v.rectification_id for v in found] == [item.pk]
    assert effectiveness.check_due(today=recent + timedelta(days=31)) == []


def test_the_verdict_is_sealed_in_the_audit_chain(
    item: Any, template: Complaint, tree: Any, gd_compliance: Any
) -> None:
    plant(template, tree, before=40, after=8)
    done(item, gd_compliance)
    verdict = RectificationVerdict.objects.get()
    row = verdict.history.get()
    assert (row.chain_seq, row.prev_hash) == (1, "")
    assert len(row.row_hash) == 64
    head = RecordChainHead.objects.get(kind="rectification_verdicts", key=item.pk)
    assert head.head_hash == row.row_hash
    assert verify_records().problems == []
    # Altering the verdict's sealed row is found.
    type(row).objects.filter(pk=row.pk).update(after_count=0)
    problems = verify_records().problems
    assert [p.kind for p in problems] == ["content"]
    assert problems[0].record_kind == "rectification_verdicts"
