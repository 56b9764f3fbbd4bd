"""Security headers on every page, pages that keep to the Content-Security-Policy
(no inline script, style or event handler), and the production settings:
secure cookies, HSTS and a clean `check --deploy`."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from tests.test_settings import run

pytestmark = pytest.mark.django_db

# An inline <script> (one without src), a style attribute or <style> element,
# an on* event handler or a javascript: URL: each is refused by the policy.
CSP_BREAKERS = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=|javascript:",
    re.IGNORECASE,
)


def directives(header: str) -> dict[str, str]:
    parts = (d.strip().split(" ", 1) for d in header.split(";") if d.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


@pytest.fixture
def sysadmin(db: Any) -> Any:
    return UserFactory(username="sysadmin", is_superuser=True)


def test_the_login_page_sends_the_security_headers(client: Client) -> None:
    response = client.get("/admin/login/")
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_api_sends_them_too(client: Client) -> None:
    response = client.get("/api/v1/schema/")
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/login/",
        "/admin/",
        "/admin/organisations/institution/",
        "/admin/organisations/institution/add/",
        "/admin/organisations/membership/",
        "/admin/organisations/twofactordevice/",
        "/admin/two-factor/",
        "/admin/password_change/",
        "/admin/auth/user/",
    ],
)
def test_admin_pages_keep_to_the_policy(
    client: Client, tree: Any, sysadmin: Any, url: str
) -> None:
    if url != "/admin/login/":
        client.force_login(sysadmin)
    response = client.get(url)
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    breakers = CSP_BREAKERS.findall(response.text)
    assert not breakers, breakers


def test_the_tree_is_indented_by_class_not_style(
    client: Client, tree: Any, sysadmin: Any
) -> None:
    client.force_login(sysadmin)
    page = client.get("/admin/organisations/institution/").text
    assert '<span class="tree-depth-3">天河支公司</span>' in page
    assert "organisations/admin.css" in page


def test_the_lockout_page_keeps_to_the_policy(client: Client, gz_manager: Any) -> None:
    for _ in range(5):
        response = client.post(
            "/admin/login/", {"username": "gz_manager", "password": "wrong-pass-1"}
        )
    assert response.status_code == 429
    assert "Content-Security-Policy" in response
    assert not CSP_BREAKERS.findall(response.text)


def test_cookies_are_secure_and_hsts_is_sent_when_configured(
    client: Client, gz_manager: Any, settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    login = client.get("/admin/login/", secure=True)
    assert login["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert login.cookies["csrftoken"]["secure"]
    response = client.post(
        "/admin/login/",
        {"username": "gz_manager", "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


# --- Production settings, read in a fresh process ------------------------------------
SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({k: "
    "getattr(s, k) for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
    "'SESSION_COOKIE_HTTPONLY', 'SESSION_IDLE_TIMEOUT', 'SESSION_COOKIE_AGE', "
    "'AXES_FAILURE_LIMIT', 'OTP_REQUIRED_FOR_STAFF', 'CONTENT_SECURITY_POLICY']}))"
)


def shown(**env: str) -> dict[str, Any]:
    result = run("shell", "-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_are_secure() -> None:
    values = shown(DJANGO_SECRET_KEY="x" * 50)
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_IDLE_TIMEOUT"] == 1800
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["OTP_REQUIRED_FOR_STAFF"] is False


def test_account_settings_are_read_from_the_environment() -> None:
    values = shown(
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_SESSION_IDLE_TIMEOUT="600",
        LOGIN_FAILURE_LIMIT="3",
        OTP_REQUIRED_FOR_STAFF="true",
        DJANGO_CONTENT_SECURITY_POLICY="",
    )
    assert values["SESSION_IDLE_TIMEOUT"] == 600
    assert values["AXES_FAILURE_LIMIT"] == 3
    assert values["OTP_REQUIRED_FOR_STAFF"] is True
    # An empty variable keeps the policy rather than dropping the header.
    assert values["CONTENT_SECURITY_POLICY"].startswith("default-src 'self'")


def test_check_deploy_reports_nothing() -> None:
    result = run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" * 64
        + "-not-a-real-secret-but-long-and-varied-0123456789",
        DJANGO_ALLOWED_HOSTS="complaints.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_history_pages_keep_to_the_policy(
    client: Client, tree: Any, sysadmin: Any
) -> None:
    """simple-history's list had an inline style: every history page broke
    the policy (templates/simple_history/object_history_list.html)."""
    from complaints.services import complaint_register
    from tests.complaints.conftest import code

    complaint = complaint_register(
        actor=sysadmin,
        institution=tree["GDGZTH"],
        channel=code("channel", "hotline"),
        complainant_name="林小雨",
        product_line=code("product_line", "motor"),
        category=code("category", "claims"),
        request="要求赔付",
        facts="理赔金额低于定损金额。",
    )
    client.force_login(sysadmin)
    for url in (
        f"/admin/complaints/complaint/{complaint.pk}/history/",
        f"/admin/organisations/institution/{tree['GDGZTH'].pk}/history/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not CSP_BREAKERS.findall(response.text), url


def test_no_project_template_breaks_the_policy() -> None:
    """Every template of the project, read as a file: a page that no test
    opens (the 503 page, the printable disclosure) keeps to the policy too."""
    from pathlib import Path

    from django.conf import settings

    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [
        Path(settings.BASE_DIR) / app
        for app in ("complaints", "organisations", "reporting", "intake", "insight")
    ]
    found = {
        str(path): CSP_BREAKERS.findall(path.read_text("utf-8"))
        for root in roots
        for path in root.rglob("*.html")
    }
    assert {p: b for p, b in found.items() if b} == {}


def test_the_unavailable_page_keeps_to_the_policy() -> None:
    from django.template.loader import render_to_string

    page = render_to_string("503.html")
    assert not CSP_BREAKERS.findall(page)
    assert "errors/unavailable.css" in page
