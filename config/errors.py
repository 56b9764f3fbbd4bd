"""The site's answer when a request fails on the database connection.

While PostgreSQL restarts or fails over, the requests in flight lose their
connection. Those get a translated 503 with Retry-After instead of the
generic 500: the user learns it is temporary and what to check before
sending again; the exception still goes to the server log. Django's
persistent connections (CONN_HEALTH_CHECKS) reconnect on the next request.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views import defaults

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
    """handler500: a 503 page for a lost database, Django's 500 for the rest."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        # Rendered without the request: its context processors would read
        # the user from the database that is not there.
        page = render_to_string("503.html")
        return unavailable_response(page, "text/html; charset=utf-8")
    return defaults.server_error(request)
