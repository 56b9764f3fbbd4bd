"""Reference data in the admin: the code lists and the working-day calendar.

System administrators (superusers, or users given the model permissions) edit
them; everyone with a view scope somewhere reads them. Calendar writes go
through complaints.timing.calendar_service, which keeps the history and recomputes
open complaints' due dates.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.backends.base import BaseEngine
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import dateformat
from django.utils.translation import gettext_lazy as _

from complaints.exchange.import_values import NAME_TAKEN, name_conflicts
from complaints.models import CalendarDay, Code
from complaints.timing.calendar_service import (
    CalendarError,
    CalendarImportError,
    calendar_file_rows,
    calendar_import_record,
    calendar_import_rows,
    calendar_load_year,
    calendar_set_day,
)
from complaints.timing.deadlines import chinese_calendar_years
from organisations import permissions
from organisations.admin import AuditedHistoryAdmin

# A calendar file is one or two years of rows: a few hundred kilobytes at most.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TOO_LARGE = _("The file is larger than 5 MB; a calendar file is far smaller.")

# The two extra pages and the changelist's extra buttons are small enough to
# live here rather than as template files.
_PAGE = """{% extends "admin/base_site.html" %}
{% load i18n admin_urls %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a> &rsaquo;
<a href="{% url 'admin:app_list' app_label=opts.app_label %}">
{{ opts.app_config.verbose_name }}</a> &rsaquo;
<a href="{% url opts|admin_urlname:'changelist' %}">
{{ opts.verbose_name_plural|capfirst }}</a> &rsaquo; {{ title }}
</div>{% endblock %}
{% block content %}<div id="content-main">
{% if intro %}<p>{{ intro }}</p>{% endif %}
{% if row_errors %}
<p class="errornote">{{ errors_title }}</p>
<table id="calendar-errors">
<thead><tr><th>{{ line_label }}</th><th>{{ reason_label }}</th></tr></thead>
<tbody>{% for e in row_errors %}
<tr><td>{{ e.line|default:"—" }}</td><td>{{ e.message }}</td></tr>
{% endfor %}</tbody></table>
{% endif %}
<form method="post" enctype="multipart/form-data">{% csrf_token %}
<fieldset class="module aligned">{% for field in form %}<div class="form-row">
{{ field.errors }}{{ field.label_tag }} {{ field }}
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}
</div>{% endfor %}</fieldset>
<div class="submit-row">
<input type="submit" class="default" value="{{ submit_label }}"></div>
</form></div>{% endblock %}
"""
_CHANGE_LIST = """{% extends "admin/change_list.html" %}
{% block object-tools-items %}
{% if calendar_tools %}
<li><a href="{% url 'admin:complaints_calendarday_load_year' %}">
{{ calendar_tools.load }}</a></li>
<li><a href="{% url 'admin:complaints_calendarday_import' %}">
{{ calendar_tools.upload }}</a></li>
{% endif %}
{{ block.super }}
{% endblock %}
"""


@cache
def _template(source: str) -> Any:
    engine: BaseEngine = engines["django"]
    return engine.from_string(source)


class SystemAdminOrReader(AuditedHistoryAdmin):
    """Model permissions (system administrators) write; any view scope reads."""

    def _has_model_perm(self, request: HttpRequest, action: str) -> bool:
        return permissions.is_system_admin(request.user, self.model, action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            self._has_model_perm(request, "view")
            or self._has_model_perm(request, "change")
            or permissions.has_anywhere(request.user, permissions.VIEW)
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has_model_perm(request, "change")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._has_model_perm(request, "add")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # complaints and reports refer to these rows


class CodeForm(forms.ModelForm):
    class Meta:
        model = Code
        fields = ["kind", "code", "label", "label_en", "synonyms"]

    def clean(self) -> dict[str, Any]:
        """A name that already stands for another entry of the list would make
        an imported value ambiguous: refused here, with the entry named."""
        data = super().clean() or {}
        kind = data.get("kind") or self.instance.kind
        names = [data.get("label", ""), *(data.get("synonyms") or "").splitlines()]
        for name, other in name_conflicts(kind, names, exclude_pk=self.instance.pk):
            field = "label" if name == data.get("label") else "synonyms"
            self.add_error(
                field,
                NAME_TAKEN % {"name": name, "entry": f"{other.label}（{other.code}）"},
            )
        return data


@admin.register(Code)
class CodeAdmin(SystemAdminOrReader):
    form = CodeForm
    fields = [
        "kind",
        "code",
        "label",
        "label_en",
        "synonyms",
        "group",
        "sort_order",
        "is_active",
    ]
    list_display = ["kind", "code", "label", "label_en", "group", "sort_order"]
    list_display += ["is_active"]
    list_display_links = ["code"]
    list_editable = ["label", "label_en", "sort_order", "is_active"]
    list_filter = ["kind", "is_active", "group"]
    search_fields = ["code", "label", "label_en", "synonyms"]
    list_per_page = 200

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Reports, imports and a few rules key on the code: it never changes.
        return ["kind", "code"] if obj else []


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("day", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(day__year=int(value))
        return queryset


class LoadYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("year"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        loaded = {d.year for d in CalendarDay.objects.dates("day", "year", order="ASC")}
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            (y, f"{y} ✓" if y in loaded else str(y))
            for y in reversed(chinese_calendar_years())
        ]


class ImportCalendarForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_(
            "An .xlsx or .csv file (UTF-8 or GBK) with the columns date, is_workday "
            "and name; every day of each year it contains."
        ),
    )
    dry_run = forms.BooleanField(label=_("check only, write nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(UPLOAD_TOO_LARGE)
        return upload


@admin.register(CalendarDay)
class CalendarDayAdmin(SystemAdminOrReader):
    list_display = ["day", "weekday", "is_workday", "name", "source"]
    list_filter = [YearFilter, "is_workday"]
    search_fields = ["name"]
    list_per_page = 100
    fields = ["day", "weekday", "is_workday", "name", "source"]
    readonly_fields = ["day", "weekday", "source"]

    @property
    def change_list_template(self) -> Any:  # type: ignore[override]
        return _template(_CHANGE_LIST)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return dateformat.format(obj.day, "D")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # days come in whole years: load or import them

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        if self.has_change_permission(request):
            extra_context["calendar_tools"] = {
                "load": _("Load a year from chinese-calendar"),
                "upload": _("Import from a spreadsheet"),
            }
        return super().changelist_view(request, extra_context)

    def save_model(
        self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool
    ) -> None:
        try:
            calendar_set_day(
                day=obj.day,
                is_workday=form.cleaned_data["is_workday"],
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except CalendarError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "load-year/",
                wrap(self.load_year_view),
                name="complaints_calendarday_load_year",
            ),
            path(
                "import/",
                wrap(self.import_view),
                name="complaints_calendarday_import",
            ),
            *super().get_urls(),
        ]

    def _page(
        self, request: HttpRequest, title: Any, form: forms.Form, **context: Any
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            _template(_PAGE),
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "form": form,
                "line_label": _("line"),
                "reason_label": _("reason"),
                **context,
            },
        )

    def _changelist_url(self) -> str:
        return reverse("admin:complaints_calendarday_changelist")

    def load_year_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = LoadYearForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = calendar_load_year(
                    year=form.cleaned_data["year"], actor=request.user
                )
            except CalendarError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, result.summary(), messages.SUCCESS)
                return HttpResponseRedirect(self._changelist_url())
        return self._page(
            request,
            _("Load a year from chinese-calendar"),
            form,
            intro=_(
                "Years marked ✓ are loaded already; loading again restores the "
                "package's values and changes nothing else."
            ),
            submit_label=_("Load"),
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportCalendarForm(request.POST or None, request.FILES or None)
        row_errors: list[Any] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            try:
                rows = calendar_file_rows(filename=upload.name, content=upload.read())
                result = calendar_import_rows(
                    rows=rows, actor=request.user, source=upload.name, dry_run=dry_run
                )
            except CalendarImportError as exc:
                row_errors = exc.row_errors
                if not dry_run:
                    calendar_import_record(
                        actor=request.user,
                        filename=upload.name,
                        invalid=len({e.line for e in row_errors}),
                    )
            except CalendarError as exc:
                form.add_error("file", exc)
                if not dry_run:
                    calendar_import_record(
                        actor=request.user, filename=upload.name, invalid=1
                    )
            else:
                self.message_user(request, result.summary(), messages.SUCCESS)
                if not dry_run:
                    calendar_import_record(
                        actor=request.user, filename=upload.name, result=result
                    )
                    return HttpResponseRedirect(self._changelist_url())
        return self._page(
            request,
            _("Import the calendar from a spreadsheet"),
            form,
            intro=_(
                "The State Council publishes each year's holidays late in the "
                "previous year. Import the whole year: a partial year is refused."
            ),
            row_errors=row_errors,
            errors_title=_("Nothing was imported. Correct these rows and try again:"),
            submit_label=_("Import"),
        )
