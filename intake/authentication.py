"""Channel clients authenticate with their own bearer token, nothing else."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from intake.models import ChannelClient
from intake.services import token_digest

KEYWORD = "Bearer"
# Longer than any token ever issued: refused without hashing.
MAX_TOKEN_LENGTH = 200

INVALID_HEADER = _("Send the token as “Authorization: Bearer <token>”.")
INVALID_TOKEN = _("The token is not valid or has been revoked.")


class ChannelTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` → (the client's service user, the client).

    Looked up on every request, never cached, so a revoked token stops at once.
    """

    def authenticate(self, request: Request) -> tuple[Any, ChannelClient] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2 or len(parts[1]) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed(INVALID_HEADER)
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(INVALID_HEADER) from exc
        client = (
            ChannelClient.objects.select_related(
                "service_user", "channel", "institution"
            )
            .filter(
                token_hash=token_digest(secret),
                is_active=True,
                revoked_at__isnull=True,
                service_user__is_active=True,
            )
            .first()
        )
        if client is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        return client.service_user, client

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
