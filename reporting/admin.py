"""Reporting in the admin: the dashboards' entry, volumes (with import), root
causes, rectification and quality sampling. Writes call reporting.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.template_utils import HistoricalRecordContextHelper

from complaints.models import Complaint
from complaints.workbench import widgets
from complaints.workbench.forms import attach_service_error
from organisations import permissions as P
from organisations.admin import AuditedHistoryAdmin
from organisations.models import Membership
from reporting import periods, services, views
from reporting.models import (
    QUALITY_SCORE_MAX,
    BusinessVolume,
    ComplaintRootCause,
    Dashboard,
    QualityCheck,
    QualitySample,
    Rectification,
    RootCause,
)
from reporting.resources import IMPORT_FORMATS, BusinessVolumeResource
from reporting.templatetags.reporting_tags import complaint_url

NUMBERS_NOT_FOUND = _("Not found: %(numbers)s")
NOT_IN_FUTURE = _("A day that has not come yet cannot be recorded.")


def _complaint_link(c: Complaint) -> str:
    return format_html('<a href="{}">{}</a>', complaint_url(c.pk), c.number)


def _covered_columns(request: HttpRequest) -> tuple[Any, Any]:
    """(count, links) of a rectification's complaints in the reader's scope;
    built once per request (sortable_by and the form ask again)."""
    cached = getattr(request, "_covered_columns", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    user = request.user

    def visible(obj: Rectification) -> Any:
        return P.scope(obj.complaints.all(), user, P.VIEW)

    @admin.display(description=_("complaints covered"))
    def covered(obj: Rectification) -> int:
        return visible(obj).count()  # type: ignore[no-any-return]

    @admin.display(description=_("complaints covered"))
    def covered_complaints(obj: Rectification) -> str:
        if obj.pk is None:
            return "—"
        return format_html_join(
            ", ", "{}", ((_complaint_link(c),) for c in visible(obj).order_by("pk"))
        )

    request._covered_columns = (covered, covered_complaints)  # type: ignore[attr-defined]
    return covered, covered_complaints


class CoveredInScope(HistoricalRecordContextHelper):
    """A rectification's history with the covered complaints the reader may
    see: another branch's complaint is neither named nor counted."""

    def __init__(self, model: Any, record: Any, *, user: Any) -> None:
        super().__init__(model, record)
        self.user = user

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        shown = super().prepare_delta_change_value(change, value)
        if change.field != "complaints":
            return shown
        ids = [getattr(c, "pk", c) for c in shown]
        visible = set(
            P.scope(
                Complaint.objects.filter(pk__in=ids), self.user, P.VIEW
            ).values_list("pk", flat=True)
        )
        return [c for c in shown if getattr(c, "pk", c) in visible]


def _reports_anywhere(request: HttpRequest) -> bool:
    return P.has_anywhere(request.user, P.REPORTS)


class ReadersMixin:
    """Model permissions (system administrators) or REPORTS on the subtree."""

    scope_via = "institution"

    def _admin(self, request: HttpRequest, action: str = "view") -> bool:
        model = self.model  # type: ignore[attr-defined]
        return P.is_system_admin(request.user, model, action)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if self._admin(request):
            return qs
        return P.scope(qs, request.user, P.REPORTS, via=self.scope_via)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._admin(request) or _reports_anywhere(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._admin(request) or _reports_anywhere(request)


class ServiceErrorsOnForm:
    """Add and change pages whose save calls a service: the service's refusal
    (a ValidationError, a PermissionDenied) comes back as a message on the form,
    field by field where it names one, with what was typed kept; never a 500.
    The refused save is rolled back with the admin's transaction, so nothing is
    half-written; the page is then built again with the refusal attached."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        view = super().changeform_view  # type: ignore[misc]
        try:
            return view(request, object_id, form_url, extra_context)  # type: ignore[no-any-return]
        except (ValidationError, PermissionDenied) as exc:
            if request.method != "POST" or hasattr(request, "_service_error"):
                raise
            request._service_error = exc  # type: ignore[attr-defined]
            return view(request, object_id, form_url, extra_context)  # type: ignore[no-any-return]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, **kwargs)  # type: ignore[misc]
        refusal: Exception | None = getattr(request, "_service_error", None)
        if refusal is None:
            return base

        class Refused(base):  # type: ignore[misc, valid-type]
            def clean(self) -> Any:
                data = super().clean()
                assert refusal is not None
                attach_service_error(self, refusal)
                return data

        return Refused


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name="reporting_dashboard_changelist"),
            path("handler/", wrap(views.handler_dashboard), name="reporting_handler"),
            path("manager/", wrap(views.manager_dashboard), name="reporting_manager"),
            path(
                "compliance/",
                wrap(views.compliance_dashboard),
                name="reporting_compliance",
            ),
            path("drilldown/", wrap(views.drilldown), name="reporting_drilldown"),
            path("regulator/", wrap(views.regulator_page), name="reporting_regulator"),
            path(
                "disclosure/", wrap(views.disclosure_page), name="reporting_disclosure"
            ),
            path(
                "regulator-feedback/",
                wrap(views.feedback_export),
                name="reporting_feedback",
            ),
            path(
                "regulator-workbook/",
                wrap(views.regulator_workbook),
                name="reporting_workbook",
            ),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return views.dashboard_index(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.HANDLE) or _reports_anywhere(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BusinessVolume)
class BusinessVolumeAdmin(ReadersMixin, ImportExportMixin, AuditedHistoryAdmin):
    resource_classes = [BusinessVolumeResource]
    import_formats = IMPORT_FORMATS
    list_display = [
        "institution",
        "period_start",
        "period_end",
        "premium",
        "policies",
        "insured_persons",
    ]
    list_filter = ["period_start"]
    search_fields = ["institution__code", "institution__name"]
    list_select_related = ["institution"]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self._admin(request, "add") and self._admin(request, "change")

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        # An unreadable CSV says why (reporting.resources.LenientCSV), not
        # only the exception's class name as import-export does.
        if isinstance(e, ValidationError):
            for message in e.messages:
                form.add_error("import_file", message)
            return
        super().add_data_read_fail_error_to_form(form, e)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        # The history form renders this field as a choice list: only the
        # institutions the reader reports on (all of them for administrators).
        if db_field.name == "institution" and not P.sees_every_row(
            request.user, BusinessVolume
        ):
            kwargs["queryset"] = P.institutions_for(request.user, P.REPORTS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RootCause)
class RootCauseAdmin(ReadersMixin, AuditedHistoryAdmin):
    list_display = ["code", "label", "label_en", "function", "sort_order", "is_active"]
    list_filter = ["function", "is_active"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return RootCause.objects.all()  # a code list: everyone reporting reads it


class RootCauseForm(forms.ModelForm):
    number = forms.CharField(label=_("Complaint number"), max_length=20)

    class Meta:
        model = ComplaintRootCause
        fields = ["root_cause", "note"]


@admin.register(ComplaintRootCause)
class ComplaintRootCauseAdmin(ServiceErrorsOnForm, ReadersMixin, AuditedHistoryAdmin):
    scope_via = "complaint__institution"
    form = RootCauseForm
    list_display = ["complaint", "root_cause", "recorded_by", "recorded_at"]
    list_filter = ["root_cause__function", "root_cause"]
    list_select_related = ["complaint", "root_cause", "recorded_by"]
    search_fields = ["complaint__number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _reports_anywhere(request) or P.has_anywhere(request.user, P.HANDLE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["root_cause", "note"] if obj else ["number", "root_cause", "note"]

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        complaint = obj.complaint if change else form.complaint
        saved = services.complaint_root_cause_set(
            complaint=complaint,
            actor=request.user,
            root_cause=form.cleaned_data["root_cause"],
            note=form.cleaned_data["note"],
        )
        obj.pk = saved.pk

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, **kwargs)

        class Form(base):  # type: ignore[misc, valid-type]
            def clean(self) -> Any:
                data = super().clean()
                if obj is None and data.get("number"):
                    self.complaint = (
                        P.scope(Complaint.objects, request.user, P.VIEW)
                        .filter(number=data["number"].strip())
                        .first()
                    )
                    if self.complaint is None:
                        raise ValidationError(
                            NUMBERS_NOT_FOUND % {"numbers": data["number"]}
                        )
                    self.instance.complaint = self.complaint
                return data

        return Form


class RectificationForm(forms.ModelForm):
    add_complaints = forms.CharField(
        label=_("Add complaints"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Complaint numbers, separated by spaces, commas or lines."),
    )

    class Meta:
        model = Rectification
        fields = [
            "title",
            "root_cause",
            "owner_institution",
            "owner_department",
            "measure",
            "due_on",
            "status",
            "evidence",
            "completed_on",
        ]
        widgets = {
            "due_on": widgets.date_widget(),
            "completed_on": widgets.date_widget(),
        }
        help_texts = {
            "completed_on": _("When it was done; today when left empty."),
        }

    def clean_completed_on(self) -> Any:
        day = self.cleaned_data.get("completed_on")
        if day is not None and day > timezone.localdate():
            raise ValidationError(NOT_IN_FUTURE, code="future")
        return day


@admin.register(Rectification)
class RectificationAdmin(ServiceErrorsOnForm, ReadersMixin, AuditedHistoryAdmin):
    scope_via = "owner_institution"
    form = RectificationForm
    list_display = [
        "title",
        "owner_institution",
        "root_cause",
        "due_on",
        "status",
    ]  # and the count of covered complaints (get_list_display)
    list_filter = ["status", "root_cause__function", "root_cause"]
    list_select_related = ["owner_institution", "root_cause"]
    search_fields = ["title", "measure"]

    # The covered complaints as the reader may see them: a rectification of one
    # branch can cover another's complaints (a head office's item), and those
    # are neither named nor counted for a reader outside their scope.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        covered = _covered_columns(request)[1]
        # The owner is chosen when the item is opened (rectification_update
        # does not move it): shown, not offered for editing.
        if obj is None:
            return [covered]
        return [covered, "owner_institution"]

    def get_list_display(self, request: HttpRequest) -> Any:
        return [*self.list_display, _covered_columns(request)[0]]

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return CoveredInScope(self.model, historical_record, user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _reports_anywhere(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return _reports_anywhere(request)
        return P.has(request.user, P.REPORTS, obj.owner_institution)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "owner_institution":
            kwargs["queryset"] = P.institutions_for(request.user, P.REPORTS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _numbers(self, request: HttpRequest, text: str) -> list[Complaint]:
        numbers = {n for n in text.replace(",", " ").split() if n}
        found = list(
            P.scope(Complaint.objects, request.user, P.REPORTS).filter(
                number__in=numbers
            )
        )
        missing = numbers - {c.number for c in found}
        if missing:
            raise ValidationError(
                NUMBERS_NOT_FOUND % {"numbers": ", ".join(sorted(missing))}
            )
        return found

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, **kwargs)
        admin_ = self

        class Form(base):  # type: ignore[misc, valid-type]
            def clean_add_complaints(self) -> list[Complaint]:
                found = admin_._numbers(request, self.cleaned_data["add_complaints"])
                try:
                    services._require_decided(found)
                except ValidationError as exc:
                    raise ValidationError(exc.messages) from exc
                return found

        return Form

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        data, user = form.cleaned_data, request.user
        if change:
            item = services.rectification_update(
                rectification=obj,
                actor=user,
                title=data["title"],
                measure=data["measure"],
                due_on=data["due_on"],
                owner_department=data["owner_department"],
                root_cause=data["root_cause"],
            )
        else:
            item = services.rectification_create(
                actor=user,
                owner_institution=data["owner_institution"],
                title=data["title"],
                measure=data["measure"],
                due_on=data["due_on"],
                root_cause=data["root_cause"],
                owner_department=data["owner_department"],
            )
        if data["add_complaints"]:
            services.rectification_cover(
                rectification=item, actor=user, complaints=data["add_complaints"]
            )
        if not change or {"status", "evidence", "completed_on"} & set(
            form.changed_data
        ):
            services.rectification_set_status(
                rectification=item,
                actor=user,
                status=data["status"],
                evidence=data["evidence"],
                completed_on=data.get("completed_on"),
            )
        obj.pk = item.pk

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        pass  # complaints are covered through rectification_cover above


class QualityCheckInlineForm(forms.ModelForm):
    class Meta:
        model = QualityCheck
        fields = ["result", "rule", "note"]
        # Narrow enough that the score and the checker stay readable beside it.
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def clean(self) -> Any:
        data = super().clean() or {}
        # The service's rule, asked here too so the message sits on its row.
        if data.get("result") == QualityCheck.Result.ISSUES and not data.get("rule"):
            self.add_error("rule", services.RULE_REQUIRED)
        return data


def _score_text(obj: QualityCheck) -> str:
    scores = [s.score for s in obj.scores.all()]
    if not scores:
        return "—"
    avg = sum(scores) / len(scores)
    return f"{avg:.1f} / {QUALITY_SCORE_MAX}"


class QualityCheckInline(admin.TabularInline):
    model = QualityCheck
    form = QualityCheckInlineForm
    fields = ["case", "result", "rule", "note", "scored", "checked_by", "checked_at"]
    readonly_fields = ["case", "scored", "checked_by", "checked_at"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .select_related("complaint", "checked_by")
            .prefetch_related("scores")
        )

    @admin.display(description=_("complaint"))
    def case(self, obj: QualityCheck) -> str:
        return _complaint_link(obj.complaint)

    @admin.display(description=_("score per checklist item"))
    def scored(self, obj: QualityCheck) -> str:
        url = reverse("admin:reporting_qualitycheck_change", args=[obj.pk])
        return format_html(
            '<a href="{}" id="score-{}">{} · {}</a>',
            url,
            obj.pk,
            _score_text(obj),
            _("Score the checklist"),
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Compliance officers record findings (R70), not only the superuser
        # the model permission would ask for; the service checks the sample's
        # institution.
        return _is_compliance_anywhere(request)


class QualityCheckScoreForm(forms.Form):
    """One score field per checklist item (empty: does not apply), and the note."""

    note = forms.CharField(
        label=_("finding"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, data: Any = None, *, check: QualityCheck) -> None:
        initial = {f"score_{s.rule}": str(s.score) for s in check.scores.all()}
        initial["note"] = check.note
        super().__init__(data, initial=initial)
        scale = [("", _("not applicable"))] + [
            (str(n), str(n)) for n in range(QUALITY_SCORE_MAX + 1)
        ]
        for rule, label in QualityCheck.Rule.choices:
            self.fields[f"score_{rule}"] = forms.TypedChoiceField(
                label=label,
                choices=scale,
                coerce=int,
                empty_value=None,
                required=False,
            )
        self.fields["note"] = self.fields.pop("note")  # after the items

    def scores(self) -> dict[str, int | None]:
        return {
            rule: self.cleaned_data.get(f"score_{rule}")
            for rule in QualityCheck.Rule.values
        }

    def clean(self) -> Any:
        data = super().clean()
        if not self.errors and not any(v is not None for v in self.scores().values()):
            raise ValidationError(services.SCORE_SOMETHING)
        return data


@admin.register(QualityCheck)
class QualityCheckAdmin(ReadersMixin, AuditedHistoryAdmin):
    """The findings of every sample in one list; a finding's page scores the
    case item by item (quality_check_record)."""

    scope_via = "sample__institution"
    # What the history's form shows (the scores have their own page): no
    # choice list of complaints or samples, which would reach beyond the scope.
    fields = ["result", "rule", "note"]
    list_display = [
        "complaint",
        "sample",
        "result",
        "rule",
        "score_avg",
        "checked_by",
        "checked_at",
    ]
    list_filter = ["result", "rule"]
    list_select_related = ["complaint", "sample__institution", "checked_by"]
    search_fields = ["complaint__number"]
    change_form_template = "admin/reporting/qualitycheck/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("scores")

    @admin.display(description=_("average score"))
    def score_avg(self, obj: QualityCheck) -> str:
        return _score_text(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return _is_compliance_anywhere(request)
        return services.is_compliance(request.user, obj.sample.institution)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        check = self.get_object(request, object_id)
        if check is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, check):
            raise PermissionDenied
        can_change = self.has_change_permission(request, check)
        if request.method == "POST" and not can_change:
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = QualityCheckScoreForm(data, check=check)
        if data is not None and form.is_valid():
            try:
                services.quality_check_record(
                    check=check,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    scores=form.scores(),
                )
            except (ValidationError, PermissionDenied) as exc:
                attach_service_error(form, exc)
            else:
                self.message_user(request, _("The scores are recorded."))
                back = "admin:reporting_qualitysample_change"
                return HttpResponseRedirect(reverse(back, args=[check.sample_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Score the checklist: %(number)s")
            % {"number": check.complaint.number},
            "opts": self.opts,
            "original": check,
            "form": form,
            "can_change": can_change,
            "complaint_link": _complaint_link(check.complaint),
            "score_max": QUALITY_SCORE_MAX,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_form_template, context)


class QualitySampleForm(forms.ModelForm):
    period = forms.CharField(label=_("Period"), help_text=periods.BAD_PERIOD)
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        help_text=_("Leave empty for a new random seed; reuse one to repeat a draw."),
    )

    class Meta:
        model = QualitySample
        fields = ["institution", "size"]

    def clean_period(self) -> periods.Period:
        try:
            return periods.parse(self.cleaned_data["period"])
        except periods.PeriodError as exc:
            raise ValidationError(periods.BAD_PERIOD) from exc


def _is_compliance_anywhere(request: HttpRequest) -> bool:
    """Asked several times per page (navigation, buttons): answered once."""
    cached = getattr(request, "_is_compliance_anywhere", None)
    if cached is None:
        user = request.user
        cached = P.is_global(user) or P.has_role_anywhere(
            user, Membership.Role.COMPLIANCE
        )
        request._is_compliance_anywhere = cached  # type: ignore[attr-defined]
    return bool(cached)


@admin.register(QualitySample)
class QualitySampleAdmin(ServiceErrorsOnForm, ReadersMixin, AuditedHistoryAdmin):
    list_display = [
        "institution",
        "period_start",
        "period_end",
        "size",
        "population",
        "seed",
        "drawn_by",
        "drawn_at",
    ]
    list_select_related = ["institution", "drawn_by"]
    inlines = [QualityCheckInline]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = QualitySampleForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["institution", "period", "size", "seed"]
        return [
            "institution",
            "period_start",
            "period_end",
            "size",
            "population",
            "seed",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj) if obj else []

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return self.inlines if obj else []

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "institution":
            kwargs["queryset"] = P.institutions_for(request.user, P.REPORTS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_compliance_anywhere(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_compliance_anywhere(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if change:
            return
        data = form.cleaned_data
        sample = services.quality_sample_draw(
            actor=request.user,
            institution=data["institution"],
            period=data["period"],
            size=data["size"],
            seed=data.get("seed"),
        )
        obj.pk = sample.pk

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        # The admin's change message reads what formset.save() would have set.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [
            (f.instance, f.changed_data) for f in formset.forms if f.has_changed()
        ]
        for inline_form in formset.forms:
            if inline_form.has_changed():
                data = inline_form.cleaned_data
                services.quality_check_record(
                    check=inline_form.instance,
                    actor=request.user,
                    result=data["result"],
                    rule=data.get("rule", ""),
                    note=data.get("note", ""),
                )


from reporting import admin_appraisal as admin_appraisal  # noqa: E402, F401
from reporting import admin_regulator as admin_regulator  # noqa: E402, F401
