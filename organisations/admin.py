from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from organisations import permissions
from organisations.history_display import ReadableHistoryHelper
from organisations.history_related import attach_related
from organisations.models import Department, Institution, Membership, TwoFactorDevice
from organisations.services import (
    department_save,
    department_set_members,
    institution_create,
    institution_move,
    institution_rename,
    membership_grant,
    membership_revoke,
    two_factor_reset,
)


class AuditedHistoryAdmin(SimpleHistoryAdmin):
    """History is evidence: readable, never reverted.

    SIMPLE_HISTORY_REVERT_DISABLED only hides the button; the POST is refused
    here too (reference/stack-notes.md A4).

    simple-history rebuilds an object that get_queryset does not return from
    its historical rows (meant for deleted objects), and several admins'
    permission checks ignore the object: an object outside the user's scope
    would show its history. It answers as missing instead; the history of a
    deleted object is for those who read every row.
    """

    def _require_in_scope(self, request: HttpRequest, object_id: str) -> None:
        # Without any access to the model, every id answers the same.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if self.get_object(request, unquote(object_id)) is not None:
            return
        if not permissions.sees_every_row(request.user, self.model):
            raise permissions.NotFound(permissions.NOT_FOUND)

    def history_view(
        self,
        request: HttpRequest,
        object_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return ReadableHistoryHelper(self.model, historical_record)

    def get_history_queryset(
        self, request: HttpRequest, history_manager: Any, pk_name: str, object_id: Any
    ) -> QuerySet[Any]:
        # Not a join of every tracked foreign key: organisations.history_related.
        return history_manager.filter(**{pk_name: object_id}).select_related(
            "history_user"
        )

    def set_history_delta_changes(
        self,
        request: HttpRequest,
        historical_records: Any,
        foreign_keys_are_objs: bool = True,
    ) -> None:
        records = list(historical_records)  # a page: iterating it again is free
        if records:
            attach_related(records, type(records[0]).tracked_fields)
        super().set_history_delta_changes(
            request, historical_records, foreign_keys_are_objs
        )

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied(_("History is never rewritten."))
        self._require_in_scope(request, object_id)
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

    class Media:
        css = {"all": ["organisations/admin.css"]}

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
        # A class per depth (static/organisations/admin.css): the CSP refuses
        # inline style attributes.
        return format_html(
            '<span class="tree-depth-{}">{}</span>', obj.depth - 1, obj.name
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


@admin.register(Department)
class DepartmentAdmin(ScopedOrganisationAdmin):
    """Departments that answer investigation tasks (claims, underwriting, an
    agent's team), kept by system administrators; members see their subtree's."""

    list_display = ["name", "institution", "email", "member_count", "is_active"]
    list_filter = ["is_active", "institution__level"]
    search_fields = ["name", "institution__name", "institution__code"]
    autocomplete_fields = ["institution", "members"]
    list_select_related = ["institution"]
    fields = ["institution", "name", "email", "members", "is_active"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # A GROUP BY drops the model's default ordering: the autocomplete
        # pages through this list, so it is ordered explicitly.
        return (
            super()
            .get_queryset(request)
            .annotate(members_n=Count("members"))
            .order_by("institution__path", "name")
        )

    @admin.display(description=_("members"), ordering="members_n")
    def member_count(self, obj: Department) -> int:
        return int(getattr(obj, "members_n", 0))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Deactivate instead: tasks point here.

    def save_model(
        self, request: HttpRequest, obj: Department, form: Any, change: bool
    ) -> None:
        department_save(department=obj, actor=request.user)

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        department_set_members(
            department=form.instance,
            members=form.cleaned_data["members"],
            actor=request.user,
        )


# django-otp's own device admin shows and edits the secret keys; devices are
# listed here instead, under a translated name, for resets only.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    """System administrators reset two-factor authentication for a user who
    lost their phone. A device is only ever created by its owner, on the
    two-factor page; its secret is never shown here."""

    list_display = ["user", "user_full_name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    fields = ["user", "confirmed", "created_at", "last_used_at"]
    readonly_fields = ["user", "confirmed", "created_at", "last_used_at"]
    actions = ["reset_two_factor"]

    @admin.display(description=_("full name"))
    def user_full_name(self, obj: TwoFactorDevice) -> str:
        return obj.user.get_full_name()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # The reset action, which also ends verified sessions.

    def has_reset_permission(self, request: HttpRequest) -> bool:
        return permissions.is_system_admin(request.user, TwoFactorDevice, "delete")

    @admin.action(
        description=_("Reset two-factor authentication of the selected users"),
        permissions=["reset"],
    )
    def reset_two_factor(
        self, request: HttpRequest, queryset: QuerySet[TwoFactorDevice]
    ) -> None:
        queryset = queryset.select_related("user")
        users = {device.user_id: device.user for device in queryset}
        self.log_deletions(request, queryset)
        for user in users.values():
            two_factor_reset(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication was reset for %(count)d user.",
                "Two-factor authentication was reset for %(count)d users.",
                len(users),
            )
            % {"count": len(users)},
        )
