"""The complaint list's rows (complaints.admin.list_rows), in place of the
admin's `result_list` tag."""

from __future__ import annotations

from typing import Any

from django import template

from complaints.admin import list_rows

register = template.Library()


@register.inclusion_tag("admin/complaints/complaint/change_list_results.html")
def complaint_result_list(cl: Any) -> dict[str, Any]:
    return list_rows.result_list(cl)
