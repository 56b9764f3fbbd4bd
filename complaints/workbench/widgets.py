"""Date and time inputs that read the same whatever the browser's language.

A browser draws <input type="date"> and "datetime-local" in its own locale
(07/03/2026, 03:00 PM in an English browser), never the YYYY-MM-DD and 24-hour
time the complaint files and the regulator use. These are text inputs in that
one format, with the admin's calendar and "today / now" shortcuts for dates
(DateTimeShortcuts, loaded as a static file: nothing inline for the CSP).
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
DATETIME_PATTERN = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?"


def date_widget() -> forms.DateInput:
    return AdminDateWidget(
        attrs={
            "placeholder": "YYYY-MM-DD",
            "pattern": DATE_PATTERN,
            "inputmode": "numeric",
            "autocomplete": "off",
        },
        format=DATE_FORMAT,
    )


def datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(
        attrs={
            "placeholder": "YYYY-MM-DD HH:MM",
            "pattern": DATETIME_PATTERN,
            "class": "vDateTimeField",
            "size": "16",
            "autocomplete": "off",
        },
        format=DATETIME_FORMAT,
    )
