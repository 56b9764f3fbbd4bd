"""config.html writes what Django's format_html and conditional_escape write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import html as django_html
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from config import html


class Fragment:
    def __html__(self) -> str:
        return "<i>made</i>"

    def __str__(self) -> str:
        return "<i>not this</i>"


class Text(str):
    """A str subclass that is not safe."""


VALUES: list[Any] = [
    "plain",
    "",
    "<script>alert('x')</script> & \"quoted\"",
    "投诉 <b>",
    Text("<sub>"),
    mark_safe("<b>safe</b>"),
    SafeString("&amp;"),
    gettext_lazy("Add"),
    gettext_lazy("Filter navigation items"),
    3,
    -1.5,
    Decimal("12.30"),
    date(2026, 12, 4),
    None,
    Fragment(),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ for v in VALUES])
def test_text_is_conditional_escape(value: Any, language: str) -> None:
    with translation.override(language):
        assert html.text(value) == str(django_html.conditional_escape(value))


@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ for v in VALUES])
def test_format_html_is_djangos(value: Any) -> None:
    template = '<a href="{}" title="{}">{}</a>'
    ours = html.format_html(template, value, "t<", value)
    assert ours == django_html.format_html(template, value, "t<", value)
    assert isinstance(ours, SafeString)


def test_a_fragment_it_made_is_not_escaped_again() -> None:
    inner = html.format_html("<b>{}</b>", "<x>")
    assert html.format_html("<p>{}</p>", inner) == "<p><b>&lt;x&gt;</b></p>"
