"""The appraisal scorecard in the admin (issue 17 point 4): the accountable-
manager register and the weight versions, kept by compliance; published
scorecards, read-only, with their xlsx for HR. Writes call reporting.appraisal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from organisations import permissions as P
from organisations.admin import AuditedHistoryAdmin
from organisations.models import Membership
from organisations.names import display_name
from reporting import appraisal, periods
from reporting.admin import ReadersMixin, ServiceErrorsOnForm
from reporting.appraisal_models import (
    INDICATORS,
    AccountableManager,
    Scorecard,
    ScorecardRow,
    WeightVersion,
)
from reporting.appraisal_xlsx import write_scorecard
from reporting.regulator_services import is_company_compliance


def _compliance_anywhere(request: HttpRequest) -> bool:
    return P.is_global(request.user) or P.has_role_anywhere(
        request.user, Membership.Role.COMPLIANCE
    )


class NoBulkDelete:
    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions  # type: ignore[no-any-return]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountableManager)
class AccountableManagerAdmin(
    NoBulkDelete, ServiceErrorsOnForm, ReadersMixin, AuditedHistoryAdmin
):
    list_display = [
        "institution",
        "manager_shown",
        "title",
        "valid_from",
        "valid_until",
    ]
    list_select_related = ["institution", "manager"]
    list_filter = ["valid_until"]
    fields = ["institution", "manager", "title", "valid_from", "valid_until", "note"]
    search_fields = ["institution__name", "institution__code"]

    @admin.display(description=_("accountable manager"), ordering="manager")
    def manager_shown(self, obj: AccountableManager) -> str:
        return display_name(obj.manager)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _compliance_anywhere(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return _compliance_anywhere(request)
        return appraisal.is_compliance(request.user, obj.institution)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "institution":
            kwargs["queryset"] = P.institutions_for(request.user, P.REPORTS)
        if db_field.name == "manager":
            # Staff of the institutions the reader reports on: no names of
            # another branch's people in the list.
            places = P.institutions_for(request.user, P.REPORTS)
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, memberships__institution__in=places)
                .distinct()
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "manager":
            field.label_from_instance = display_name
        return field

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = appraisal.register_set(
            actor=request.user,
            entry=obj if change else None,
            institution=data["institution"],
            manager=data["manager"],
            valid_from=data["valid_from"],
            valid_until=data.get("valid_until"),
            title=data.get("title", ""),
            note=data.get("note", ""),
        )
        obj.pk = saved.pk


WEIGHT_FIELDS = [f"w_{k}" for k in INDICATORS]


@admin.register(WeightVersion)
class WeightVersionAdmin(NoBulkDelete, ServiceErrorsOnForm, AuditedHistoryAdmin):
    """Compliance 'edits' the weights by saving a new version (the form opens
    with the newest version's values); a version is never changed."""

    list_display = ["version", "effective_from", *WEIGHT_FIELDS, "volume_ceiling"]
    readonly_fields = ["version", "created_by", "created_at"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        head = ["version"] if obj else []
        tail = ["note", "created_by", "created_at"] if obj else ["note"]
        return [*head, "effective_from", *WEIGHT_FIELDS, "volume_ceiling", *tail]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj) if obj else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        newest = appraisal.latest_version()
        if newest is None:
            return {}
        return {
            **{f: getattr(newest, f) for f in WEIGHT_FIELDS},
            "volume_ceiling": newest.volume_ceiling,
        }

    def has_module_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.REPORTS) or P.is_system_admin(
            request.user, WeightVersion
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_company_compliance(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = appraisal.weights_create(
            actor=request.user,
            effective_from=data["effective_from"],
            weights={k: data[f"w_{k}"] for k in INDICATORS},
            volume_ceiling=data["volume_ceiling"],
            note=data.get("note", ""),
        )
        obj.pk = saved.pk


class PublishForm(forms.ModelForm):
    period = forms.CharField(
        label=_("Period"), help_text=_("e.g. 2026Q3, 2026-07 or 2026")
    )

    class Meta:
        model = Scorecard
        fields = ["institution"]

    def clean_period(self) -> periods.Period:
        try:
            return periods.parse(self.cleaned_data["period"])
        except periods.PeriodError as exc:
            raise ValidationError(str(exc)) from exc


ROW_FIELDS = (
    "institution",
    "manager_name",
    "accountable_from",
    "accountable_until",
    "received",
    "s_volume",
    "s_on_time",
    "s_review",
    "s_repeat",
    "s_rectification",
    "s_quality",
    "score",
)


class ScorecardRowInline(admin.TabularInline):
    model = ScorecardRow
    extra = 0
    can_delete = False
    fields = ROW_FIELDS
    readonly_fields = ROW_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request).select_related("institution")
        if P.sees_every_row(request.user, ScorecardRow):
            return qs
        return P.scope(qs, request.user, P.REPORTS, via="institution")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Scorecard)
class ScorecardAdmin(
    NoBulkDelete, ServiceErrorsOnForm, ReadersMixin, AuditedHistoryAdmin
):
    """Published scorecards: added by publishing (the service computes and
    freezes it), read-only afterwards, exported as xlsx."""

    list_display = ["institution", "period_start", "period_end", "weights", "xlsx"]
    list_select_related = ["institution", "weights"]
    list_filter = ["period_start"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [ScorecardRowInline] if obj else []

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = PublishForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["institution", "period"]
        return [
            "institution",
            "period_start",
            "period_end",
            "weights",
            "published_by",
            "published_at",
            "xlsx",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj) if obj else []

    @admin.display(description=_("xlsx for HR"))
    def xlsx(self, obj: Scorecard) -> str:
        url = reverse("admin:reporting_scorecard_xlsx", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "institution":
            kwargs["queryset"] = P.institutions_for(request.user, P.REPORTS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _compliance_anywhere(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        card = appraisal.scorecard_publish(
            actor=request.user, institution=data["institution"], period=data["period"]
        )
        obj.pk, obj.period_start = card.pk, card.period_start

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/xlsx/",
                wrap(self.xlsx_view),
                name="reporting_scorecard_xlsx",
            ),
            *super().get_urls(),
        ]

    def xlsx_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        if not object_id.isdigit():
            raise Http404
        card = get_object_or_404(appraisal.scorecards_in(request.user), pk=object_id)
        handle, _count = write_scorecard(user=request.user, card=card)
        name = f"scorecard-{card.institution.code}-{card.period_start}.xlsx"
        return FileResponse(handle, as_attachment=True, filename=name)
