"""Reply and decision templates, kept by compliance for its subtree.

Compliance (the manage_templates permission) writes them for an institution;
they are offered to handlers of that institution and everything below it, on
the draft-decision and correspondence pages (complaints.admin.casework).
Saved through complaints.services.reply_template_save; never deleted, only
switched off, since history refers to them.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.models import Code, ReplyTemplate
from complaints.rules import placeholders
from organisations import permissions as P
from organisations.admin import AuditedHistoryAdmin


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = [
            "institution",
            "name",
            "use",
            "category",
            "outcome",
            "body",
            "is_active",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 12, "class": "vLargeTextField"})
        }

    def clean_body(self) -> str:
        body = str(self.cleaned_data["body"])
        placeholders.validate(body)
        return body


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(AuditedHistoryAdmin):
    form = ReplyTemplateForm
    list_display = ["name", "use", "category", "outcome", "institution", "is_active"]
    list_filter = ["use", "is_active", "outcome"]
    search_fields = ["name", "body"]
    list_select_related = ["institution", "category"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return P.scope(super().get_queryset(request), request.user, P.TEMPLATES)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.TEMPLATES)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return P.has_anywhere(request.user, P.TEMPLATES)
        return P.has(request.user, P.TEMPLATES, obj.institution)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.TEMPLATES)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Switch it off instead.

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kw)
        fields = form.base_fields
        institution = cast(forms.ModelChoiceField, fields["institution"])
        institution.queryset = P.institutions_for(request.user, P.TEMPLATES).order_by(
            "path"
        )
        category = cast(forms.ModelChoiceField, fields["category"])
        category.queryset = Code.objects.filter(kind=Code.Kind.CATEGORY, is_active=True)
        fields["body"].help_text = _(
            "Placeholders, filled in for each complaint: %(list)s. Nothing else "
            "in braces is accepted."
        ) % {"list": placeholders.help_text()}
        return form

    def save_model(
        self, request: HttpRequest, obj: ReplyTemplate, form: Any, change: bool
    ) -> None:
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.reply_template_save(
                actor=request.user,
                template=ReplyTemplate.objects.get(pk=obj.pk) if change else None,
                **fields,
            )
        except ValidationError as exc:  # checked by the form already
            raise PermissionDenied(exc.messages[0]) from exc
        obj.pk = saved.pk
