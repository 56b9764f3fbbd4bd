"""The header's unread-notice count on every admin page, and the landing
page's "my work" (the admin index)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context: Any) -> int:
    from complaints.services.notices import notices_unread_count

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return notices_unread_count(user=user)


@register.simple_tag(takes_context=True)
def my_work(context: Any) -> dict[str, Any]:
    from complaints.admin.landing import landing_context

    return landing_context(context["request"])
