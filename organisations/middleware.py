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
# The clocks that move while a person works (last request, last look for a
# two-factor device) ride in a signed cookie bound to the session key, not in
# the session: writing the session would add queries to whatever page is
# open when the clock ticks. The session itself is written at sign-in only.
SEEN_COOKIE = "cd_seen"
SEEN_SALT = "organisations.middleware.seen"
# A look for a device is made at most once a minute; the idle clock moves on
# every request (a cookie costs no query).
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
        if not request.user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        if self._expired(request, now):
            logout(request)
            messages.info(request, SESSION_EXPIRED, fail_silently=True)
            return self.get_response(request)
        seen = read_seen(request)
        seen["last"] = now
        response = self.get_response(request)
        write_seen(request, response, seen)
        return response

    @staticmethod
    def _expired(request: HttpRequest, now: float) -> bool:
        session = request.session
        signed_in = session.get(SIGNED_IN_AT)
        if signed_in is None:
            # A session from before the clocks (or force_login in a test):
            # start them now, the one write such a session ever gets.
            session[SIGNED_IN_AT] = session[LAST_SEEN] = signed_in = now
        # A missing or forged cookie falls back to the sign-in time: it can
        # only end a session sooner, never keep one alive.
        last_seen = read_seen(request).get("last") or session.get(LAST_SEEN, signed_in)
        return (
            now - last_seen > settings.SESSION_IDLE_TIMEOUT
            or now - signed_in > settings.SESSION_COOKIE_AGE
        )


def _salt(request: HttpRequest) -> str:
    return f"{SEEN_SALT}:{request.session.session_key or ''}"


def read_seen(request: HttpRequest) -> dict[str, float]:
    """The moving clocks from the signed cookie; empty if absent or forged."""
    cached = getattr(request, "_seen_clocks", None)
    if cached is not None:
        return cached
    raw = request.get_signed_cookie(
        SEEN_COOKIE,
        default="",
        salt=_salt(request),
        max_age=settings.SESSION_COOKIE_AGE,
    )
    seen: dict[str, float] = {}
    for part in (raw or "").split(","):
        key, _sep, value = part.partition("=")
        try:
            seen[key] = float(value)
        except ValueError:
            continue
    request._seen_clocks = seen  # type: ignore[attr-defined]
    return seen


def write_seen(
    request: HttpRequest, response: HttpResponse, seen: dict[str, float]
) -> None:
    # After the view: the API (DRF) may have replaced request.user with None.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.session.session_key:
        return
    response.set_signed_cookie(
        SEEN_COOKIE,
        ",".join(f"{key}={value:.0f}" for key, value in sorted(seen.items())),
        salt=_salt(request),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


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
        seen = read_seen(request)
        checked = seen.get("device")
        if checked is not None and now - checked < LAST_SEEN_RESOLUTION:
            return False
        # Written to the cookie by SessionTimeoutMiddleware on the way out.
        seen["device"] = now
        return True
