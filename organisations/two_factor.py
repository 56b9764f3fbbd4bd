"""Two-factor sign-in reads: a user's authenticator device and what the
enrolment page shows. The writes (enrol, confirm, verify, reset) are in
organisations.services."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The device `user` signs in with, or None when two-factor is off."""
    if not user.is_authenticated:
        return None
    return (
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=True)
        .order_by("pk")
        .first()
    )


def pending_device(user: Any) -> TOTPDevice | None:
    """The device shown on the enrolment page and not yet confirmed."""
    return (
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=False)
        .order_by("pk")
        .first()
    )


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URI as an inline SVG QR code (no external service, no
    image URL that would carry the secret)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, svgclass="two-factor-qr", lineclass=None
    )
    return mark_safe(svg)  # noqa: S308 (segno writes only path data)


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for apps that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
