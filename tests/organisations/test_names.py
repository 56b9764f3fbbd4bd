"""People are shown by name (姓名, Chinese order), never by account name."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from organisations.names import (
    display_name,
    display_name_or_dash,
    display_name_with_account,
)


def _u(first: str = "", last: str = "", username: str = "handler_tianhe") -> Any:
    return SimpleNamespace(first_name=first, last_name=last, username=username)


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("晓敏", "陈", "陈晓敏"),  # family name first, no space
        (" 晓敏 ", "陈", "陈晓敏"),
        ("Anna", "Lee", "Anna Lee"),  # a Western name in its own order
        ("", "", "handler_tianhe"),  # no name recorded: the account
    ],
)
def test_display_name(first: str, last: str, shown: str) -> None:
    assert display_name(_u(first, last)) == shown


def test_no_one_and_the_account_in_brackets() -> None:
    assert display_name(None) == ""
    assert display_name_or_dash(None) == "—"
    assert display_name_with_account(_u("晓敏", "陈")) == "陈晓敏 (handler_tianhe)"
    assert display_name_with_account(_u()) == "handler_tianhe"


@pytest.mark.django_db
def test_django_shows_every_user_by_name() -> None:
    """The admin's read-only fields, select boxes and history print str(user)."""
    user = get_user_model()(
        username="handler_tianhe", first_name="晓敏", last_name="陈"
    )
    assert str(user) == "陈晓敏"
    assert user.get_full_name() == "陈晓敏"
    assert user.get_short_name() == "陈晓敏"  # the admin's greeting
    rendered = Template("{{ u }}").render(Context({"u": user}))
    assert rendered == "陈晓敏"
