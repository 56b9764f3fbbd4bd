"""A lost database connection (PostgreSQL restarting) answers a clean,
translated 503 "temporarily unavailable"; every other failure stays Django's
plain 500. Neither shows a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper

from complaints.admin.complaint import ComplaintAdmin
from sampledata.organisation import DEMO_PASSWORD

CHANGELIST = "/admin/complaints/complaint/"
LEAKS = ["Traceback", "OperationalError", "InterfaceError", "server closed"]


@pytest.fixture
def database_down(db: Any) -> Iterator[Callable[..., None]]:
    """Calling it makes every query fail as while PostgreSQL restarts (until
    the test ends, before the test database is rolled back)."""
    with pytest.MonkeyPatch.context() as patch:

        def down(error: Exception | None = None) -> None:
            def fail(*args: Any, **kwargs: Any) -> None:
                raise error or OperationalError("server closed the connection")

            patch.setattr(CursorWrapper, "_execute", fail)

        yield down


@pytest.fixture
def web(client: Any) -> Any:
    # As a browser sees it: the answer, not the exception re-raised.
    client.raise_request_exception = False
    return client


def assert_unavailable(response: Any) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert not [leak for leak in LEAKS if leak in page]
    return page


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection"),
        InterfaceError("the connection is closed"),
    ],
)
def test_a_page_whose_database_is_gone_answers_503(
    web: Any, tianhe_handler: Any, database_down: Any, error: Exception
) -> None:
    web.force_login(tianhe_handler)
    database_down(error)
    page = assert_unavailable(web.get(CHANGELIST))
    assert "Service temporarily unavailable" in page
    assert "reload the page first to see whether it was saved" in page


def test_the_503_page_is_in_the_users_language(
    web: Any, tianhe_handler: Any, database_down: Any
) -> None:
    web.force_login(tianhe_handler)
    database_down()
    response = web.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert '<html lang="zh-hans">' in assert_unavailable(response)


def test_logging_in_while_the_session_cannot_be_saved_answers_503(
    web: Any, tianhe_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tianhe_handler.set_password(DEMO_PASSWORD)
    tianhe_handler.save()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(SessionStore, "save", fail)
    response = web.post(
        "/admin/login/",
        {"username": tianhe_handler.username, "password": DEMO_PASSWORD},
    )
    assert_unavailable(response)


def test_any_other_failure_is_a_500_without_retry(
    web: Any, tianhe_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(ComplaintAdmin, "get_queryset", broken)
    web.force_login(tianhe_handler)
    response = web.get(CHANGELIST)
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Traceback" not in response.content.decode()
