"""The site's answer when a request fails on the database connection.

While PostgreSQL restarts or fails over, the requests in flight lose their
connection. Those get a translated 503 with Retry-After instead of the
generic 500: the user learns it is temporary and what to check before
sending again; the exception still goes to the server log. Django's
persistent connections (CONN_HEALTH_CHECKS) reconnect on the next request.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views import defaults

logger = logging.getLogger(__name__)

# The connection is gone or refused (InterfaceError: "the connection is
# closed"); deadlocks and serialisation failures are OperationalErrors too,
# and retrying them is equally right.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def unavailable_response(content: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, status=503, content_type=content_type)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 page for a lost database; for the rest, the admin's
    page with its navigation when it can be drawn, else Django's plain 500."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        # Rendered without the request: its context processors would read
        # the user from the database that is not there.
        page = render_to_string("503.html")
        return unavailable_response(page, "text/html; charset=utf-8")
    try:
        return _in_admin_frame(request, 500, None)
    except Exception:  # the failure may be in what the frame needs
        logger.exception("The 500 page could not be drawn in the admin's frame")
        return defaults.server_error(request)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: inside the admin's frame, with the reason the application
    gave (a translated sentence saying which rule and who can do it)."""
    return _in_admin_frame(request, 403, _reason(exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: inside the admin's frame. No reason: a case outside one's
    scope answers exactly like a missing one (organisations.permissions)."""
    if not request.path.startswith(ADMIN_PREFIX):
        return defaults.page_not_found(request, exception)
    return _in_admin_frame(request, 404, None)


ADMIN_PREFIX = "/admin/"
TITLES = {
    403: _("You may not do this"),
    404: _("Page not found"),
    500: _("Something went wrong"),
}
EXPLANATIONS = {
    403: _("Your roles do not allow this action or page."),
    404: _(
        "The page does not exist, or what it shows is outside your part of "
        "the organisation."
    ),
    500: _(
        "The server could not complete the request; it has been logged. If you "
        "were saving something, reload the page first to see whether it was "
        "saved before you send it again."
    ),
}


def _reason(exception: Exception) -> str:
    """The message a refusal was raised with; Django's own bare refusals and
    anything that reads like a program's text are not shown."""
    text = str(exception or "").strip()
    if not text or text.startswith(("<", "Traceback")) or "Error" in text:
        return ""
    return text


def _in_admin_frame(
    request: HttpRequest, status: int, reason: str | None
) -> HttpResponse:
    from django.contrib import admin
    from django.template.response import TemplateResponse

    user = getattr(request, "user", None)
    staff = bool(user and user.is_authenticated and user.is_staff)
    context = {
        **(admin.site.each_context(request) if staff else {}),
        "title": TITLES[status],
        "explanation": EXPLANATIONS[status],
        "reason": reason,
        "status": status,
        "staff": staff,
    }
    response = TemplateResponse(
        request, "admin/error_page.html", context, status=status
    )
    return response.render()
