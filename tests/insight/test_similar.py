"""Similar decided cases while drafting a decision: in scope only, masked
without the personal-data permission (issue 18 point 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from complaints.models import Complaint
from insight import similar
from tests.insight.cases import decide, registered

pytestmark = pytest.mark.django_db
NOTIFIED = Complaint.Status.NOTIFIED


@pytest.fixture
def world(
    register: Any, tianhe_handler: Any, xihu_handler: Any
) -> dict[str, list[Complaint]]:
    """Decided cases in 天河 and in 西湖 (another province), of every template;
    the 西湖 cases name their complainant's phone in the text."""
    tianhe = [
        decide(registered(register, tianhe_handler, i), status=NOTIFIED, i=i)
        for i in range(11)
    ]
    xihu = [
        decide(
            registered(
                register,
                xihu_handler,
                i,
                institution="ZJHZXH",
                complainant_name="赵一鸣",
                phone="13912345678",
            ),
            status=NOTIFIED,
            i=i,
        )
        for i in range(11)
    ]
    for c in xihu:
        Complaint.objects.filter(pk=c.pk).update(
            request=c.request + "请联系赵一鸣13912345678"
        )
    return {"tianhe": tianhe, "xihu": xihu}


def test_five_most_similar_within_scope(
    world: dict[str, list[Complaint]], register: Any, tianhe_handler: Any
) -> None:
    draft = registered(register, tianhe_handler, 3)
    found = similar.similar_decided(user=tianhe_handler, complaint=draft)
    assert len(found) == 5
    xihu = {c.pk for c in world["xihu"]}
    assert not {s.complaint.pk for s in found} & xihu
    # The most similar is the case made from the same template.
    assert found[0].complaint.pk == world["tianhe"][3].pk
    assert found[0].outcome
    assert found[0].redress is not None


def test_wrong_person_sees_none_of_another_branch(
    world: dict[str, list[Complaint]], register: Any, xihu_handler: Any
) -> None:
    draft = registered(
        register, xihu_handler, 3, institution="ZJHZXH", complainant_name="钱二"
    )
    found = similar.similar_decided(user=xihu_handler, complaint=draft)
    tianhe = {c.pk for c in world["tianhe"]}
    assert found
    assert not {s.complaint.pk for s in found} & tianhe


def test_masked_without_the_personal_data_permission(
    world: dict[str, list[Complaint]], register: Any, xihu_handler: Any, zj_viewer: Any
) -> None:
    draft = registered(
        register, xihu_handler, 3, institution="ZJHZXH", complainant_name="钱二"
    )
    masked = similar.similar_decided(user=zj_viewer, complaint=draft)
    assert masked
    for s in masked:
        assert not s.personal_data
        assert "13912345678" not in s.request
        assert "赵一鸣" not in s.request
    shown = similar.similar_decided(user=xihu_handler, complaint=draft)
    assert any("13912345678" in s.request for s in shown)


def test_drafting_page_shows_them_in_chinese(
    world: dict[str, list[Complaint]],
    register: Any,
    tianhe_handler: Any,
    client: Any,
    settings: Any,
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    draft = registered(register, tianhe_handler, 3)
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_act", args=[draft.pk, "propose_decision"]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "类案参考" in body
    assert world["tianhe"][3].number in body
    assert not any(c.number in body for c in world["xihu"])
    assert "相似度" in body
