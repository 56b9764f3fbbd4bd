from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from organisations import permissions
from organisations.models import Institution, Membership
from organisations.services import (
    institution_create,
    institution_move,
    institution_rename,
    membership_grant,
    membership_revoke,
)


class AuditedHistoryAdmin(SimpleHistoryAdmin):
    """History is evidence: readable, never reverted.

    SIMPLE_HISTORY_REVERT_DISABLED only hides the button; the POST is refused
    here too (reference/stack-notes.md A4).
    """

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied(_("History is never rewritten."))
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedOrganisationAdmin(AuditedHistoryAdmin):
    """System administrators (model permissions) manage everything; members see
    their own subtree read-only."""

    scope_via = "institution"

    def _is_system_admin(self, request: HttpRequest, action: str = "view") -> bool:
        return permissions.is_system_admin(request.user, self.model, action)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if self._is_system_admin(request):
            return qs
        return permissions.scope(qs, request.user, permissions.VIEW, via=self.scope_via)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_system_admin(request) or permissions.has_anywhere(
            request.user, permissions.VIEW
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._is_system_admin(request):
            return True
        if obj is None:
            return permissions.has_anywhere(request.user, permissions.VIEW)
        return permissions.has(request.user, permissions.VIEW, self._institution(obj))

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The first-load import pages live in complaints (its import log).
        user = request.user
        extra_context = {
            **(extra_context or {}),
            "can_import_organisation": permissions.is_global(user)
            or permissions.is_system_admin(user, Institution, "add"),
        }
        return super().changelist_view(request, extra_context)

    def _institution(self, obj: Any) -> Institution:
        return obj if self.scope_via == "" else getattr(obj, self.scope_via)


@admin.register(Institution)
class InstitutionAdmin(ScopedOrganisationAdmin):
    scope_via = ""
    list_display = ["indented_name", "code", "level", "region", "phone", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name", "region"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    list_per_page = 100
    fields = [
        "code",
        "name",
        "level",
        "parent",
        "region",
        "address",
        "phone",
        "is_active",
    ]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Institution) -> str:
        return format_html(
            '<span style="padding-left:{}em">{}</span>', 1.5 * (obj.depth - 1), obj.name
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is part of every descendant's path and of history; the level
        # is the institution's nature. Neither changes after creation.
        return ["code", "level"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Deactivate instead: complaints and history point here.

    def save_model(
        self, request: HttpRequest, obj: Institution, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        if not change:
            created = institution_create(
                actor=request.user,
                **{k: v for k, v in data.items() if k in self.fields},
            )
            obj.pk, obj.path = created.pk, created.path
            return
        stored = Institution.objects.get(pk=obj.pk)
        descriptive = {
            k: data[k]
            for k in form.changed_data
            if k in {"name", "region", "address", "phone", "is_active"}
        }
        if descriptive:
            institution_rename(institution=stored, actor=request.user, **descriptive)
        if "parent" in form.changed_data and data["parent"]:
            institution_move(
                institution=stored, new_parent=data["parent"], actor=request.user
            )
        obj.refresh_from_db()


@admin.register(Membership)
class MembershipAdmin(ScopedOrganisationAdmin):
    list_display = ["user", "user_full_name", "role", "institution", "created_at"]
    list_filter = ["role", "institution__level"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "institution__name",
        "institution__code",
    ]
    autocomplete_fields = ["user", "institution"]
    list_select_related = ["user", "institution"]
    fields = ["user", "institution", "role"]

    @admin.display(description=_("full name"))
    def user_full_name(self, obj: Membership) -> str:
        return obj.user.get_full_name()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # A role change is a revoke and a grant, each audited.

    def save_model(
        self, request: HttpRequest, obj: Membership, form: Any, change: bool
    ) -> None:
        created = membership_grant(
            user=obj.user,
            institution=obj.institution,
            role=obj.role,
            actor=request.user,
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_revoke(membership=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for membership in queryset.select_related("user", "institution"):
            membership_revoke(membership=membership, actor=request.user)
