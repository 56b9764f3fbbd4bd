"""Django's format_html and conditional_escape, for the rows pages repeat.

Django's `escape` is wrapped by `keep_lazy`, which looks through its
arguments for lazy translations on every call: four times the cost of the
escaping itself. The complaint list and the desk build a thousand such
fragments a page (issue 19). These functions escape plain strings with the
standard library directly (which Django's `escape` also calls) and hand
anything else to Django, so the output is the same:
tests/test_html.py compares them.
"""

from __future__ import annotations

import html
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString


def text(value: Any) -> str:
    """`conditional_escape(value)` as a str."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, SafeData):
        return str(value.__html__())
    return str(conditional_escape(value))


def format_html(template: str, *args: Any) -> SafeString:
    """`django.utils.html.format_html(template, *args)`: every argument
    escaped unless already safe HTML."""
    return SafeString(template.format(*[text(a) for a in args]))
