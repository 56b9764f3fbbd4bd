"""{% deadline_badge d %} and {% complaint_flags c %}: complaints.workbench.badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from complaints.workbench import badges
from complaints.workbench.selectors import Deadline

register = template.Library()


@register.simple_tag
def deadline_badge(d: Deadline) -> SafeString:
    return badges.deadline_badge(d)


@register.simple_tag
def complaint_flags(c: Any) -> SafeString:
    return badges.flags(c)
