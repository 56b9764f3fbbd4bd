"""Account security: sign-in lockout (django-axes), password rules and session
time limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from organisations.admin_site import LOCKED_OUT
from organisations.middleware import SESSION_EXPIRED
from organisations.passwords import TOO_FEW_CLASSES
from sampledata.organisation import DEMO_PASSWORD
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


def sign_in(
    client: Client, username: str, password: str, address: str = "10.0.0.1"
) -> Any:
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


# --- Lockout -------------------------------------------------------------------
def test_the_fifth_wrong_password_blocks_sign_in_even_with_the_right_one(
    client: Client, gz_manager: Any
) -> None:
    for _ in range(4):
        response = sign_in(client, "gz_manager", "wrong-password-1")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.text

    response = sign_in(client, "gz_manager", "wrong-password-1")
    assert response.status_code == 429
    assert str(LOCKED_OUT % {"minutes": 30}) in response.text

    response = sign_in(client, "gz_manager", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_is_the_same_for_a_missing_account(
    client: Client, gz_manager: Any
) -> None:
    pages = []
    for username in ("gz_manager", "nobody_here"):
        for _ in range(5):
            response = sign_in(client, username, "wrong-password-1")
        assert response.status_code == 429
        pages.append(response.content)
    assert pages[0] == pages[1]


def test_the_lockout_page_is_chinese_by_default(
    client: Client, gz_manager: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    for _ in range(5):
        response = sign_in(client, "gz_manager", "wrong-password-1")
    assert response.status_code == 429
    assert '<html lang="zh-hans"' in response.text
    with translation.override("zh-hans"):
        assert str(LOCKED_OUT % {"minutes": 30}) in response.text


def test_failures_from_another_address_do_not_block_the_owner(
    client: Client, gz_manager: Any
) -> None:
    for _ in range(6):
        sign_in(client, "gz_manager", "wrong-password-1", address="203.0.113.9")

    response = sign_in(client, "gz_manager", PASSWORD, address="10.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(
    client: Client, gz_manager: Any
) -> None:
    # No trusted proxy (INTAKE_TRUSTED_PROXY_COUNT=0): the socket address counts.
    for i in range(5):
        response = client.post(
            LOGIN,
            {"username": "gz_manager", "password": "wrong-password-1"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
    assert response.status_code == 429


def test_a_successful_sign_in_clears_earlier_failures(
    client: Client, gz_manager: Any
) -> None:
    for _ in range(4):
        sign_in(client, "gz_manager", "wrong-password-1")
    assert sign_in(client, "gz_manager", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        assert sign_in(client, "gz_manager", "wrong-password-1").status_code == 200
    assert sign_in(client, "gz_manager", PASSWORD).status_code == 302


def test_sign_in_opens_again_after_the_cool_off(
    client: Client, gz_manager: Any, settings: Any
) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            sign_in(client, "gz_manager", "wrong-password-1")
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert sign_in(client, "gz_manager", PASSWORD).status_code == 429
    # The try at minute 29 restarted the cool-off.
    with time_machine.travel(start + timedelta(minutes=60), tick=False):
        assert sign_in(client, "gz_manager", PASSWORD).status_code == 302


def test_the_failure_limit_comes_from_the_settings(
    client: Client, gz_manager: Any, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    assert sign_in(client, "gz_manager", "wrong-password-1").status_code == 200
    assert sign_in(client, "gz_manager", "wrong-password-1").status_code == 429


def test_the_attempt_record_keeps_no_password(client: Client, gz_manager: Any) -> None:
    sign_in(client, "gz_manager", "wrong-password-1")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "gz_manager"
    assert "wrong-password-1" not in attempt.post_data


# --- Passwords -------------------------------------------------------------------
@pytest.mark.parametrize(
    "password",
    [DEMO_PASSWORD, PASSWORD, "Harbour lights 7", "correct-horse-battery-9"],
)
def test_good_passwords_pass(password: str) -> None:
    validate_password(password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pass", "This password is too short. It must contain at least 12"),
        # Literal text: parameters are built at collection time, before the
        # suite switches to English, so a lazy message would come out Chinese.
        ("harbourlightsatnight", "This password must mix at least 3 of these"),
        ("HARBOURLIGHTS2026", "This password must mix at least 3 of these"),
        ("Password1234", "This password is too common."),
        ("314159265358979", "This password is entirely numeric."),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any(m.startswith(message) for m in exc.value.messages), exc.value.messages


def test_the_reason_is_translated() -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password("harbourlightsatnight")
    with translation.override("zh-hans"):
        assert str(TOO_FEW_CLASSES % {"min_classes": 3}) in exc.value.messages


def test_changing_to_a_weak_password_in_the_admin_is_refused(
    client: Client, gz_manager: Any
) -> None:
    client.force_login(gz_manager)
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "harbourlightsatnight",
            "new_password2": "harbourlightsatnight",
        },
    )
    assert response.status_code == 200
    assert "must mix at least 3 of these" in response.text
    gz_manager.refresh_from_db()
    assert gz_manager.check_password(PASSWORD)


# --- Sessions ----------------------------------------------------------------------
@pytest.fixture
def signed_in(client: Client, gz_manager: Any, settings: Any) -> Any:
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 8 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(gz_manager)
        assert client.get("/admin/").status_code == 200
    return start


def get_at(client: Client, when: Any, url: str = "/admin/") -> Any:
    with time_machine.travel(when, tick=False):
        return client.get(url)


def test_a_session_ends_after_thirty_idle_minutes(
    client: Client, signed_in: Any
) -> None:
    assert get_at(client, signed_in + timedelta(minutes=29)).status_code == 200
    late = signed_in + timedelta(minutes=29 + 31)
    response = get_at(client, late)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session

    login_page = get_at(client, late, response["Location"])
    assert str(SESSION_EXPIRED) in login_page.text


def test_activity_keeps_a_session_alive_up_to_its_absolute_limit(
    client: Client, signed_in: Any
) -> None:
    for minutes in range(20, 8 * 60, 20):
        response = get_at(client, signed_in + timedelta(minutes=minutes))
        assert response.status_code == 200, minutes
    response = get_at(client, signed_in + timedelta(hours=8, minutes=5))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_idle_limit_comes_from_the_settings(
    client: Client, signed_in: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    assert get_at(client, signed_in + timedelta(minutes=7)).status_code == 302


def test_a_new_sign_in_restarts_both_clocks(
    client: Client, gz_manager: Any, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(gz_manager)
        client.get("/admin/")
    later = start + timedelta(minutes=50)
    with time_machine.travel(later, tick=False):
        assert sign_in(client, "gz_manager", PASSWORD).status_code == 302
    # 70 minutes after the first sign-in, 20 after the second.
    assert get_at(client, later + timedelta(minutes=20)).status_code == 200


def test_the_idle_clock_costs_no_session_write(client: Client, signed_in: Any) -> None:
    """The clock moves in a signed cookie: a page opened minutes later runs no
    query on the session table (issue 19: the session write added 3–4)."""
    get_at(client, signed_in + timedelta(minutes=5))
    with CaptureQueriesContext(connection) as queries:
        assert get_at(client, signed_in + timedelta(minutes=12)).status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"]
        and not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert writes == []


def _queries_at(client: Client, when: Any, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert get_at(client, when, url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_list_that_moves_the_idle_clock_writes_no_session(
    client: Client, signed_in: Any
) -> None:
    """Issue 19: the session is written at most once per idle window without
    adding queries to the page that triggers it: the complaint list opened
    after the clock's minute has turned only reads the session."""
    url = "/admin/complaints/complaint/"
    get_at(client, signed_in + timedelta(minutes=3), url)
    turned = _queries_at(client, signed_in + timedelta(minutes=12), url)
    assert not [q for q in turned if "django_session" in q and "SELECT" not in q]


def test_a_session_without_its_clock_cookie_counts_from_sign_in(
    client: Client, signed_in: Any
) -> None:
    """Dropping or forging the cookie can only end a session sooner."""
    assert get_at(client, signed_in + timedelta(minutes=25)).status_code == 200
    client.cookies["cd_seen"] = "last=99999999999"
    assert get_at(client, signed_in + timedelta(minutes=40)).status_code == 302


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)"],
)
def test_a_refused_next_lands_on_the_workbench(
    client: Client, gz_manager: Any, next_url: str
) -> None:
    response = client.post(
        f"/admin/login/?next={next_url}",
        {"username": gz_manager.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200
