"""The read-only log of spreadsheet imports and exports.

System administrators (superusers, or the model's view permission) read every
record; users who may export or import somewhere read only their own. Nobody
adds, changes or deletes a record here: the log is evidence.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from complaints.models import ExportRecord, ImportRecord
from organisations import permissions as P


class ExchangeLogAdmin(admin.ModelAdmin):
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def _sees_all(self, request: HttpRequest) -> bool:
        model: type[Model] = self.model
        return P.is_global(request.user) or P.is_system_admin(request.user, model)

    def _sees_own(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.EXPORT) or P.has_anywhere(
            request.user, P.IMPORT
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self._sees_all(request):
            return queryset
        return queryset.filter(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._sees_all(request):
            return True
        if not self._sees_own(request):
            return False
        return obj is None or obj.user_id == request.user.pk

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportRecord)
class ImportRecordAdmin(ExchangeLogAdmin):
    list_display = [
        "created_at",
        "user",
        "kind",
        "file_name",
        "new",
        "updated",
        "unchanged",
        "invalid",
        "committed",
    ]
    list_filter = ["kind", "committed"]
    search_fields = ["file_name", "user__username"]


@admin.register(ExportRecord)
class ExportRecordAdmin(ExchangeLogAdmin):
    list_display = ["created_at", "user", "kind", "file_format", "row_count", "filters"]
    list_filter = ["kind", "file_format"]
    search_fields = ["filters", "user__username"]
