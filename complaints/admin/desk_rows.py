"""The rows of 我的待办, rendered in Python.

The template rendered each of up to 200 rows through some fifteen variable
nodes and a blocktranslate: at a million complaints that was a third of a
provincial manager's page (78 of 220 ms, profiled; issue 15). Here a row is
one format_html; the markup is the template's as it was
(tests/complaints/test_desk_rows.py pins it).
"""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from config.html import format_html


def desk_row(row: dict[str, Any]) -> SafeString:
    c = row["complaint"]
    return format_html(
        '<tr id="work-{}" class="cd-work-{}">'
        '<th><a href="{}">{}</a></th>'
        "<td>{}</td><td>{}</td><td>{}</td>"
        '<td>{}<br><span class="cd-muted">{}</span></td>'
        "<td>{}</td>"
        '<td>{}<br><span class="cd-muted">{}</span></td>'
        "<td>{}</td><td>{}{}</td></tr>",
        c.pk,
        getattr(c, "work", ""),
        row["url"],
        c.number,
        row["work"],
        row["status"],
        row["deadline_badge"],
        row["name"],
        row["phone"],
        row["about"],
        c.institution.name,
        row["handler"] or "—",
        c.received_on.isoformat() if c.received_on else "",
        _supervised(row["supervision"]),
        row["flags"],
    )


def _supervised(supervision: Any) -> SafeString:
    if supervision is None:
        return mark_safe("")
    day = supervision.due_on.isoformat() if supervision.due_on else ""
    return format_html(
        '<span class="cd-flag cd-flag-supervised" title="{}">{}</span>',
        supervision.instruction,
        gettext("Supervised, act by %(day)s") % {"day": day},
    )
