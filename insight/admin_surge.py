"""Admin pages of surge alerts, rectification verdicts and the branch
comparison (issue 18 points 1, 2, 4; h18a). Every page is scoped: an alert by
its institution, a verdict by its rectification's owner, the comparison by
the institution chosen (compliance only); all show figures, never a person."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from insight import effectiveness, outliers, surge
from insight.models import BranchComparison, RectificationVerdict, SurgeAlert
from organisations import permissions as P
from organisations.models import Institution, Membership
from reporting.admin import ReadersMixin

ONLY_COMPLIANCE_RUNS = gettext_lazy(
    "Only a compliance officer runs the surge test on demand."
)


class ReadOnly(ReadersMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _runs_sweep(user: Any) -> bool:
    return P.is_global(user) or P.has_role_anywhere(user, Membership.Role.COMPLIANCE)


@admin.register(SurgeAlert)
class SurgeAlertAdmin(ReadOnly):
    scope_via = "institution"
    list_display = [
        "week_start",
        "institution",
        "product_line",
        "cause",
        "count",
        "rate_shown",
        "base_rate_shown",
        "p_shown",
        "q_shown",
        "status",
    ]
    list_filter = ["status", "week_start"]
    list_select_related = ["institution", "product_line", "cause"]
    fields = (
        "summary_shown",
        "institution",
        "product_line",
        "cause",
        "week_start",
        "week_end",
        "count",
        "rate_shown",
        "base_from",
        "base_to",
        "base_count",
        "base_rate_shown",
        "test_shown",
        "p_shown",
        "q_shown",
        "cells_tested",
        "status",
        "rectification_link",
    )
    readonly_fields = fields
    change_form_template = "insight/surge/alert_change_form.html"
    change_list_template = "insight/surge/alert_change_list.html"

    @admin.display(description=gettext_lazy("What was found"))
    def summary_shown(self, obj: SurgeAlert) -> str:
        return surge.summary(obj)

    @admin.display(description=gettext_lazy("Rate this week"))
    def rate_shown(self, obj: SurgeAlert) -> str:
        return f"{surge.figure(obj.rate)} {obj.rate_label}"

    @admin.display(description=gettext_lazy("Baseline rate"))
    def base_rate_shown(self, obj: SurgeAlert) -> str:
        return surge.figure(obj.base_rate)

    @admin.display(description=gettext_lazy("p-value"))
    def p_shown(self, obj: SurgeAlert) -> str:
        return surge.p_text(obj.p_value)

    @admin.display(description=gettext_lazy("Adjusted p-value (Benjamini–Hochberg)"))
    def q_shown(self, obj: SurgeAlert) -> str:
        return surge.p_text(obj.q_value)

    @admin.display(description=gettext_lazy("Test"))
    def test_shown(self, obj: SurgeAlert) -> str:
        return _(obj.test)

    @admin.display(description=gettext_lazy("Rectification"))
    def rectification_link(self, obj: SurgeAlert) -> str:
        if obj.rectification is None:
            return "—"
        url = reverse(
            "admin:reporting_rectification_change", args=[obj.rectification_id]
        )
        return format_html('<a href="{}">{}</a>', url, obj.rectification)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("run/", wrap(self.run_view), name="insight_surgealert_run"),
            path(
                "<path:object_id>/rectify/",
                wrap(self.rectify_view),
                name="insight_surgealert_rectify",
            ),
            path(
                "<path:object_id>/dismiss/",
                wrap(self.dismiss_view),
                name="insight_surgealert_dismiss",
            ),
            *super().get_urls(),
        ]

    def _alert(self, request: HttpRequest, object_id: str) -> SurgeAlert:
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = self.get_queryset(request).filter(pk=object_id).first()
        if found is None:
            raise P.NotFound(P.NOT_FOUND)
        return found

    def rectify_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._rectify)(request, object_id)

    def _rectify(self, request: HttpRequest, object_id: str) -> HttpResponse:
        alert = self._alert(request, object_id)
        try:
            item = surge.open_rectification(alert=alert, actor=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _refusal(exc))
            return HttpResponseRedirect(
                reverse("admin:insight_surgealert_change", args=[alert.pk])
            )
        messages.success(
            request, _("Rectification opened: set its measure and owner department.")
        )
        return HttpResponseRedirect(
            reverse("admin:reporting_rectification_change", args=[item.pk])
        )

    def dismiss_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._dismiss)(request, object_id)

    def _dismiss(self, request: HttpRequest, object_id: str) -> HttpResponse:
        alert = self._alert(request, object_id)
        try:
            surge.dismiss(alert=alert, actor=request.user)
        except PermissionDenied as exc:
            messages.error(request, _refusal(exc))
        return HttpResponseRedirect(
            reverse("admin:insight_surgealert_change", args=[alert.pk])
        )

    def run_view(self, request: HttpRequest) -> HttpResponse:
        return require_POST(self._run)(request)

    def _run(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        back = reverse("admin:insight_surgealert_changelist")
        if not _runs_sweep(request.user):
            messages.error(request, str(ONLY_COMPLIANCE_RUNS))
            return HttpResponseRedirect(back)
        result = surge.sweep()
        mine = self.get_queryset(request).filter(week_start=result.week_start).count()
        messages.success(
            request,
            _(
                "Week %(start)s–%(end)s tested: %(tested)d series, %(alerts)d alerts "
                "in your institutions."
            )
            % {
                "start": result.week_start.isoformat(),
                "end": result.week_end.isoformat(),
                "tested": result.tested,
                "alerts": mine,
            },
        )
        return HttpResponseRedirect(back)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {"runs_sweep": _runs_sweep(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        alert = self.get_queryset(request).filter(pk=object_id).first()
        extra = {
            "alert": alert,
            "may_act": alert is not None
            and P.has(request.user, P.REPORTS, alert.institution),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or str(P.NOT_ALLOWED)


@admin.register(RectificationVerdict)
class RectificationVerdictAdmin(ReadOnly):
    scope_via = "rectification__owner_institution"
    list_display = [
        "decided_at",
        "rectification",
        "verdict",
        "before_count",
        "after_count",
        "p_shown",
        "reopened",
    ]
    list_filter = ["verdict", "reopened"]
    list_select_related = ["rectification"]
    fields = (
        "rectification",
        "verdict",
        "figures_shown",
        "counted",
        "completed_on",
        "window_days",
        "before_from",
        "before_to",
        "before_count",
        "after_from",
        "after_to",
        "after_count",
        "rate_label",
        "test_shown",
        "p_shown",
        "alpha",
        "reopened",
        "decided_at",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("Figures"))
    def figures_shown(self, obj: RectificationVerdict) -> str:
        return effectiveness.figures(obj)

    @admin.display(description=gettext_lazy("p-value"))
    def p_shown(self, obj: RectificationVerdict) -> str:
        return f"{obj.p_value:.4f}"

    @admin.display(description=gettext_lazy("Test"))
    def test_shown(self, obj: RectificationVerdict) -> str:
        return _(obj.test)


class ComparisonForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"), queryset=Institution.objects.none()
    )
    start = forms.DateField(label=gettext_lazy("Decided from"), required=False)
    end = forms.DateField(label=gettext_lazy("Decided until"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        field.queryset = compliance_institutions(user)  # type: ignore[attr-defined]
        field.label_from_instance = lambda i: i.name  # type: ignore[attr-defined]


def compliance_institutions(user: Any) -> QuerySet[Institution]:
    """The institutions `user` compares: under a compliance role (or all)."""
    if P.is_global(user):
        return Institution.objects.order_by("path")
    roots = Membership.objects.filter(
        user=user, role=Membership.Role.COMPLIANCE
    ).values_list("institution__path", flat=True)
    paths = list(roots)
    if not paths:
        return Institution.objects.none()
    inst = P.institutions_for(user, P.REPORTS).filter(
        reduce(or_, (Q(path__startswith=p) for p in paths))
    )
    return inst.order_by("path")


@admin.register(BranchComparison)
class BranchComparisonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "",
                wrap(self.changelist_view),
                name="insight_branchcomparison_changelist",
            )
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return P.is_global(request.user) or P.has_role_anywhere(
            request.user, Membership.Role.COMPLIANCE
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        choices = compliance_institutions(request.user)
        data = request.GET if "institution" in request.GET else None
        form = ComparisonForm(data, user=request.user)
        result = None
        if data is None and choices.exists():
            form = ComparisonForm(
                {"institution": choices.first().pk},  # type: ignore[union-attr]
                user=request.user,
            )
        if form.is_valid():
            try:
                result = outliers.compare_branches(
                    user=request.user,
                    root=form.cleaned_data["institution"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Branches that decide differently"),
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "fdr": outliers.fdr_level(),
            "least": outliers.min_cases(),
        }
        return TemplateResponse(
            request, "insight/surge/branch_comparison.html", context
        )
