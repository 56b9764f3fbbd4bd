"""{{ user|person }}: a staff member by name (workbench.selectors.person_name)."""

from __future__ import annotations

from typing import Any

from django import template

from complaints.workbench.selectors import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    return person_name(user) or "—"
