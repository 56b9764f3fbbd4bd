"""The regulator's product lines and the mapping compliance keeps (admin).

The lines are the regulator's (read by everyone reporting, changed by system
administrators); the mapping is changed by head-office compliance through
reporting.regulator_services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from organisations import permissions as P
from organisations.admin import AuditedHistoryAdmin
from organisations.models import Membership
from reporting import periods, regulator_services
from reporting.admin import ReadersMixin, ServiceErrorsOnForm
from reporting.models import ProductLineMapping, RegulatorFigure, RegulatorLine


def _reports_anywhere(request: HttpRequest) -> bool:
    return P.has_anywhere(request.user, P.REPORTS)


class CodeListReaders:
    """Everyone reporting reads; system administrators of the model change."""

    def _admin(self, request: HttpRequest, action: str = "view") -> bool:
        return P.is_system_admin(request.user, self.model, action)  # type: ignore[attr-defined]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._admin(request) or _reports_anywhere(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._admin(request) or _reports_anywhere(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegulatorLine)
class RegulatorLineAdmin(CodeListReaders, AuditedHistoryAdmin):
    list_display = ["code", "label", "label_en", "sector", "sort_order"]
    list_filter = ["sector"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._admin(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._admin(request, "change")


@admin.register(ProductLineMapping)
class ProductLineMappingAdmin(CodeListReaders, AuditedHistoryAdmin):
    list_display = ["product_line", "regulator_line", "sector", "note"]
    list_filter = ["regulator_line__sector"]
    list_select_related = ["product_line", "regulator_line"]
    fields = ["product_line", "regulator_line", "note"]

    @admin.display(description=RegulatorLine._meta.get_field("sector").verbose_name)
    def sector(self, obj: ProductLineMapping) -> str:
        return obj.regulator_line.get_sector_display()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["product_line"] if obj else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return regulator_services.is_company_compliance(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return regulator_services.is_company_compliance(request.user)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = regulator_services.product_line_mapping_set(
            actor=request.user,
            product_line=obj.product_line if change else data["product_line"],
            regulator_line=data["regulator_line"],
            note=data.get("note", ""),
        )
        obj.pk = saved.pk


class RegulatorFigureForm(forms.ModelForm):
    period = forms.CharField(label=_("Quarter"), help_text=_("e.g. 2026Q3"))

    class Meta:
        model = RegulatorFigure
        fields = [
            "institution",
            "published_count",
            "notice",
            "published_on",
            "references",
            "note",
        ]
        widgets = {
            "published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }

    def clean_period(self) -> periods.Period:
        try:
            return periods.parse(self.cleaned_data["period"])
        except periods.PeriodError as exc:
            raise ValidationError(periods.BAD_PERIOD) from exc


@admin.register(RegulatorFigure)
class RegulatorFigureAdmin(ServiceErrorsOnForm, ReadersMixin, AuditedHistoryAdmin):
    """Entered as published; a restatement is a new entry, never an edit."""

    list_display = [
        "institution",
        "period_start",
        "published_count",
        "notice",
        "published_on",
        "entered_by",
    ]
    list_select_related = ["institution", "entered_by"]
    list_filter = ["period_start"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = RegulatorFigureForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return [
                "institution",
                "period",
                "published_count",
                "notice",
                "published_on",
                "references",
                "note",
            ]
        return [
            "institution",
            "period_start",
            "period_end",
            "published_count",
            "notice",
            "published_on",
            "references",
            "note",
            "entered_by",
            "entered_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj) if obj else []

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "institution":
            kwargs["queryset"] = P.institutions_for(request.user, P.REPORTS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return P.is_global(request.user) or P.has_role_anywhere(
            request.user, Membership.Role.COMPLIANCE
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        figure = regulator_services.regulator_figure_record(
            actor=request.user,
            institution=data["institution"],
            period=data["period"],
            published_count=data["published_count"],
            notice=data["notice"],
            published_on=data["published_on"],
            references=data.get("references", ""),
            note=data.get("note", ""),
        )
        obj.pk, obj.period_start = figure.pk, figure.period_start
