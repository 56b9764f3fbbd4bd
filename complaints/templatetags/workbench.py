"""The header's unread-notice count on every admin page, and the landing
page's "my work" (the admin index)."""

from __future__ import annotations

import time
from typing import Any

from django import template

register = template.Library()

# The header's count is read at most this often per session: a list page
# keeps its query budget, and new work shows within a minute. Reading or
# opening notices forgets it at once (complaints.services.notices).
UNREAD_FRESH_SECONDS = 60
SESSION_KEY = "cd_unread"


@register.simple_tag(takes_context=True)
def unread_notices(context: Any) -> int:
    from complaints.services.notices import notices_unread_count

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    session = getattr(request, "session", None)
    now = time.time()
    cached = session.get(SESSION_KEY) if session is not None else None
    if cached and 0 <= now - cached[1] < UNREAD_FRESH_SECONDS:
        return int(cached[0])
    count = notices_unread_count(user=user)
    if session is not None:
        session[SESSION_KEY] = [count, now]
    return count


def forget_unread(request: Any) -> None:
    """After the person read notices: the header counts again."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_KEY, None)


@register.simple_tag(takes_context=True)
def my_work(context: Any) -> dict[str, Any]:
    from complaints.admin.landing import landing_context

    return landing_context(context["request"])
