"""How a person is shown: by name, never by account name.

One helper for every page, list, letter, e-mail and history row
(`display_name`); Django's own displays of a user (the admin's read-only
fields, select boxes, the history's "changed by", ``{{ user }}`` in a
template) go through it too, because OrganisationsConfig.ready() makes it the
User model's ``__str__`` and ``get_full_name``.
"""

from __future__ import annotations

from typing import Any

EMPTY = "—"


def _is_chinese(text: str) -> bool:
    # CJK Unified Ideographs and extension A: the characters of Chinese names.
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def display_name(user: Any) -> str:
    """A staff member's name: 姓+名 with no space for a Chinese name (陈晓敏),
    given name first for a Western one (Anna Lee); the account name only when
    no name is recorded; "" for no one."""
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if not (first or last):
        return str(getattr(user, "username", "") or "")
    if _is_chinese(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def display_name_or_dash(user: Any) -> str:
    """display_name, or "—" where a person is expected but none is set."""
    return display_name(user) or EMPTY


def display_name_with_account(user: Any) -> str:
    """The name with the account in brackets, for choosing among people who
    may share a name (陈晓敏 (handler_tianhe))."""
    name = display_name(user)
    username = str(getattr(user, "username", "") or "")
    return f"{name} ({username})" if name and name != username else name


def install() -> None:
    """Make Django show every user by name (called once from AppConfig.ready)."""
    from django.contrib.auth import get_user_model

    user_model: Any = get_user_model()
    user_model.__str__ = display_name
    user_model.get_full_name = display_name
    # The admin's "欢迎，…" greets by the short name: the whole name here.
    user_model.get_short_name = display_name
