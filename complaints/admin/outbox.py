"""The notification outbox in the admin: read-only, so the queue is visible.

Rows are written by the services and sent by `send_notifications`; here staff
see what is pending, sent, failed or waiting to be printed, put failed rows
back in the queue, and record printed letters. A row is visible in the
complaint's scope, and a staff alert also to the person it was addressed to.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints import services
from complaints.messaging import jobs, notice_kinds
from complaints.models import Notification, PersonalDataAccess
from organisations import permissions

N = Notification
VIA = "complaint__institution"


class KindFilter(admin.SimpleListFilter):
    """The kind of notice by its name, never its code (messaging.notice_kinds)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return notice_kinds.kind_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return queryset.filter(kind=self.value()) if self.value() else queryset


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("pending", _("Pending")),
            ("to_print", _("Letters to print")),
            ("sent", _("Sent")),
            ("failed", _("Given up")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        unsent = Q(sent_at__isnull=True, failed_at__isnull=True)
        letter = Q(channel=N.Channel.LETTER)
        return {
            "pending": queryset.filter(unsent & ~letter),
            "to_print": queryset.filter(unsent & letter),
            "sent": queryset.filter(sent_at__isnull=False),
            "failed": queryset.filter(failed_at__isnull=False, sent_at__isnull=True),
        }.get(self.value() or "", queryset)


def _mask(address: str) -> str:
    if "@" in address:
        local, _at, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(address) >= 7:
        return f"{address[:3]}****{address[-4:]}"
    return "****"


_FIELDS = (
    "complaint",
    "kind_label",
    "audience",
    "channel",
    "recipient",
    "shown_address",
    "subject",
    "shown_body",
    "state",
    "attempts",
    "last_error",
    "created_at",
    "next_attempt_at",
    "claimed_at",
    "sent_at",
    "failed_at",
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "complaint",
        "kind_label",
        "audience",
        "channel",
        "shown_address",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = [StateFilter, "channel", "audience", KindFilter]
    search_fields = ["complaint__number", "subject"]
    list_select_related = ["complaint__institution", "recipient"]
    date_hierarchy = "created_at"
    list_per_page = 100
    actions = ["retry_now", "mark_printed"]
    fields = _FIELDS
    readonly_fields = _FIELDS

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj: Notification) -> str:
        return notice_kinds.kind_label(obj.kind)

    # --- Who sees what ----------------------------------------------------
    def _is_system_admin(self, request: HttpRequest, action: str = "view") -> bool:
        return permissions.is_system_admin(request.user, Notification, action)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        user = request.user
        visible = qs
        if not self._is_system_admin(request):
            visible = permissions.scope(
                qs, user, permissions.VIEW, via=VIA
            ) | qs.filter(recipient=user)
        # Seeing the whole queue (system administrators) is not seeing the
        # complainants' addresses: that still needs the personal-data permission.
        if permissions.is_global(user):
            return visible.annotate(personal=Value(True, output_field=BooleanField()))
        if permissions.has_anywhere(user, permissions.PERSONAL_DATA):
            readable = permissions.scope(
                N.objects.filter(pk=OuterRef("pk")),
                user,
                permissions.PERSONAL_DATA,
                via=VIA,
            )
            return visible.annotate(personal=Exists(readable))
        return visible.annotate(personal=Value(False, output_field=BooleanField()))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_system_admin(request) or permissions.has_anywhere(
            request.user, permissions.VIEW
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows are written by the services, in their transaction

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox is the record of what was sent

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return self._is_system_admin(request, "change") or permissions.has_anywhere(
            request.user, permissions.HANDLE
        )

    # --- The access log: complainants' addresses and texts shown unmasked ---
    def _log_shown(self, request: HttpRequest, rows: Any, surface: str) -> None:
        complaints = [
            n.complaint
            for n in rows
            if n.audience == N.Audience.COMPLAINANT and self._personal(n)
        ]
        services.personal_data_shown(
            user=request.user, complaints=complaints, surface=surface
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) or {}
        if request.method == "GET" and "cl" in changelist:
            self._log_shown(
                request,
                changelist["cl"].result_list,
                PersonalDataAccess.Surface.OUTBOX,
            )
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            shown = self.get_queryset(request).select_related("complaint__institution")
            self._log_shown(
                request,
                shown.filter(pk=unquote(object_id)),
                PersonalDataAccess.Surface.NOTIFICATION,
            )
        return response

    # --- Columns ----------------------------------------------------------
    def _personal(self, obj: Notification) -> bool:
        # Staff alerts go to staff addresses; complainants' contact details and
        # notice texts need the personal-data permission on the complaint.
        return obj.audience == N.Audience.STAFF or bool(getattr(obj, "personal", False))

    @admin.display(description=_("address"))
    def shown_address(self, obj: Notification) -> str:
        if not obj.address:
            return "-"
        return obj.address if self._personal(obj) else _mask(obj.address)

    @admin.display(description=_("text"))
    def shown_body(self, obj: Notification) -> str:
        if self._personal(obj):
            return obj.body
        return str(_("(hidden: it contains the complainant's personal data)"))

    @admin.display(description=_("state"))
    def state(self, obj: Notification) -> str:
        if obj.sent_at:
            return str(_("Sent"))
        if obj.failed_at:
            return str(_("Given up"))
        if obj.channel == N.Channel.LETTER:
            return str(_("To print"))
        if obj.attempts:
            return str(_("Retry scheduled"))
        return str(_("Pending"))

    # --- Actions ----------------------------------------------------------
    def _handled(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> QuerySet[Notification]:
        if self._is_system_admin(request, "change"):
            return queryset
        return permissions.scope(queryset, request.user, permissions.HANDLE, via=VIA)

    @admin.action(permissions=["resend"], description=_("Retry now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Put the selected given-up rows back in the queue for the next run."""
        count = jobs.notification_retry(notifications=self._handled(request, queryset))
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued again.",
                "%(count)d notifications queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    @admin.action(
        permissions=["resend"], description=_("Mark letters as printed and posted")
    )
    def mark_printed(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = jobs.notification_mark_printed(
            notifications=self._handled(request, queryset)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d letter marked as posted.",
                "%(count)d letters marked as posted.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
