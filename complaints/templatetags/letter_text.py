"""Filters that make letters read as Chinese prose whatever the staff typed:
dates as 2026年3月6日, a typed reason fitted into a sentence without doubled
punctuation ("因案情复杂。，经批准" becomes "因案情复杂，经批准")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()

# Marks a typed text may end with that the sentence around it supplies itself.
TRAILING = "。，、；：,.;:!！?？ \t\r\n"
# Marks that already end a sentence.
SENTENCE_END = ("。", "！", "？", "…", "”", "」", "）")


@register.filter
def cn_date(value: Any) -> str:
    """A date (or a moment, in local time) as YYYY年M月D日; "" when empty."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def clause(value: Any) -> str:
    """A typed text to be continued by the letter: trailing marks removed."""
    return str(value or "").strip().rstrip(TRAILING).strip()


@register.filter
def sentence(value: Any) -> str:
    """A typed text that ends a sentence: closed with exactly one full stop."""
    text = str(value or "").strip()
    if not text:
        return ""
    if text.endswith(SENTENCE_END):
        return text
    return clause(text) + "。"
