"""The sidebar written in Python (organisations.templatetags.admin_menu) is
Django's admin/app_list.html, for every kind of user and page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from organisations.templatetags.admin_menu import sidebar_html
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PATHS = [
    "/admin/",
    "/admin/complaints/",
    "/admin/complaints/complaint/",
    "/admin/complaints/complaint/12/change/",
    "/admin/organisations/institution/",
    "/admin/reporting/dashboard/compliance/",
]


def _squeezed(html: str) -> str:
    """Without the whitespace the template puts between and inside tags."""
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def _stock(apps: list[dict[str, Any]], request: Any) -> str:
    return render_to_string(
        "admin/app_list.html",
        {"app_list": apps, "show_changelinks": False, "request": request},
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("path", PATHS)
def test_the_sidebar_is_the_stock_app_list(
    path: str, language: str, gd_manager: Any, tianhe_handler: Any
) -> None:
    superuser = UserFactory(username="root", is_superuser=True)
    compared = 0
    for user in (superuser, gd_manager, tianhe_handler):
        request = RequestFactory().get(path)
        request.user = user
        with translation.override(language):
            apps = admin.site.get_app_list(request)
            assert apps, user
            ours = str(sidebar_html(apps, request.path))
            assert _squeezed(ours) == _squeezed(_stock(apps, request))
        compared += 1
    assert compared == 3


def _complaints_app(
    name: str, model: str, add_url: str | None, *more: dict[str, Any]
) -> list[dict[str, Any]]:
    """An app list of the complaints app, as get_app_list gives it."""
    complaint = {
        "object_name": "Complaint",
        "name": model,
        "admin_url": "/admin/complaints/complaint/",
        "add_url": add_url,
    }
    return [
        {
            "app_label": "complaints",
            "app_url": "/admin/complaints/",
            "name": name,
            "models": [complaint, *more],
        }
    ]


def test_marks_the_current_model_and_app_and_escapes_names() -> None:
    apps = _complaints_app(
        "投诉 <b>",
        'A & "B"',
        "/admin/complaints/complaint/add/",
        {"object_name": "Code", "name": "Codes", "admin_url": None},
    )
    request = RequestFactory().get("/admin/complaints/complaint/3/change/")
    ours = str(sidebar_html(apps, request.path))
    assert _squeezed(ours) == _squeezed(_stock(apps, request))
    assert 'class="model-complaint current-model"' in ours
    assert "current-app" in ours
    assert 'aria-current="page"' in ours
    assert "投诉 &lt;b&gt;" in ours
    assert "A &amp; &quot;B&quot;" in ours
    assert "<b>" not in ours


def test_nothing_to_see_says_so() -> None:
    request = RequestFactory().get("/admin/")
    with translation.override("zh-hans"):
        assert _squeezed(str(sidebar_html([], request.path))) == _squeezed(
            _stock([], request)
        )


def test_pages_draw_the_sidebar_with_it(tianhe_handler: Any) -> None:
    client = Client()
    client.force_login(tianhe_handler)
    body = client.get("/admin/complaints/complaint/").content.decode()
    nav = body.split('id="nav-sidebar"', 1)[1].split("</nav>", 1)[0]
    assert 'class="model-complaint current-model"' in nav
    assert 'href="/admin/complaints/complaint/" aria-current="page"' in nav
    assert 'id="nav-filter"' in nav


def test_a_context_without_a_request_marks_nothing_current() -> None:
    """As the template, which reads an absent request as an empty path."""
    from django.template import Context

    from organisations.templatetags.admin_menu import sidebar_apps

    apps = _complaints_app("投诉", "投诉", None)
    html = str(sidebar_apps(Context({"available_apps": apps})))
    assert 'href="/admin/complaints/complaint/"' in html
    assert "current-" not in html
