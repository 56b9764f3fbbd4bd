"""The project's admin site: Django's own, with a sign-in that asks for a
two-factor code where one is set up, the enrolment page, and the page shown
when django-axes locks a sign-in out.

Installed as the default site (organisations.apps.ComplaintAdminConfig), so
every `@admin.register` and `admin.site` keeps working unchanged.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from organisations import views
from organisations.admin_lookups import LookupRule
from organisations.forms import TwoFactorLoginForm

LOCKED_OUT_TITLE = _("Sign-in temporarily blocked")
LOCKED_OUT = ngettext_lazy(
    "Too many failed sign-in attempts. Sign-in is blocked for %(minutes)d minute: "
    "try again later, or ask a system administrator to unblock it.",
    "Too many failed sign-in attempts. Sign-in is blocked for %(minutes)d minutes: "
    "try again later, or ask a system administrator to unblock it.",
    "minutes",
)
LOCKED_OUT_PERMANENTLY = _(
    "Too many failed sign-in attempts. Ask a system administrator to unblock sign-in."
)


class ComplaintAdminSite(admin.AdminSite):
    # Titles are set in config.urls.
    login_form = TwoFactorLoginForm
    login_template = "admin/two_factor/login.html"

    def register(
        self, model_or_iterable: Any, admin_class: Any = None, **options: Any
    ) -> None:
        """Every ModelAdmin under the one lookup rule (organisations.admin_lookups),
        a new one included without opting in."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, LookupRule):
            admin_class = type(
                admin_class.__name__,
                (LookupRule, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        # Before the stock patterns: those end in a catch-all.
        return [
            path(
                "two-factor/",
                self.admin_view(self.two_factor_view),
                name="two_factor",
            ),
            *super().get_urls(),
        ]

    def two_factor_view(self, request: HttpRequest) -> HttpResponse:
        return views.two_factor(request, self.each_context(request))


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the same page whatever the username, so it does
    not tell whether an account exists."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    context = {
        **admin.site.each_context(request),
        "title": LOCKED_OUT_TITLE,
        "message": LOCKED_OUT % {"minutes": minutes}
        if minutes
        else LOCKED_OUT_PERMANENTLY,
    }
    return render(
        request,
        "admin/two_factor/locked_out.html",
        context,
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
