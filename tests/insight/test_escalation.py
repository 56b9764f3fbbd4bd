"""Escalation warning (issue 18 point 5): learned from history, planted risky cases
ranked above the rest, reasons readable, stored and reloaded, refused without a
model, shown to managers in their subtree only, and never a change to a case."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from sklearn.metrics import roc_auc_score

from complaints.models import Complaint
from insight import escalation, store
from insight.escalation import Case
from insight.escalation_store import escalation_score, history_cases
from insight.models import EscalationScore

PLAIN = [
    "理赔金额低于定损金额要求补足",
    "退保只退现金价值要求全额退还",
    "客服态度差要求道歉",
]
RISKY = ["如不解决我将向媒体曝光并投诉到12378", "我们几十位投保人将集体维权并联系记者"]


def synthetic(n: int = 2000, seed: int = 3) -> tuple[list[Case], list[bool]]:
    """A history in which threats in the wording and repeated complaints go further;
    `planted` marks the cases built risky."""
    rng = random.Random(seed)
    cases, planted = [], []
    for _ in range(n):
        risky = rng.random() < 0.1
        text = rng.choice(RISKY if risky else PLAIN) + rng.choice(PLAIN)
        earlier = rng.randint(1, 4) if risky else rng.choice((0, 0, 0, 1))
        escalated = rng.random() < (0.7 if risky else 0.03)
        cases.append(
            Case(
                channel=rng.choice(("hotline", "counter", "web")),
                product_line=rng.choice(("motor", "health")),
                category="claims",
                earlier_complaints=earlier,
                amount=rng.uniform(0, 50_000),
                text=text,
                escalated=escalated,
            )
        )
        planted.append(risky)
    return cases, planted


def test_planted_risky_cases_rank_above_the_rest() -> None:
    cases, _ = synthetic()
    model, quality = escalation.train(cases)
    assert quality["auc_held_out"] >= 0.8
    fresh, planted = synthetic(500, seed=4)
    scores = model.scores(fresh)
    auc = roc_auc_score(planted, scores)
    assert auc >= 0.9, auc
    risky_reasons = model.reasons([fresh[planted.index(True)]])[0]
    assert any(name.startswith(("word=", "earlier")) for name, _ in risky_reasons)


def test_too_little_history_is_refused() -> None:
    with pytest.raises(ValueError, match="too few"):
        escalation.train(synthetic(10)[0])


def test_scoring_without_a_model_says_how_to_train_one(db: Any) -> None:
    with pytest.raises(CommandError, match="train_escalation_model"):
        call_command("score_escalation")


@pytest.fixture
def trained(db: Any) -> Any:
    model, quality = escalation.train(synthetic()[0])
    return store.save_model(
        escalation.KIND,
        model,
        data_from=None,
        data_to=None,
        sample_count=2000,
        quality=quality,
    )


@pytest.fixture
def open_cases(
    register: Callable[..., Complaint], tianhe_handler: Any, xihu_handler: Any
) -> dict[str, Complaint]:
    return {
        "risky": register(tianhe_handler, request=RISKY[0], facts=RISKY[1]),
        "plain": register(tianhe_handler, request=PLAIN[0], phone="13800000001"),
        "zj": register(xihu_handler, "ZJHZXH", request=RISKY[0], facts=RISKY[1]),
    }


FROZEN = ("status", "legal_due", "internal_due", "due_on", "is_group", "media_risk")


def test_scores_are_stored_and_never_change_a_complaint(
    trained: Any, open_cases: dict[str, Complaint]
) -> None:
    before = {c.pk: [getattr(c, f) for f in FROZEN] for c in open_cases.values()}
    assert escalation_score() == 3
    for c in Complaint.objects.filter(pk__in=before):
        assert [getattr(c, f) for f in FROZEN] == before[c.pk]
    scores = {s.complaint_id: s for s in EscalationScore.objects.all()}
    risky, plain = scores[open_cases["risky"].pk], scores[open_cases["plain"].pk]
    assert risky.score > plain.score
    assert risky.model_version == trained.version == 1
    reloaded, _ = store.load_model(escalation.KIND, "x")
    assert reloaded.pk == trained.pk


def _landing(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("admin:index")).content.decode()


def test_managers_see_high_risk_cases_of_their_subtree_only(
    trained: Any, open_cases: dict[str, Complaint], gz_manager: Any, settings: Any
) -> None:
    settings.INSIGHT_ESCALATION_ALERT = 0.5
    escalation_score()
    page = _landing(gz_manager)
    assert 'id="desk-escalation"' in page
    assert open_cases["risky"].number in page
    assert open_cases["zj"].number not in page
    assert open_cases["plain"].number not in page
    assert "林小雨" not in page
    assert "13800138000" not in page


def test_handlers_get_no_escalation_block(
    trained: Any, open_cases: dict[str, Complaint], tianhe_handler: Any, settings: Any
) -> None:
    settings.INSIGHT_ESCALATION_ALERT = 0.0
    escalation_score()
    assert 'id="desk-escalation"' not in _landing(tianhe_handler)


def test_history_labels_a_complaint_whose_complainant_came_back_via_the_regulator(
    register: Callable[..., Complaint], tianhe_handler: Any
) -> None:
    first = register(tianhe_handler, phone="13900000001", id_number="")
    other = register(tianhe_handler, phone="13900000002", id_number="")
    # Setting up a decided history directly: the label is what is tested here.
    Complaint.objects.filter(pk__in=[first.pk, other.pk]).update(
        decided_at=timezone.now()
    )
    later = register(tianhe_handler, phone="13900000001", id_number="")
    Complaint.objects.filter(pk=later.pk).update(
        regulator_reference="粤金监转〔2026〕1号",
        received_on=first.received_on + timedelta(days=30),
    )
    cases, _ = history_cases(until=first.received_on + timedelta(days=400))
    labels = sorted(c.escalated for c in cases)
    assert labels == [False, True]


def test_reasons_read_as_phrases_of_the_case_not_fragments() -> None:
    from insight.escalation_store import quoted_phrases

    text = "如不解决我将向媒体曝光，并投诉到监管"
    assert quoted_phrases(["媒体", "体曝", "曝光", "投诉"], text) == [
        "将向媒体曝光",
        "并投诉到监",
    ]
    assert quoted_phrases(["不在文中"], text) == []


def test_the_learned_text_holds_no_name_phone_or_placeholder() -> None:
    from insight.escalation_store import _text

    text = _text(
        {
            "request": "林小雨要求赔付，电话13800138000",
            "facts": "小雨说代理人王五会向媒体曝光",
            "complainant_name": "林小雨",
            "agent_name": "王五",
        }
    )
    for leaked in ("林小雨", "小雨", "王五", "138", "〈", "姓名"):
        assert leaked not in text
    assert "媒体曝光" in text


def test_training_refuses_a_limit_below_one(db: Any) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--limit"):
        call_command("train_escalation_model", "--limit", "0")
