"""Channel clients in the admin, for system administrators (model permissions):
create a client (its token is shown once), revoke it, issue a new token."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints import services
from complaints.models import Code, PersonalDataAccess
from complaints.workbench import selectors
from intake.models import ChannelClient, IntakeSubmission, MailMessage
from intake.services import (
    client_create,
    client_rename,
    client_revoke,
    client_rotate_token,
    client_set_callbacks,
)
from organisations import permissions
from organisations.admin import AuditedHistoryAdmin
from organisations.admin_lookups import register_personal

TOKEN_ONCE = _(
    "Token of “{name}”: {token} — copy it now into the channel's configuration. "
    "Only its digest is stored: it cannot be shown again."
)
ONE_CLIENT = _("Select exactly one client to issue a new token.")


class ChannelClientForm(forms.ModelForm):
    class Meta:
        model = ChannelClient
        fields = ["name", "channel", "institution", "records_callbacks"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields.get("channel")
        if isinstance(channel, forms.ModelChoiceField):
            channel.queryset = Code.objects.filter(
                kind=Code.Kind.CHANNEL, is_active=True
            )


def _show_token(request: HttpRequest, client: ChannelClient, secret: str) -> None:
    token = format_html("<code>{}</code>", secret)
    messages.warning(
        request, format_html(str(TOKEN_ONCE), name=client.name, token=token)
    )


@admin.register(ChannelClient)
class ChannelClientAdmin(AuditedHistoryAdmin):
    form = ChannelClientForm
    list_display = [
        "name",
        "channel",
        "institution",
        "token_prefix",
        "is_active",
        "records_callbacks",
        "created_at",
        "revoked_at",
    ]
    list_filter = ["is_active", "channel", "records_callbacks"]
    search_fields = ["name", "token_prefix", "institution__code", "institution__name"]
    list_select_related = ["channel", "institution"]
    autocomplete_fields = ["institution"]
    actions = ["revoke", "issue_new_token"]
    readonly_after_creation = [
        "channel",
        "institution",
        "service_user",
        "token_prefix",
        "is_active",
        "created_at",
        "created_by",
        "revoked_at",
        "revoked_by",
    ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "channel", "institution", "records_callbacks"]
        return ["name", "records_callbacks", *self.readonly_after_creation]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The service user's role is bound to the institution and channel
        # chosen at creation: a different binding is a different client.
        return self.readonly_after_creation if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Revoke instead: submissions and history point here.

    def save_model(
        self, request: HttpRequest, obj: ChannelClient, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            client_rename(client=obj, name=data["name"], actor=request.user)
            client_set_callbacks(
                client=obj,
                records_callbacks=data["records_callbacks"],
                actor=request.user,
            )
            return
        created, secret = client_create(
            name=data["name"],
            channel=data["channel"],
            institution=data["institution"],
            actor=request.user,
            records_callbacks=data["records_callbacks"],
        )
        obj.pk, obj.service_user_id = created.pk, created.service_user_id
        obj.token_prefix, obj.created_at = created.token_prefix, created.created_at
        _show_token(request, created, secret)

    @admin.action(
        description=_("Revoke the selected clients' tokens"), permissions=["change"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[ChannelClient]) -> None:
        revoked = 0
        for client in queryset.filter(revoked_at__isnull=True):
            client_revoke(client=client, actor=request.user)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d client revoked.", "%(count)d clients revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Issue a new token (the old one stops at once)"),
        permissions=["change"],
    )
    def issue_new_token(
        self, request: HttpRequest, queryset: QuerySet[ChannelClient]
    ) -> None:
        if queryset.count() != 1:
            self.message_user(request, ONE_CLIENT, messages.ERROR)
            return
        try:
            client, secret = client_rotate_token(
                client=queryset.get(), actor=request.user
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        _show_token(request, client, secret)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the intake itself: read, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IntakeSubmission)
class IntakeSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "kind", "complaint", "idempotency_key"]
    list_filter = ["kind", "client"]
    search_fields = ["complaint__number", "idempotency_key"]
    list_select_related = ["client", "complaint"]
    exclude = ["response_body"]


@admin.register(MailMessage)
class MailMessageAdmin(ReadOnlyAdmin):
    """The sender is the complainant's address: masked without the personal-data
    permission on the complaint (running the mailboxes is not reading them),
    found only in full, and logged when shown."""

    list_display = ["created_at", "client", "shown_sender", "subject", "complaint"]
    list_filter = ["client"]
    search_fields = ["message_id", "=sender", "subject", "complaint__number"]
    list_select_related = ["client", "complaint__institution"]
    exclude = ["sender"]
    readonly_fields = ["shown_sender"]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) or {}
        if request.method == "GET" and "cl" in changelist:
            services.personal_data_shown(
                user=request.user,
                complaints=[m.complaint for m in changelist["cl"].result_list],
                surface=PersonalDataAccess.Surface.MAIL,
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
        message = self.get_object(request, object_id)
        if request.method == "GET" and response.status_code == 200 and message:
            services.personal_data_shown(
                user=request.user,
                complaints=[message.complaint],
                surface=PersonalDataAccess.Surface.MAIL_MESSAGE,
            )
        return response

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        readable = permissions.scope(
            MailMessage.objects.filter(pk=OuterRef("pk")),
            request.user,
            permissions.PERSONAL_DATA,
            via="complaint__institution",
        )
        return qs.annotate(personal=Exists(readable))

    @admin.display(description=_("sender"), ordering="sender")
    def shown_sender(self, obj: MailMessage) -> str:
        if not obj.sender or getattr(obj, "personal", False):
            return obj.sender
        local, _at, domain = obj.sender.partition("@")
        return f"{local[:1]}***@{domain}" if domain else selectors.mask_text(local)


# A mail's sender and subject are the complainant's (organisations.admin_lookups).
register_personal(MailMessage, ("sender", "subject"))
