"""Request limits kept in the database (intake.services.rate_limit_hit), so
they hold across every app server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from intake.models import ChannelClient
from intake.services import rate_limit_hit


def client_ip(request: Request) -> str:
    """The caller's address. X-Forwarded-For is believed only for the number
    of proxies the deployment declares (INTAKE_TRUSTED_PROXY_COUNT, default
    none): a client could otherwise pick a fresh address for every try."""
    trusted = getattr(settings, "INTAKE_TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if trusted <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    return hops[-trusted] if len(hops) >= trusted else remote


class _DatabaseThrottle(BaseThrottle):
    retry_after: int | None = None

    def hit(self, key: str, limit: int) -> bool:
        decision = rate_limit_hit(key=key[:120], limit=limit)
        self.retry_after = decision.retry_after
        return decision.allowed

    def wait(self) -> float | None:
        return self.retry_after


class ClientRateThrottle(_DatabaseThrottle):
    """INTAKE_RATE_LIMIT_PER_MINUTE requests per channel client."""

    def allow_request(self, request: Request, view: Any) -> bool:
        client = request.auth
        if not isinstance(client, ChannelClient):
            return True
        return self.hit(f"client:{client.pk}", settings.INTAKE_RATE_LIMIT_PER_MINUTE)


class StatusLookupThrottle(_DatabaseThrottle):
    """INTAKE_STATUS_LOOKUP_PER_MINUTE public status lookups per caller address."""

    def allow_request(self, request: Request, view: Any) -> bool:
        key = f"lookup-ip:{client_ip(request)}"
        return self.hit(key, settings.INTAKE_STATUS_LOOKUP_PER_MINUTE)
