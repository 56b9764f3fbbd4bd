"""Complaint rings in the admin: found across branches, each reader sees the members
in their own subtree only, personal data masked without the permission, and people
without the reports permission see no ring page at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import Complaint
from insight.models import ComplaintRing
from insight.ring_store import ring_search

AGENCY = "13912345678"
MASKED = "139****5678"


@pytest.fixture
def ring(
    register: Callable[..., Complaint], tianhe_handler: Any, xihu_handler: Any
) -> dict[str, list[Complaint]]:
    def filed(actor: Any, where: str, name: str, id_number: str) -> Complaint:
        return register(
            actor,
            where,
            complainant_name=name,
            id_number=id_number,
            representation=Complaint.Representation.AGENT,
            agent_name="代理人",
            agent_id_number="440106199001011235",
            agent_phone=AGENCY,
            authority_verified=True,
        )

    gd = [
        filed(tianhe_handler, "GDGZTH", "赵一", "440106198502023459"),
        filed(tianhe_handler, "GDGZTH", "钱二", "440106199001011235"),
    ]
    zj = [
        filed(xihu_handler, "ZJHZXH", "孙三", "440106198502023459"),
        filed(xihu_handler, "ZJHZXH", "李四", "440106199001011235"),
    ]
    ring_search(days=3650)
    return {"gd": gd, "zj": zj}


def _page(user: Any, url: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(url)


def _ring_url(pk: int) -> str:
    return reverse("admin:insight_complaintring_change", args=[pk])


LIST = "admin:insight_complaintring_changelist"


def test_the_search_ties_four_complaints_across_two_provinces(ring: Any) -> None:
    stored = ComplaintRing.objects.get()
    assert (stored.size, stored.institution_count, stored.kinds) == (
        4,
        2,
        ["agent_phone"],
    )


def test_head_office_compliance_sees_the_whole_ring_unmasked(
    ring: Any, ho_compliance: Any
) -> None:
    page = _page(ho_compliance, _ring_url(ComplaintRing.objects.get().pk)).content
    text = page.decode()
    for c in ring["gd"] + ring["zj"]:
        assert c.number in text
    assert AGENCY in text


def test_a_branch_manager_sees_only_his_subtree_and_not_its_size(
    ring: Any, gz_manager: Any
) -> None:
    listing = _page(gz_manager, reverse(LIST))
    assert listing.status_code == 200
    assert listing.context["cl"].result_list[0].shown == 2
    page = _page(gz_manager, _ring_url(ComplaintRing.objects.get().pk)).content.decode()
    for c in ring["gd"]:
        assert c.number in page
    for c in ring["zj"]:
        assert c.number not in page
        assert "西湖" not in page


def test_without_the_personal_data_permission_phones_are_masked(
    ring: Any, senior: Any
) -> None:
    page = _page(senior, _ring_url(ComplaintRing.objects.get().pk)).content.decode()
    assert AGENCY not in page
    assert MASKED in page


def test_a_ring_wholly_elsewhere_answers_like_a_missing_one(
    register: Callable[..., Complaint], xihu_handler: Any, gz_manager: Any
) -> None:
    for n in range(3):
        register(
            xihu_handler,
            "ZJHZXH",
            complainant_name=f"周{n}",
            representation=Complaint.Representation.AGENT,
            agent_name="代理人",
            agent_id_number="440106199001011235",
            agent_phone="13700001111",
            authority_verified=True,
        )
    ring_search(days=3650)
    elsewhere = ComplaintRing.objects.get()
    assert _page(gz_manager, reverse(LIST)).context["cl"].result_count == 0
    missing = _page(gz_manager, _ring_url(elsewhere.pk + 1000))
    assert _page(gz_manager, _ring_url(elsewhere.pk)).status_code == missing.status_code


@pytest.mark.parametrize(
    "who", ["tianhe_handler", "xihu_handler", "zj_viewer", "outsider"]
)
def test_people_without_the_reports_permission_see_no_ring(
    ring: Any, persona: Any, who: str
) -> None:
    user = persona(who)
    assert _page(user, reverse(LIST)).status_code == 403
    assert _page(user, _ring_url(ComplaintRing.objects.get().pk)).status_code in (
        302,
        403,
    )
