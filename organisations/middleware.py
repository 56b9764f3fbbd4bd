"""Session rules for signed-in staff: an idle and an absolute time limit, and
two-factor authentication where it is on or required."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from organisations.two_factor import confirmed_device

SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN = "_last_seen"
NO_DEVICE_SEEN = "_no_otp_device_seen"
# The idle clock is written at most once a minute, not on every request, so
# a session ends after SESSION_IDLE_TIMEOUT to within a minute.
LAST_SEEN_RESOLUTION = 60

SESSION_EXPIRED = _("Your session has ended. Please sign in again.")

# Reachable while enrolment is required but not done: the enrolment page
# itself and the way out.
ENROLMENT_EXEMPT = {"admin:two_factor", "admin:logout", "admin:login", "admin:jsi18n"}


def session_started(
    sender: Any, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    """user_logged_in receiver: both clocks start at sign-in."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_TIMEOUT seconds without a
    request, or SESSION_COOKIE_AGE seconds after sign-in, whichever is first.

    Django's own expiry slides with every session save, so the absolute limit
    needs its own clock.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        signed_in = session.setdefault(SIGNED_IN_AT, now)
        last_seen = session.get(LAST_SEEN, now)
        if (
            now - last_seen > settings.SESSION_IDLE_TIMEOUT
            or now - signed_in > settings.SESSION_COOKIE_AGE
        ):
            logout(request)
            messages.info(request, SESSION_EXPIRED, fail_silently=True)
        elif LAST_SEEN not in session or now - last_seen >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = now


class TwoFactorMiddleware:
    """After django_otp's OTPMiddleware.

    - A user with a device whose session was not verified with it (signed in
      elsewhere before enrolling, or by any path that skipped the code) is
      signed out.
    - With OTP_REQUIRED_FOR_STAFF, staff without a device reach only the
      enrolment page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if self._may_have_device(request) and confirmed_device(user) is not None:
            logout(request)
            return redirect_to_login(request.get_full_path())
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if (
            settings.OTP_REQUIRED_FOR_STAFF
            and user.is_staff
            and view_name not in ENROLMENT_EXEMPT
        ):
            return redirect("admin:two_factor")
        return None

    @staticmethod
    def _may_have_device(request: HttpRequest) -> bool:
        """Whether to look for a device now: at most once a minute per session
        (as the idle clock), so a page does not pay a query for it every time;
        a device enrolled in another session signs this one out within that."""
        now = time.time()
        seen = request.session.get(NO_DEVICE_SEEN)
        if seen is not None and now - seen < LAST_SEEN_RESOLUTION:
            return False
        request.session[NO_DEVICE_SEEN] = now
        return True
