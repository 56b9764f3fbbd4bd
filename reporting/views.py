"""Dashboard pages, the drill-down list and the workbook download (admin views).

Views only read the filter, call selectors and render; numbers and scoping
live in reporting.selectors. The figures' pages (and the workbook, see
reporting.workbook) read the replica when there is one (config.routers); "My
work" reads the primary: a handler opens it right after acting on a case.
Outside the user's scope an institution answers as missing (404); without the
reporting permission the answer is 403.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.timing import deadline_terms as terms
from config.routers import on_replica
from organisations import permissions as P
from organisations.models import Institution, Membership
from reporting import basis, charts, feedback, periods, selectors
from reporting.disclosure import write_disclosure
from reporting.selectors.comparison import regulator_comparison
from reporting.selectors.disclosure import annual_disclosure
from reporting.selectors.kpis import DIMENSIONS, METRICS, dimension_label, window
from reporting.selectors.regulator import regulator_rates
from reporting.widgets import PlainSelect
from reporting.workbook import write_regulator_workbook

TREND_MONTHS = 12
NO_REPORTS = gettext_lazy("Your roles do not include reading reports.")
# Drill-down query parameter per dimension ("institution" names the subtree).
DIM_PARAMS = {d: "child" if d == "institution" else d for d in DIMENSIONS}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FilterForm(forms.Form):
    institution = forms.ChoiceField(
        label=gettext_lazy("Institution"), widget=PlainSelect
    )
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=30,
        help_text=periods.BAD_PERIOD,
    )

    def __init__(self, *args: Any, roots: list[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        top = min((r.depth for r in roots), default=0)
        field = self.fields["institution"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(r.code, "\u3000" * (r.depth - top) + r.name) for r in roots]

    def clean_period(self) -> periods.Period:
        try:
            return periods.parse(self.cleaned_data["period"])
        except periods.PeriodError as exc:
            raise forms.ValidationError(periods.BAD_PERIOD) from exc


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The chosen subtree and period, or the user's top subtree and this quarter."""
    roots = selectors.report_roots(request.user)
    if not roots:
        raise PermissionDenied(NO_REPORTS)
    today = timezone.localdate()
    data = {
        "institution": request.GET.get("institution") or roots[0].code,
        "period": request.GET.get("period") or str(periods.current_quarter(today)),
    }
    form = FilterForm(data, roots=roots)
    by_code = {r.code: r for r in roots}
    if data["institution"] not in by_code:
        raise P.NotFound(P.NOT_FOUND)
    period = (
        form.cleaned_data["period"]
        if form.is_valid()
        else periods.current_quarter(today)
    )
    root = by_code[data["institution"]]
    recent = [periods.current_quarter(today)]
    for _i in range(7):
        recent.append(recent[-1].previous())
    return {
        "form": form,
        "root": root,
        "period": period,
        "as_of": window(period, today).as_of,
        "today": today,
        "period_choices": [str(p) for p in recent],
        "query": f"institution={root.code}&period={period}",
    }


def _page(request: HttpRequest, title: str, template: str, **context: Any) -> Any:
    tabs = []
    if P.has_anywhere(request.user, P.HANDLE):
        tabs.append(("handler", _("My case figures")))
    if P.has_anywhere(request.user, P.REPORTS):
        tabs += [
            ("manager", _("Branch KPIs")),
            ("compliance", _("Compliance")),
            ("regulator", _("Regulator basis")),
            ("disclosure", _("Annual disclosure")),
        ]
    return TemplateResponse(
        request,
        template,
        {
            **admin.site.each_context(request),
            "title": title,
            "tabs": tabs,
            "metric_labels": {k: v[0] for k, v in METRICS.items()},
            # The same two dates, with the same words, as every complaint page.
            "legal_label": terms.LEGAL_DEADLINE,
            "legal_help": terms.LEGAL_DEADLINE_HELP,
            "internal_label": terms.INTERNAL_TARGET,
            **context,
        },
    )


def dashboard_index(request: HttpRequest) -> HttpResponse:
    """Send each user to the dashboard of their audience."""
    user = request.user
    if P.has_anywhere(user, P.REPORTS):
        roles = set(
            Membership.objects.filter(user=user).values_list("role", flat=True)  # type: ignore[misc]
        )
        name = "compliance" if Membership.Role.COMPLIANCE in roles else "manager"
    elif P.has_anywhere(user, P.HANDLE):
        name = "handler"
    else:
        raise PermissionDenied(NO_REPORTS)
    return HttpResponseRedirect(reverse(f"admin:reporting_{name}"))


def handler_dashboard(request: HttpRequest) -> HttpResponse:
    if not P.has_anywhere(request.user, P.HANDLE):
        raise PermissionDenied(NO_REPORTS)
    work = selectors.handler_work(user=request.user)
    labels = {
        "overdue": str(terms.OVERDUE),
        "past_internal": str(terms.PAST_INTERNAL_TARGET),
        "today": _("Due today"),
        "in_3_days": _("Due in 1-3 days"),
        "in_7_days": _("Due in 4-7 days"),
        "later": _("Due later"),
        "after_decision": _("After decision"),
    }
    buckets = [(labels[k], work["counts"][k]) for k in labels]
    chart = charts.column_chart(
        title=_("My cases by due date"),
        categories=[b[0] for b in buckets],
        series=[(_("Number of cases"), [b[1] for b in buckets])],
    )
    return _page(
        request,
        _("My case figures"),
        "admin/reporting/handler.html",
        active="handler",
        work=work,
        buckets=buckets,
        chart=chart,
        today=timezone.localdate(),
        buckets_note=_(
            "Overdue: past the legal deadline. The other columns go %(rule)s."
        )
        % {"rule": terms.BY_EARLIER_DATE},
    )


def _kpi_charts(
    f: dict[str, Any], user: Any, more: tuple[str, ...] = ()
) -> dict[str, Any]:
    """What the manager and compliance pages share; `more` breakdowns are
    read in the same query (reporting.selectors.tables)."""
    root, period = f["root"], f["period"]
    summary, tables = selectors.kpi_tables(
        user=user,
        institution=root,
        period=period,
        by=("institution", "category", *more),
        # The percentiles are shown for the institutions only (_handling.html,
        # _kpi_panels.html) and the summary.
        percentiles=("institution",),
    )
    rates, volume = selectors.subtree_rates(user=user, institution=root, period=period)
    months = periods.months_ending(period.end, TREND_MONTHS)
    trend = selectors.kpi_monthly(user=user, institution=root, months=months)
    children, categories = tables["institution"], tables["category"]
    ageing = [
        (name, METRICS[name][0], summary[name])
        for name in ("overdue_1_5", "overdue_6_15", "overdue_16_30", "overdue_over_30")
    ]
    whole = {**summary, "key": "", "label": _("Total")}
    return {
        "tables": tables,
        "summary": summary,
        "handling_rows": [whole, *children],
        "rates": rates,
        "volume": volume,
        "trend": trend,
        "children": children,
        "categories": categories,
        "ageing": ageing,
        "trend_chart": charts.column_chart(
            title=_("Monthly volume"),
            categories=[r["label"] for r in trend],
            series=[
                (str(METRICS["received"][0]), [r["received"] for r in trend]),
                (str(METRICS["concluded"][0]), [r["concluded"] for r in trend]),
            ],
        ),
        "children_chart": charts.bar_chart(
            title=_("On-time rate by institution"),
            labels=[r["label"] for r in children],
            values=[r["on_time_rate"] for r in children],
            suffix="%",
            max_value=100,
        ),
        "category_chart": charts.bar_chart(
            title=_("Complaints received by business category"),
            labels=[r["label"] for r in categories],
            values=[r["received"] for r in categories],
        ),
        "ageing_chart": charts.column_chart(
            title=_("Overdue open complaints by days past the deadline"),
            categories=[str(a[1]) for a in ageing],
            series=[(_("Number of complaints"), [a[2] for a in ageing])],
        ),
    }


@on_replica
def manager_dashboard(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    user, root = request.user, f["root"]
    return _page(
        request,
        _("Branch KPIs"),
        "admin/reporting/manager.html",
        active="manager",
        **f,
        **_kpi_charts(f, user),
        overdue=selectors.overdue_list(user=user, institution=root),
        rectification=selectors.rectification_summary(user=user, institution=root),
    )


@on_replica
def compliance_dashboard(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    user, root, period = request.user, f["root"], f["period"]
    shared = _kpi_charts(f, user, more=("cause", "channel"))
    causes, channels = shared["tables"]["cause"], shared["tables"]["channel"]
    rect = selectors.rectification_summary(user=user, institution=root)
    quality = selectors.quality_summary(user=user, institution=root, period=period)
    rect_labels = [_("Open"), _("In progress"), _("Done"), _("Overdue")]
    rect_values = [
        rect["counts"][k] for k in ("open", "in_progress", "done", "overdue")
    ]
    return _page(
        request,
        _("Compliance"),
        "admin/reporting/compliance.html",
        active="compliance",
        **f,
        **shared,
        causes=causes,
        channels=channels,
        rectification=rect,
        quality=quality,
        frequent=selectors.root_cause_frequency(
            user=user, institution=root, period=period, cause_table=causes
        ),
        cause_chart=charts.bar_chart(
            title=_("Complaints received by cause"),
            labels=[r["label"] for r in causes],
            values=[r["received"] for r in causes],
        ),
        rectification_chart=charts.column_chart(
            title=_("Rectification items by status"),
            categories=rect_labels,
            series=[(_("Number of items"), rect_values)],
        ),
    )


@on_replica
def regulator_page(request: HttpRequest) -> HttpResponse:
    """The rates as the regulator computes them, on both numerators, with the
    shares by the regulator's product lines (reporting.selectors.regulator)."""
    f = _filters(request)
    chosen = basis.current()
    reports = [
        regulator_rates(
            user=request.user,
            institution=f["root"],
            period=f["period"],
            numerator=numerator,
            basis=chosen,
        )
        for numerator in (basis.REGULATOR, basis.ALL)
    ]
    return _page(
        request,
        _("Regulator basis"),
        "admin/reporting/regulator.html",
        active="regulator",
        **f,
        basis=chosen,
        reports=reports,
        comparison=regulator_comparison(
            user=request.user, institution=f["root"], period=f["period"]
        ),
    )


@on_replica
def drilldown(request: HttpRequest) -> HttpResponse:
    """The complaints behind one number, within the user's scope."""
    f = _filters(request)
    metric = request.GET.get("metric", "received")
    if metric not in METRICS:
        raise P.NotFound(P.NOT_FOUND)
    dims = {d: request.GET[p] for d, p in DIM_PARAMS.items() if p in request.GET}
    qs = (
        selectors.complaints_behind(
            user=request.user,
            institution=f["root"],
            period=f["period"],
            metric=metric,
            dims=dims,
        )
        .select_related("institution", "channel", "category", "handler")
        .order_by("received_on", "number")
    )
    page = selectors.page_behind(qs, request.GET.get("page"), metric=metric)
    return _page(
        request,
        _("Complaints behind the figure"),
        "admin/reporting/drilldown.html",
        active="",
        **f,
        metric=metric,
        metric_label=METRICS[metric][0],
        dims=[
            (DIMENSIONS[d], dimension_label(d, v, f["root"])) for d, v in dims.items()
        ],
        # Changing the period keeps the figure's dimensions (channel, cause...).
        hidden_params=[(DIM_PARAMS[d], v) for d, v in dims.items()],
        page_obj=page,
        base_query=request.GET.urlencode().split("&page=")[0],
    )


def feedback_export(request: HttpRequest) -> FileResponse:
    """Feedback to the regulator (xlsx): one transfer (?number=) or the
    transfers of the period (reporting.feedback)."""
    f = _filters(request)
    number = request.GET.get("number", "").strip()[:60]
    qs = feedback.transfers_for_feedback(
        user=request.user, institution=f["root"], period=f["period"], number=number
    )
    if number and not qs.exists():
        raise P.NotFound(P.NOT_FOUND)
    handle, _count = feedback.write_feedback(
        user=request.user, qs=qs, filters=request.GET.urlencode()
    )
    suffix = number or f"{f['root'].code}-{f['period']}"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"regulator-feedback-{suffix}.xlsx",
        content_type=XLSX,
    )


@on_replica
def disclosure_page(request: HttpRequest) -> HttpResponse:
    """The annual disclosure pack: a printable page, or ?format=xlsx."""
    f = _filters(request)
    year = periods.year(f["period"].start.year)
    d = annual_disclosure(user=request.user, institution=f["root"], period=year)
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        write_disclosure(d, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        name = f"disclosure-{f['root'].code}-{year}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return _page(
        request,
        _("Annual disclosure"),
        "admin/reporting/disclosure.html",
        active="disclosure",
        **{**f, "period": year, "query": f"institution={f['root'].code}&period={year}"},
        d=d,
        sections=[
            (_("Product lines (as the regulator lists them)"), d.lines),
            (_("Property / life"), d.sectors),
            (_("Business category"), d.categories),
            (_("Cause"), d.causes),
            (_("Region"), d.regions),
        ],
    )


def regulator_workbook(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    buffer = io.BytesIO()
    write_regulator_workbook(
        user=request.user, institution=f["root"], period=f["period"], stream=buffer
    )
    name = f"regulator-statistics-{f['root'].code}-{f['period']}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
