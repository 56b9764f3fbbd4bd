"""Text as people see it: no invisible formatting characters.

A right-to-left override (U+202E) stored in a name turns "林小雨.exe" into
what reads as another text on every page, letter and export; zero-width
characters make two equal-looking names differ (a duplicate check or a search
misses). Such characters (Unicode's format category: bidirectional controls,
zero-width spaces and joiners, the BOM, soft hyphens) carry nothing in names
and complaint texts, so they are removed before validation: every door (admin
form, API, import, mail) reaches the model through a service's full_clean().
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import models


def visible(text: str) -> str:
    """`text` without invisible format characters (category Cf)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


class VisibleText:
    """Model mixin: full_clean() strips invisible characters from every free
    text field (not from coded values: a field with choices is checked as is)."""

    _meta: Any

    def clean_fields(self, exclude: Any = None) -> None:
        skip = set(exclude or ())
        for field in self._meta.concrete_fields:
            if field.name in skip or field.choices:
                continue
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                if isinstance(value, str):
                    setattr(self, field.attname, visible(value))
        super().clean_fields(exclude)  # type: ignore[misc]
