"""Account pages inside the admin (mounted by organisations.admin_site)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login

from organisations import services
from organisations.forms import TwoFactorConfirmForm
from organisations.two_factor import confirmed_device, qr_code_svg, secret_for_typing

TWO_FACTOR_TITLE = _("Two-factor authentication")
TWO_FACTOR_TURNED_ON = _(
    "Two-factor authentication is on: from now on, sign in with your password "
    "and a code from the app."
)
TEMPLATE = "admin/two_factor/enrol.html"


def two_factor(request: HttpRequest, admin_context: dict[str, Any]) -> HttpResponse:
    """Show the signed-in user's two-factor status, or enrol a new device:
    scan the QR code (or type the secret), then confirm with a first code."""
    user = request.user
    context = {**admin_context, "title": TWO_FACTOR_TITLE}
    device = confirmed_device(user)
    if device is not None:
        return TemplateResponse(request, TEMPLATE, {**context, "device": device})
    if request.method == "POST" and "start" in request.POST:
        # The secret is made on an explicit request, never by opening the page
        # (a GET must not write: prefetching or a stray link made devices).
        services.two_factor_enrol(user=user)
        return redirect("admin:two_factor")
    pending = services.two_factor_pending(user=user)
    form = TwoFactorConfirmForm(request.POST or None)
    if request.method == "POST" and pending is not None and form.is_valid():
        try:
            device = services.two_factor_confirm(
                user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            otp_login(request, device)
            messages.success(request, TWO_FACTOR_TURNED_ON)
            return redirect("admin:index")
    context = {**context, "required": settings.OTP_REQUIRED_FOR_STAFF}
    if pending is None:
        return TemplateResponse(request, TEMPLATE, {**context, "start": True})
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **context,
            "form": form,
            "qr_code": qr_code_svg(pending),
            "secret": secret_for_typing(pending),
        },
    )
