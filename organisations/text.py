"""Text as people see it: no invisible formatting characters.

A right-to-left override (U+202E) stored in a name turns "林小雨.exe" into
what reads as another text on every page, letter and export; zero-width
characters make two equal-looking names differ (a duplicate check or a search
misses), and a phone or an ID number with one inside would be refused although
it reads right. Such characters carry nothing in names, identifiers and
complaint texts, so they are removed before validation: Unicode's format
category (bidirectional controls, zero-width spaces and joiners, the BOM, soft
hyphens, tags) and the other code points Unicode calls "default ignorable"
(Hangul fillers, variation selectors, the combining grapheme joiner, Khmer's
inherent vowels), plus the blank braille pattern, which renders as a space.

The one rule, applied at every door: the models' full_clean() (VisibleText:
admin forms, services, imports, mail), the API's string fields
(intake.serializers) and the identifiers' normal form (complaints.rules.identifiers:
phones, ID numbers, credit codes, plates, wherever they come from).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import models

# Default_Ignorable_Code_Point outside category Cf (Unicode DerivedCoreProperties),
# and U+2800 BRAILLE PATTERN BLANK.
_IGNORABLE = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0000, 0xE0FFF),
)


def invisible(ch: str) -> bool:
    if unicodedata.category(ch) == "Cf":
        return True
    code = ord(ch)
    return any(low <= code <= high for low, high in _IGNORABLE)


def visible(text: str) -> str:
    """`text` without invisible characters (see the module's docstring)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if not invisible(ch))


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
