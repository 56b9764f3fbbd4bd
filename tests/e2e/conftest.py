"""Browser tests: Playwright driving Debian's /usr/bin/chromium (never a downloaded
browser). Without chromium they are skipped, unless REQUIRE_BROWSER is set (CI),
where a missing browser is a failure."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    e2e_items = [i for i in items if here in Path(str(i.fspath)).parents]
    for item in e2e_items:
        item.add_marker(pytest.mark.e2e)
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"{CHROMIUM} is missing and REQUIRE_BROWSER is set")
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} not installed (apt-get install chromium)"
    )
    for item in e2e_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": 1400, "height": 900},
    }


@pytest.fixture(autouse=True)
def _no_csp_violations(page: Any) -> Any:
    """Every page a browser test opens (popups included) keeps to the
    Content-Security-Policy: Chromium reports each refusal on the console."""
    refused: list[str] = []

    def watch(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{message.location.get('url')}: {message.text}")

    page.context.on("console", watch)
    yield
    assert not refused, refused


@pytest.fixture
def login(live_server: Any, page: Any) -> Any:
    from tests.factories import PASSWORD

    def do(user: Any) -> Any:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        return page

    return do


@pytest.fixture(autouse=True)
def _chinese_records(settings: Any) -> None:
    """The records a browser test sets up are written in the deployment's
    language (zh-hans), as a request in a Chinese deployment writes them: a
    history reason is stored in the language it was written in (it is part of
    the sealed record), and set up in English it read "Registered" on the
    Chinese case page's timeline. Overrides tests/conftest.py's English."""
    settings.LANGUAGE_CODE = "zh-hans"
