"""Sign-in forms of the admin: password plus, where it is on, a two-factor code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from organisations import services
from organisations.two_factor import confirmed_device

CODE_REQUIRED = _(
    "Two-factor authentication is on for this account: enter the code from "
    "your authenticator app."
)


def _code_field(**kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=_("Two-factor code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
        **kwargs,
    )


class TwoFactorLoginForm(AdminAuthenticationForm):
    """The admin's sign-in. Users without a device leave the code empty."""

    otp_token = _code_field(
        required=False,
        help_text=_("Only if two-factor authentication is on for your account."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is None or confirmed_device(user) is None:
            return cleaned
        code = cleaned.get("otp_token") or ""
        if not code:
            raise ValidationError(CODE_REQUIRED, code="code_required")
        try:
            device = services.two_factor_verify(user=user, code=code)
            # Read by django-otp's user_logged_in receiver: the session is verified.
            user.otp_device = device  # type: ignore[attr-defined]
        except ValidationError:
            # A wrong code counts towards the login lockout like a wrong
            # password, so the password cannot be confirmed and codes guessed
            # without limit.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": cleaned.get("username")},
                request=self.request,
            )
            raise
        return cleaned


class TwoFactorConfirmForm(forms.Form):
    code = _code_field(
        help_text=_("The six-digit code your authenticator app shows now.")
    )
