"""The staff accounts' admin: an account that appears in any history is never
deleted, it is deactivated instead (complaints.integrity.staff_accounts)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.integrity.staff_accounts import (
    IN_HISTORY,
    staff_account_remove,
    user_in_history,
)

User = get_user_model()
DEACTIVATED = _("%(user)s was deactivated instead of deleted.")


class StaffAccountMixin(UserAdmin):  # type: ignore[type-arg]
    def delete_view(
        self,
        request: HttpRequest,
        object_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        user = self.get_object(request, unquote(object_id))
        if user is None or not user_in_history(user):
            return super().delete_view(request, object_id, extra_context)
        if not self.has_delete_permission(request, user):
            return super().delete_view(request, object_id, extra_context)
        change = reverse("admin:auth_user_change", args=[user.pk])
        if request.method != "POST":
            messages.warning(request, IN_HISTORY % {"user": user})
            return redirect(change)
        staff_account_remove(user=user)
        messages.warning(request, IN_HISTORY % {"user": user})
        messages.success(request, DEACTIVATED % {"user": user})
        return redirect(change)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in queryset:
            staff_account_remove(user=user)


def install() -> None:
    """Put the mixin in front of whatever admin holds the staff accounts
    (called from the app's ready(), after the admin autodiscovery)."""
    if not admin.site.is_registered(User):
        return
    current = type(admin.site._registry[User])
    if issubclass(current, StaffAccountMixin):
        return
    combined = type(
        "StaffAccountAdmin", (StaffAccountMixin, current), {"__module__": __name__}
    )
    admin.site.unregister(User)
    admin.site.register(User, combined)
