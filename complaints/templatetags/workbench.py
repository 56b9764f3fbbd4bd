"""The header's unread-notice count on every admin page, and the landing
page's "my work" (the admin index)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.cache import cache

register = template.Library()

# The header's count is read at most this often per person: a list page
# keeps its query budget, and new work shows within a minute. Reading or
# opening notices forgets it at once (complaints.services.notices). Kept in
# the cache, not the session: a session write would add queries to the page
# (issue 19).
UNREAD_FRESH_SECONDS = 60


def _unread_key(user: Any) -> str:
    return f"cd_unread:{user.pk}"


@register.simple_tag(takes_context=True)
def unread_notices(context: Any) -> int:
    from complaints.services.notices import notices_unread_count

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = cache.get(_unread_key(user))
    if cached is not None:
        return int(cached)
    count = notices_unread_count(user=user)
    cache.set(_unread_key(user), count, UNREAD_FRESH_SECONDS)
    return count


def forget_unread(request: Any) -> None:
    """After the person read notices: the header counts again."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        cache.delete(_unread_key(user))


@register.simple_tag(takes_context=True)
def my_work(context: Any) -> dict[str, Any]:
    from complaints.admin.landing import landing_context

    return landing_context(context["request"])
