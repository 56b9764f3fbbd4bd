"""Response headers Django's SecurityMiddleware does not send.

Django already sends X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy (SECURE_* settings) and, over HTTPS, HSTS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    A view that needs a different policy sets the header itself; it is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for header, value in (
            ("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY),
            ("Permissions-Policy", settings.PERMISSIONS_POLICY),
        ):
            if value:
                response.headers.setdefault(header, value)
        return response


def login_client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the caller's address as the intake API reads it
    (X-Forwarded-For only behind INTAKE_TRUSTED_PROXY_COUNT proxies), or None
    when there is none, as axes stores it in an IP address column."""
    from intake.throttling import client_ip

    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
