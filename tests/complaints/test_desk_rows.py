"""我的待办's rows rendered in Python are the template's rows as they were."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.template import engines
from django.utils.html import format_html
from django.utils.translation import override

from complaints.admin.desk_rows import desk_row

# The row as my_work.html rendered it before (issue 15).
TEMPLATE = """{% load i18n %}
<tr id="work-{{ row.complaint.pk }}" class="cd-work-{{ row.complaint.work }}">
  <th><a href="{{ row.url }}">{{ row.complaint.number }}</a></th>
  <td>{{ row.work }}</td>
  <td>{{ row.status }}</td>
  <td>{{ row.deadline_badge }}</td>
  <td>{{ row.name }}<br><span class="cd-muted">{{ row.phone }}</span></td>
  <td>{{ row.about }}</td>
  <td>{{ row.complaint.institution.name }}<br><span class="cd-muted">{{ row.handler|default:"—" }}</span></td>
  <td>{{ row.complaint.received_on|date:"Y-m-d" }}</td>
  <td>{% if row.supervision %}<span class="cd-flag cd-flag-supervised" title="{{ row.supervision.instruction }}">{% blocktranslate with day=row.supervision.due_on|date:"Y-m-d" %}Supervised, act by {{ day }}{% endblocktranslate %}</span>{% endif %}{{ row.flags }}</td>
</tr>"""  # noqa: E501


def _row(**changes: Any) -> dict[str, Any]:
    complaint = SimpleNamespace(
        pk=7,
        work="approve",
        number="TS-2026-000007",
        institution=SimpleNamespace(name="山东<分公司>"),
        received_on=date(2026, 11, 2),
    )
    row = {
        "complaint": complaint,
        "url": "/admin/complaints/complaint/7/change/",
        "work": "待您审批",
        "status": "待审批",
        "deadline_badge": format_html('<span class="cd-badge">{}</span>', "剩 3 天"),
        "name": "陈*敏",
        "phone": "138****8000",
        "about": format_html("{}<br>{}", "理赔", "请 & 尽快"),
        "handler": "",
        "supervision": SimpleNamespace(
            instruction='"立即" 处理', due_on=date(2026, 12, 9)
        ),
        "flags": format_html('<span class="cd-flag">{}</span>', "重复"),
    }
    row.update(changes)
    return row


def _old(row: dict[str, Any]) -> str:
    html = engines["django"].from_string(TEMPLATE).render({"row": row})
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "changes",
    [{}, {"supervision": None, "handler": "陈晓敏"}, {"name": "<b>", "phone": "&"}],
)
def test_desk_row_is_the_templates_row(language: str, changes: dict[str, Any]) -> None:
    with override(language):
        row = _row(**changes)
        assert desk_row(row) == _old(row)
