"""403, 404 and 500 inside the admin's frame, in the user's language, with the
navigation and, for a refusal, the reason the application gave; a refused
action page has no live confirm button and says who can act instead."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from complaints.admin.complaint import ComplaintAdmin
from complaints.models import Complaint
from tests.complaints.test_services_transitions import CALLS

MY_WORK = reverse("admin:complaints_complaint_my_work")


@pytest.fixture
def web(client: Any) -> Any:
    client.raise_request_exception = False
    return client


def _framed(page: str) -> None:
    assert 'id="header"' in page  # the admin's header
    assert f'href="{MY_WORK}"' in page  # a way on
    assert "Traceback" not in page


@pytest.mark.parametrize(
    ("language", "title", "reason"),
    [
        ("zh-hans", "您无权执行此操作", "您的角色无权查看统计报表。"),
        ("en", "You may not do this", "Your roles do not include reading reports."),
    ],
)
def test_a_refusal_says_why_inside_the_frame(
    web: Any, zj_viewer: Any, language: str, title: str, reason: str
) -> None:
    web.force_login(zj_viewer)
    response = web.get(
        reverse("admin:reporting_handler"), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    page = response.content.decode()
    _framed(page)
    assert title in page
    assert reason in page


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "页面不存在"), ("en", "Page not found")]
)
def test_not_found_inside_the_frame_and_no_hint(
    web: Any,
    register: Any,
    tianhe_handler: Any,
    xihu_handler: Any,
    language: str,
    title: str,
) -> None:
    hidden = register(xihu_handler, institution="ZJHZXH")
    web.force_login(tianhe_handler)
    pages = []
    for pk in (hidden.pk, 999999):  # outside the scope, and missing: the same
        url = reverse("admin:complaints_complaint_change", args=[pk])
        response = web.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 404
        page = response.content.decode()
        _framed(page)
        assert title in page
        pages.append(page.replace(str(pk), ""))
    assert hidden.number not in pages[0]


def test_a_failure_is_a_500_inside_the_frame(
    web: Any, tianhe_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in get_queryset")

    monkeypatch.setattr(ComplaintAdmin, "get_queryset", broken)
    web.force_login(tianhe_handler)
    response = web.get(
        reverse("admin:complaints_complaint_changelist"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 500
    page = response.content.decode()
    assert "出错了" in page
    assert "a bug" not in page
    assert "RuntimeError" not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["此操作目前不对您开放", "可由以下人员办理"]),
        ("en", ["not open to you", "It can be taken by"]),
    ],
)
def test_a_refused_action_page_has_no_live_button_and_names_who_can(
    client: Any,
    register: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    language: str,
    words: list[str],
) -> None:
    c = register(tianhe_handler)
    for step in ("accept", "assign", "propose_decision"):
        c = CALLS[step](c, tianhe_handler)
    client.force_login(tianhe_handler)  # the drafter: never the approver
    url = reverse("admin:complaints_complaint_act", args=[c.pk, "approve"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'id="perform"' not in page
    assert 'type="submit"' not in page.split('id="action_form"')[1]
    for word in words:
        assert word in page
    assert f"{gz_manager.last_name}{gz_manager.first_name}" in page
    # A forced POST is still refused by the service, and nothing is written.
    client.post(url, {"version": c.updated_at.isoformat()})
    c.refresh_from_db()
    assert c.status == Complaint.Status.AWAITING_APPROVAL
