"""One deadline, labelled: every page shows the same two dates with the same
words, and "overdue" (past the legal deadline) means the same on each
(complaints.timing.deadline_terms)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.urls import reverse

from complaints.models import Complaint
from complaints.services import complaint_accept, complaint_assign
from tests.complaints.conftest import SHANGHAI

LIST = reverse("admin:complaints_complaint_changelist")
# Received 2026-03-06: internal target 2026-03-20 (day 1 the day of receipt),
# legal deadline 2026-03-23 (day 15 is a Saturday).
LEGAL, INTERNAL = "2026-03-23", "2026-03-20"


@pytest.fixture
def case(register: Any, tianhe_handler: Any, gz_manager: Any) -> Complaint:
    c = register(tianhe_handler)
    c = complaint_accept(complaint=c, actor=gz_manager)
    return complaint_assign(complaint=c, actor=gz_manager, handler=tianhe_handler)


def _pages(case: Complaint) -> dict[str, tuple[str, str]]:
    """page -> (who looks, URL): every page that shows the case's dates."""
    return {
        "list": ("tianhe_handler", LIST),
        "case page": (
            "tianhe_handler",
            reverse("admin:complaints_complaint_change", args=[case.pk]),
        ),
        "action page": (
            "tianhe_handler",
            reverse("admin:complaints_complaint_act", args=[case.pk, "extend"]),
        ),
        "my work": ("tianhe_handler", reverse("admin:complaints_complaint_my_work")),
        "handler dashboard": ("tianhe_handler", reverse("admin:reporting_handler")),
        "manager dashboard": (
            "gz_manager",
            reverse("admin:reporting_manager") + "?institution=GDGZ&period=2026Q1",
        ),
        "drill-down": (
            "gz_manager",
            reverse("admin:reporting_drilldown")
            + "?institution=GDGZ&period=2026Q1&metric=overdue_open",
        ),
    }


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("language", "legal", "internal"),
    [("zh-hans", "法定期限", "内部时限"), ("en", "Legal deadline", "Internal target")],
)
def test_the_same_case_shows_the_same_labelled_dates_on_every_page(
    client: Any,
    persona: Any,
    case: Complaint,
    time_machine: Any,
    language: str,
    legal: str,
    internal: str,
) -> None:
    time_machine.move_to(datetime(2026, 3, 25, 9, 0, tzinfo=SHANGHAI))
    for page, (who, url) in _pages(case).items():
        client.force_login(persona(who))
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, page
        text = _text(response.content.decode())
        assert case.number in text, page
        # The label and its date, together, on every page (a table says it in
        # the header and the date in the row).
        for shown in (legal, LEGAL, internal, INTERNAL):
            assert shown in text, page
        assert "2026-03-26" not in text, page  # no third, unlabelled date


def test_the_badge_counts_overdue_from_the_legal_deadline(
    client: Any, case: Complaint, tianhe_handler: Any, time_machine: Any
) -> None:
    url = reverse("admin:complaints_complaint_change", args=[case.pk])
    client.force_login(tianhe_handler)
    time_machine.move_to(datetime(2026, 3, 25, 9, 0, tzinfo=SHANGHAI))
    text = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    assert "超期 2 天" in text  # 2026-03-23 + 2, not 5 from the internal target
    time_machine.move_to(datetime(2026, 3, 22, 9, 0, tzinfo=SHANGHAI))
    client.force_login(tianhe_handler)
    text = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    assert "超内部时限 2 天" in text
    assert "超期" not in text.replace("超期未结", "")


def _numbers(response: Any) -> set[str]:
    return {c.number for c in response.context["cl"].result_list}


def test_overdue_means_the_same_on_the_list_and_the_dashboards(
    client: Any, case: Complaint, gz_manager: Any, time_machine: Any
) -> None:
    drill = (
        reverse("admin:reporting_drilldown")
        + "?institution=GDGZ&period=2026Q1&metric=overdue_open"
    )
    # Past the internal target only: a warning, not overdue anywhere.
    time_machine.move_to(datetime(2026, 3, 22, 9, 0, tzinfo=SHANGHAI))
    client.force_login(gz_manager)
    assert _numbers(client.get(f"{LIST}?due=overdue")) == set()
    assert _numbers(client.get(f"{LIST}?due=past_internal")) == {case.number}
    assert case.number not in client.get(drill).content.decode()
    # Past the legal deadline: overdue on the list and in the statistics.
    time_machine.move_to(datetime(2026, 3, 24, 9, 0, tzinfo=SHANGHAI))
    client.force_login(gz_manager)  # a new session: the last one idled out
    assert _numbers(client.get(f"{LIST}?due=overdue")) == {case.number}
    assert _numbers(client.get(f"{LIST}?due=past_internal")) == set()
    assert case.number in client.get(drill).content.decode()
