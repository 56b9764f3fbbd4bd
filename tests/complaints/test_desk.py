"""The landing page is my work: counts per role against a known data set, and
each count equals the length of the list it links to."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from django.urls import reverse

from complaints.models import ApprovalRequest, Complaint
from complaints.services import (
    approval_request,
    complaint_accept,
    complaint_approve,
    complaint_assign,
    complaint_notify_decision,
    complaint_propose_decision,
    complaint_request_review,
    complaint_return_for_rework,
)
from complaints.workbench import desk
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 3, 25, 9, 0, tzinfo=SHANGHAI)  # a Wednesday
COUNT = re.compile(
    r'id="count-(\w+)"><a href="([^"]+)"><span class="cd-desk-n">(\d+)</span>'
)


def on(day: int) -> datetime:
    return datetime(2026, 3, day, 10, 0, tzinfo=SHANGHAI)


def draft(c: Complaint, handler: Any) -> Complaint:
    return complaint_propose_decision(
        complaint=c,
        actor=handler,
        outcome=Complaint.Outcome.SUPPORTED,
        decision_text="支持。",
        cause=code("cause", "claim_amount"),
    )


@pytest.fixture
def world(
    register: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    gd_reviewer: Any,
    xihu_handler: Any,
    time_machine: Any,
) -> dict[str, Complaint]:
    """Due dates (decision, the earlier of the two limits): received 03-02 ->
    03-16, 03-11 -> 03-25, 03-13 -> 03-27, 03-18 -> 04-01, 03-19 -> 04-02."""
    time_machine.move_to(on(20))
    h = tianhe_handler

    def mine(day: int, by: Any = h) -> Complaint:
        c = complaint_accept(complaint=register(h, received_at=on(day)), actor=h)
        return complaint_assign(
            complaint=c, actor=by, handler=h, declares_no_conflict=True
        )

    cases = {
        "overdue": mine(2),
        "today": mine(11),
        "week": mine(13, by=gz_manager),  # given by the manager: new to the handler
        "later": mine(19),
        "unassigned": register(h, received_at=on(19)),
    }
    returned = draft(mine(18), h)
    cases["returned"] = complaint_return_for_rework(
        complaint=returned, actor=gz_manager, note="请补充定损依据"
    )
    cases["approve"] = draft(mine(17), h)
    decided = complaint_approve(complaint=draft(mine(4), h), actor=gz_manager)
    decided = complaint_notify_decision(
        complaint=decided,
        actor=h,
        method="phone",
        occurred_at=on(20),
        summary="电话告知",
    )
    cases["review"] = complaint_request_review(
        complaint=decided, actor=h, applied_on=date(2026, 3, 20), note="申请核查"
    )
    # An extension waits in the approvers' queue (complaints.rules.approvals).
    approval_request(
        complaint=cases["later"],
        actor=h,
        kind=ApprovalRequest.Kind.EXTENSION_1,
        reason="需要外部鉴定",
    )
    time_machine.move_to(TODAY)
    return cases


EXPECTED = {
    # persona: {count key: number}; keys not listed are not shown at all
    "tianhe_handler": {
        "approve": 0,
        "returned": 1,
        "review": 0,
        "overdue": 1,
        "today": 1,
        "week": 2,  # today's and Friday's
        "new": 1,
        "unassigned": 1,
    },
    "gz_manager": {
        "approve": 1,
        "returned": 0,
        "review": 0,
        "overdue": 0,
        "today": 0,
        "week": 0,
        "new": 0,
        "unassigned": 1,
        "team_overdue": 1,
        "team_today": 1,
        "team_week": 2,
        "team_unassigned": 1,
    },
    "gd_reviewer": {
        "approve": 0,
        "returned": 0,
        "review": 1,
        "overdue": 0,
        "today": 0,
        "week": 0,
        "new": 0,
        "unassigned": 0,
    },
    "xihu_handler": {
        "approve": 0,
        "returned": 0,
        "review": 0,
        "overdue": 0,
        "today": 0,
        "week": 0,
        "new": 0,
        "unassigned": 0,
    },
}


def test_landing_counts_per_role_each_equal_to_its_list(
    client: Any, world: dict[str, Complaint], persona: Any
) -> None:
    for who, expected in EXPECTED.items():
        client.force_login(persona(who))
        page = client.get("/admin/").content.decode()
        found = {key: (url, int(n)) for key, url, n in COUNT.findall(page)}
        complaint_counts = {k: n for k, (_u, n) in found.items() if k in desk.BY_KEY}
        assert complaint_counts == expected, who
        # Approvals and returned drafts first.
        assert list(complaint_counts)[:2] == ["approve", "returned"]
        for key, (url, n) in found.items():
            listed = client.get(url.replace("&amp;", "&"))
            if key in desk.BY_KEY:
                assert listed.content.decode().count('<tr id="work-') == n, (who, key)
            elif key == "approval_requests":
                assert len(listed.context["cl"].result_list) == n, (who, key)
        assert found["approval_requests"][1] == (1 if who == "gz_manager" else 0)
    client.force_login(persona("tianhe_handler"))
    listed = client.get("/admin/complaints/complaint/my-work/?show=overdue")
    assert [r["complaint"].pk for r in listed.context["rows"]] == [world["overdue"].pk]
    returned = client.get("/admin/complaints/complaint/my-work/?show=returned")
    assert [r["complaint"].pk for r in returned.context["rows"]] == [
        world["returned"].pk
    ]


def test_the_landing_page_is_the_one_called_my_work(
    client: Any, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<h1>我的待办</h1>" in page
    for name in ("admin:complaints_complaint_my_work", "admin:reporting_handler"):
        other = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert other.status_code == 200
        assert "<h1>我的待办</h1>" not in other.content.decode(), name


def test_landing_stays_within_its_query_budget(
    client: Any,
    world: dict[str, Complaint],
    gz_manager: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(gz_manager)
    client.get("/admin/")
    # One query per count (about twenty) and the page's own: no query per case.
    with django_assert_max_num_queries(40):
        assert client.get("/admin/").status_code == 200
