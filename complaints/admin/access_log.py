"""The personal-data access log, read-only, for compliance.

A compliance officer (P.DATA_PROTECTION on an institution) reads the rows of
complaints in that subtree; system administrators (superusers, or the model's
view permission) read all. Nobody adds, changes or deletes a row here: the
log is evidence, written only by complaints.services.privacy.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints.models import PersonalDataAccess
from organisations import permissions as P

VIA = "complaint__institution"
FIELDS = ("accessed_at", "user", "complaint", "surface", "export", "detail")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = [
        "accessed_at",
        "user",
        "complaint_link",
        "surface",
        "export",
        "detail",
    ]
    list_filter = ["surface"]
    search_fields = ["=complaint__number", "user__username"]
    list_select_related = ["user", "complaint", "export"]
    date_hierarchy = "accessed_at"
    list_per_page = 100
    fields = FIELDS
    readonly_fields = FIELDS

    def _sees_all(self, request: HttpRequest) -> bool:
        return P.is_global(request.user) or P.is_system_admin(
            request.user, PersonalDataAccess
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self._sees_all(request):
            return queryset
        return P.scope_all(queryset, request.user, P.DATA_PROTECTION, via=VIA)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._sees_all(request):
            return True
        if obj is None:
            return P.has_all_anywhere(request.user, P.DATA_PROTECTION)
        return P.has_all(request.user, P.DATA_PROTECTION, obj.complaint.institution)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("complaint"), ordering="complaint__number")
    def complaint_link(self, obj: PersonalDataAccess) -> str:
        url = reverse("admin:complaints_complaint_change", args=[obj.complaint_id])
        return format_html('<a href="{}">{}</a>', url, obj.complaint.number)
