"""The complaint list's rows, rendered without the admin's per-cell machinery.

Django's `result_list` tag looks up every cell (100 rows × 7 cells) by name:
`lookup_field` (a failed `_meta.get_field` per computed column), the empty
value, the row classes, the change URL reversed and the preserved filters
merged per row, and the action checkbox rendered through the form widget's
template. Profiled at a million complaints that was a third of the list's
Python time (issue 19). Here each column is resolved once per page and a
row is one string; the HTML is the admin's own, byte for byte
(tests/complaints/test_list_rows.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import (  # type: ignore[attr-defined]
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_value, lookup_field, quote
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from config import html

# Stands for the row's key in the change URL built once per page.
_KEY = "cd0row0key"

Cell = Callable[[Any], str]


def result_list(cl: Any) -> dict[str, Any]:
    """The context of the admin's `result_list` tag, rows pre-rendered."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "rows": rows(cl),
    }


def rows(cl: Any) -> list[SafeString]:
    """Each result as the `<tr>…</tr>` Django's admin would render for it."""
    results = list(cl.result_list)
    if not results:
        return []
    cells = _columns(cl, results[0])
    if cells is None:  # a column this renderer does not know: the admin's way
        from django.contrib.admin.templatetags.admin_list import results as stock

        return [mark_safe("<tr>" + "".join(r) + "</tr>") for r in stock(cl)]  # noqa: S308
    return [
        mark_safe("<tr>" + "".join([cell(obj) for cell in cells]) + "</tr>")  # noqa: S308
        for obj in results
    ]


def _columns(cl: Any, sample: Any) -> list[Cell] | None:
    admin = cl.model_admin
    if cl.is_popup or cl.formset is not None or cl.list_display_links is None:
        return None
    cells: list[Cell] = []
    first = True
    for index, name in enumerate(cl.list_display):
        if name == "action_checkbox":
            cells.append(_checkbox(sample))
            continue
        f, attr, _value = lookup_field(name, sample, admin)
        empty = getattr(attr, "empty_value_display", admin.get_empty_value_display())
        css = f"field-{_coerce_field_name(name, index)}"
        if f is not None:
            if f.is_relation or isinstance(f, (models.DateField, models.TimeField)):
                return None
            if isinstance(f, (models.BooleanField, models.DecimalField)) or f.choices:
                return None
            value = _field_value(f.attname, empty)
        elif getattr(attr, "boolean", False) or isinstance(attr, property):
            return None
        else:
            value = _computed_value(name, admin, empty)
        link = first and (not cl.list_display_links or name in cl.list_display_links)
        if link:
            cells.append(_linked(cl, css, value))
            first = False
        else:
            cells.append(_plain(css, value))
    return cells


def _field_value(attname: str, empty: str) -> Cell:
    def value(obj: Any) -> str:
        v = getattr(obj, attname)
        if isinstance(v, str) and v.strip() == "":
            v = ""
        return html.text(display_for_value(v, empty))

    return value


def _computed_value(name: Any, admin: Any, empty: str) -> Cell:
    call = name if callable(name) else getattr(admin, name)

    def value(obj: Any) -> str:
        v = call(obj)
        if isinstance(v, str) and v.strip() == "":
            v = ""
        return html.text(display_for_value(v, empty))

    return value


def _plain(css: str, value: Cell) -> Cell:
    start = f'<td class="{css}">'

    def cell(obj: Any) -> str:
        return start + value(obj) + "</td>"

    return cell


def _linked(cl: Any, css: str, value: Cell) -> Cell:
    try:
        template = cl.url_for_result(_Keyed(cl))
    except NoReverseMatch:
        start = f'<th class="{css}">'
        return lambda obj: start + value(obj) + "</th>"
    template = add_preserved_filters(
        {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, template
    )
    head, _sep, tail = escape(template).partition(_KEY)
    start = f'<th class="{css}"><a href="{head}'
    middle = f'{tail}">'

    def cell(obj: Any) -> str:
        return start + escape(quote(obj.pk)) + middle + value(obj) + "</a></th>"

    return cell


class _Keyed:
    """A result whose key is the placeholder, for the change URL's pattern."""

    def __init__(self, cl: Any) -> None:
        self.pk = _KEY
        setattr(self, cl.pk_attname, _KEY)


def _checkbox(sample: Any) -> Cell:
    label = gettext("Select this object for an action - {}")
    name = helpers.ACTION_CHECKBOX_NAME

    def cell(obj: Any) -> str:
        return html.format_html(
            '<td class="action-checkbox"><input type="checkbox" name="{}" '
            'value="{}" class="action-select" aria-label="{}"></td>',
            name,
            str(obj.pk),
            html.format_html(label, str(obj)),
        )

    return cell
