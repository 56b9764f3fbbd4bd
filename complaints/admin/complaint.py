"""The complaint workbench: configuration, scope, the changelist and "my work".

Every read is scoped by organisations.permissions; every write goes through a
service from the action pages of complaint_actions. The change form itself is
read-only, and history is readable but never reverted.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from complaints import services
from complaints.admin.bulk import ComplaintBulkActions, may_claim
from complaints.admin.casework import ComplaintCaseworkViews
from complaints.admin.changelist import (
    BoundedPaginator,
    ComplaintChangeList,
    search,
)
from complaints.admin.complaint_actions import TEMPLATE_DIR, ComplaintWorkbenchViews
from complaints.admin.complaint_exchange import ComplaintExchangeViews
from complaints.admin.desk import ComplaintDeskViews, saved_views_cached
from complaints.admin.desk_rows import desk_row
from complaints.admin.filters import (
    ActiveCodeFilter,
    DeadlineFilter,
    FlagFilter,
    HandlerFilter,
    InstitutionSubtreeFilter,
    MineFilter,
    scope_institutions,
)
from complaints.admin.inlines import CASE_FILE_INLINES, ComplaintFormLayout
from complaints.admin.personal_data import (
    ComplaintDataAccessViews,
    may_request_data_access,
)
from complaints.models import Complaint, PersonalDataAccess
from complaints.services import notices
from complaints.timing import deadline_terms as terms
from complaints.timing.workdays import DatabaseCalendar
from complaints.workbench import badges, case_rows, desk, selectors, worklists
from config import prepared
from config.html import format_html
from organisations import permissions as P
from organisations.admin import AuditedHistoryAdmin
from organisations.history_display import ReadableHistoryHelper

WORK_LABELS = {
    "handle": _("Handling"),
    "unassigned": _("Not yet taken"),
    "approve": _("Awaiting your approval"),
    "review": _("Review (核查)"),
}
MY_WORK_LIMIT = 200
# Shown on the case page's summary and sections: read with the case. Its
# other links come with its file (case_rows.CASE_LINKS): a decided case showed
# its drafter, approver and subject institution one statement each (issue 19).
CASE_PAGE_RELATED = (
    "institution",
    "handler",
    "registered_by",
    "channel",
    "product_line",
    "category",
    "cause",
)
REQUEST_SUMMARY_CHARS = 40
Surface = PersonalDataAccess.Surface


# Taking a case is declaring no conflict of interest in it (回避, issue 14): the
# one-click and bulk claims say so before and after, and record it.
CLAIM_DECLARES = _(
    "Claiming declares that you have no conflict of interest in this complaint."
)


@admin.register(Complaint)
class ComplaintAdmin(
    ComplaintBulkActions,
    ComplaintDeskViews,
    ComplaintCaseworkViews,
    ComplaintWorkbenchViews,
    ComplaintExchangeViews,
    ComplaintDataAccessViews,
    ComplaintFormLayout,
    AuditedHistoryAdmin,
):
    list_display = ["number", "received", "status"]  # see get_list_display
    list_filter = [
        "status",
        MineFilter,
        DeadlineFilter,
        InstitutionSubtreeFilter,
        HandlerFilter,
        ("channel", ActiveCodeFilter),
        ("category", ActiveCodeFilter),
        FlagFilter,
    ]
    search_fields = [
        "=number",
        "complainant_name",
        "^phone",
        "=id_number",
        "^policy_number",
    ]
    search_help_text = _(
        "Number, complainant name, phone (also the agent's), ID number, policy or "
        "claim number, plate number, or the regulator's reference (whole, or the "
        "part after 〔year〕 such as 123号)."
    )
    list_select_related = ["institution", "handler", "category"]
    list_per_page = 100
    # The unfiltered total is another COUNT over the whole scope: not worth it.
    show_full_result_count = False
    list_max_show_all = 0  # never "show all" of a million rows
    inlines = cast(list[Any], CASE_FILE_INLINES)

    class Media:
        css = {"all": ["complaints/admin.css"]}
        js = ["complaints/shortcuts.js"]

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "my-work/",
                wrap(self.my_work_view),
                name="{}_{}_my_work".format(*info),
            ),
            path(
                "export/<str:kind>.<str:fmt>",
                wrap(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            path(
                "data-access/",
                wrap(self.data_access_view),
                name="{}_{}_data_access".format(*info),
            ),
            path(
                "import-regulator/",
                wrap(self.import_regulator_view),
                name="{}_{}_import_regulator".format(*info),
            ),
            path(
                "import-regulator/template/",
                wrap(self.import_regulator_template_view),
                name="{}_{}_import_regulator_template".format(*info),
            ),
            path(
                "import-regulator/done/<str:record_id>/",
                wrap(self.import_regulator_done_view),
                name="{}_{}_import_regulator_done".format(*info),
            ),
            path(
                "import-job/<str:job_id>/",
                wrap(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
            path(
                "import-organisation/<str:kind>/",
                wrap(self.import_organisation_view),
                name="{}_{}_import_organisation".format(*info),
            ),
            path(
                "<path:object_id>/act/<str:action>/",
                wrap(self.action_view),
                name="{}_{}_act".format(*info),
            ),
            *super().get_urls(),
        ]

    # --- Scope and permissions (organisations.permissions decides) --------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return P.scope(super().get_queryset(request), request.user, P.VIEW)

    def list_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The complaint list's scope (ComplaintChangeList): the ids of the
        institutions in it (the institution filter reads them anyway), not a
        join on their paths, so that PostgreSQL knows a sub-branch holds a few
        thousand complaints and reads a handler's page from
        complaint_inst_received instead of walking the company's order (26 ->
        3 ms at a million, issue 19). The same institutions as P.scope's."""
        complaints = super().get_queryset(request)
        if P.is_global(request.user):
            return complaints
        ids = [node.pk for node in scope_institutions(request)]
        return complaints.filter(institution_id__in=ids)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        """The case in scope, read once per page view: the case page's parts
        (desk, casework, actions, the form) each asked for it, and its
        institution, people and codes came one statement each (issue 19).
        A write reads it afresh."""
        if request.method not in ("GET", "HEAD"):
            return super().get_object(request, object_id, from_field)
        cache = request.__dict__.setdefault("_complaint_objects", {})
        key = (str(object_id), from_field)
        if key not in cache:
            field: Any = self.opts.get_field(from_field) if from_field else self.opts.pk
            queryset = (
                self.get_queryset(request)
                .select_related(*CASE_PAGE_RELATED)
                .annotate(**notices.desk_marks(request.user))
            )
            db = queryset.db
            try:
                # Planned once a session (config.prepared): 4.3 of its 4.5 ms.
                with prepared.reads(db, "case_page"):
                    found = queryset.get(**{field.name: field.to_python(object_id)})
            except (Complaint.DoesNotExist, ValidationError, ValueError):
                found = None
            else:
                case_rows.remember(found)  # its file read once for the page
            cache[key] = found
        return cache[key]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return P.has_anywhere(request.user, P.VIEW)
        return P.has(request.user, P.VIEW, obj.institution)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """May add to the case file; the fields themselves stay read-only."""
        if obj is None:
            return P.has_anywhere(request.user, P.HANDLE)
        return P.has(request.user, P.HANDLE, obj.institution)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.HANDLE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Complaints are evidence.

    # --- History: readable in scope, 404 outside it, never reverted -------
    # The diffs and old versions carry personal data as the change form does:
    # masked without the permission, logged with it.
    def history_view(
        self,
        request: HttpRequest,
        object_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        complaint = self.get_object(request, unquote(object_id))
        if complaint is None:
            raise Http404(P.NOT_FOUND)
        shown = selectors.can_see_personal_data(request.user, complaint)
        request._personal_data_shown = shown  # type: ignore[attr-defined]
        response = super().history_view(request, object_id, extra_context)
        self._log_shown(request, response, complaint, Surface.HISTORY)
        return response

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        if getattr(request, "_personal_data_shown", False):
            return super().get_historical_record_context_helper(
                request, historical_record
            )
        return MaskedHistoryHelper(self.model, historical_record)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        complaint = self.get_object(request, unquote(object_id))
        if complaint is None:
            raise Http404(P.NOT_FOUND)
        response = super().history_form_view(
            request, object_id, version_id, extra_context
        )
        self._log_shown(
            request, response, complaint, Surface.HISTORY_VERSION, str(version_id)
        )
        return response

    def _log_shown(
        self,
        request: HttpRequest,
        response: HttpResponse,
        complaint: Complaint,
        surface: str,
        detail: str = "",
    ) -> None:
        """Log a page about one complaint that showed its personal data."""
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            services.personal_data_shown(
                user=request.user,
                complaints=[complaint],
                surface=surface,
                detail=detail[:100],
            )

    # --- Changelist ---------------------------------------------------------
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[Any]:
        return ComplaintChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        if not search_term.strip():
            return queryset, False
        exact = not P.has_wherever(request.user, P.PERSONAL_DATA)
        return search(queryset, search_term, exact=exact), False

    def get_paginator(
        self, request: HttpRequest, queryset: Any, per_page: int, *args: Any, **kw: Any
    ) -> Any:
        return BoundedPaginator(queryset, per_page)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        user = request.user
        can_export = P.has_anywhere(user, P.EXPORT)
        extra_context = {
            **(extra_context or {}),
            "can_export": can_export,
            "can_import": P.has_anywhere(user, P.IMPORT),
            "can_request_data_access": may_request_data_access(user),
            "saved_views": saved_views_cached(request),
        }
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) or {}
        if request.method == "GET" and "cl" in changelist:
            services.personal_data_shown(
                user=user,
                complaints=changelist["cl"].result_list,
                surface=Surface.CHANGELIST,
            )
        return response

    def get_list_display(self, request: HttpRequest) -> Any:
        # Built once per request (sortable_by asks again and must get the same
        # callables), with one calendar (it caches the years it reads) and the
        # user's cached grants, so the query count does not grow with the page.
        cached = getattr(request, "_complaint_list_display", None)
        if cached is not None:
            return cached
        user, today, calendar = request.user, timezone.localdate(), DatabaseCalendar()
        # What is the same for many rows is looked up once a page (issue 19):
        # the permissions per institution, names per person, the claim URL.
        looked_up = RowLookups(user)

        # Who complains and what about, in one column (the list fits a laptop).
        @admin.display(
            description=format_html("{} / {}", _("complainant"), _("about")),
            ordering="complainant_name",
        )
        def complainant(obj: Complaint) -> str:
            allowed = looked_up.personal_data(obj)
            name, phone = selectors.complainant_shown(user, obj, allowed=allowed)
            return format_html(
                '{}<br><span class="cd-muted">{}</span><br>{}',
                name,
                phone,
                about_cell(user, obj, allowed=allowed),
            )

        # The handler's name, or the one-click claim where nobody has the case.
        @admin.display(
            description=_("institution / handler"), ordering="institution__path"
        )
        def institution_and_handler(obj: Complaint) -> str:
            handler: str
            if looked_up.may_claim(obj):
                handler = format_html(
                    '<button type="submit" form="cd-claim-form" class="button '
                    'cd-claim" id="claim-{}" formaction="{}" title="{}" '
                    'name="declares_no_conflict" value="1">{}</button>',
                    obj.pk,
                    looked_up.claim_url(obj.pk),
                    CLAIM_DECLARES,
                    _("Claim (no conflict of interest)"),
                )
            else:
                handler = looked_up.name(obj.handler) or "—"
            return format_html(
                '{}<br><span class="cd-muted">{}</span>', obj.institution.name, handler
            )

        # The labels once, not get_status_display's dict of every choice per row.
        labels = {value: str(label) for value, label in Complaint.Status.choices}

        @admin.display(description=_("status"), ordering="status")
        def status_and_flags(obj: Complaint) -> str:
            return format_html(
                '<span class="cd-list-status">{}</span>{}',
                labels.get(obj.status, obj.status),
                badges.flags(obj),
            )

        # The badge shows the binding date and both limits, labelled
        # (complaints.timing.deadline_terms).
        @admin.display(description=_("deadline"), ordering="due_on")
        def deadline(obj: Complaint) -> str:
            return badges.deadline_badge(
                selectors.complaint_deadline(obj, today=today, calendar=calendar)
            )

        columns = [
            "number",
            "received",
            complainant,
            institution_and_handler,
            status_and_flags,
            deadline,
        ]
        request._complaint_list_display = columns  # type: ignore[attr-defined]
        return columns

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj: Complaint) -> str:
        return obj.received_on.isoformat()

    # --- My work: what is on the user's desk, the most urgent first -------------
    def my_work_view(self, request: HttpRequest) -> HttpResponse:
        # A department's member with no role on complaints still answers tasks.
        if not (
            self.has_view_permission(request)
            or worklists.receives_tasks(user=request.user)
        ):
            raise PermissionDenied
        user, today, calendar = request.user, timezone.localdate(), DatabaseCalendar()
        rows = []
        # ?show=<key>: the list behind one count of the landing page.
        show = request.GET.get("show", "")
        shown = desk.BY_KEY.get(show)
        if shown is not None:
            queryset = desk.desk_list(user=user, key=show, today=today)
        else:
            queryset = selectors.complaint_my_work(user=user, limit=MY_WORK_LIMIT)
        # The desk's reads are the same text at every visit but for the user:
        # planned once a session (config.prepared), 5.5 of their 6.5 ms at a
        # million complaints (issue 19). The supervisions of the rows are not:
        # their statement lists the rows' ids.
        reads = partial(prepared.reads, queryset.db, "my_work")
        with reads():
            complaints = list(queryset[:MY_WORK_LIMIT])
        supervised = worklists.supervisions_by_complaint([c.pk for c in complaints])
        looked_up = RowLookups(user)
        change_url = _url_pattern("admin:complaints_complaint_change")
        for c in complaints:
            allowed = looked_up.personal_data(c)
            name, phone = selectors.complainant_shown(user, c, allowed=allowed)
            deadline = selectors.complaint_deadline(c, today=today, calendar=calendar)
            rows.append(
                {
                    "complaint": c,
                    "url": change_url(c.pk),
                    "work": shown.label
                    if shown is not None
                    else WORK_LABELS.get(c.work, c.work),  # type: ignore[attr-defined]
                    "status": looked_up.status(c.status),
                    "name": name,
                    "phone": phone,
                    "deadline": deadline,
                    # Rendered here, not by an include per row (issue 19).
                    "deadline_badge": badges.deadline_badge(deadline),
                    "flags": badges.flags(c),
                    "supervision": supervised.get(c.pk),
                    "about": about_cell(user, c, allowed=allowed),
                    "handler": looked_up.name(c.handler),
                }
            )
            rows[-1]["html"] = desk_row(rows[-1])
        callbacks = []
        with reads():
            due_callbacks = (
                []
                if shown is not None
                else list(worklists.callbacks_due(user=user)[:MY_WORK_LIMIT])
            )
        for c in due_callbacks:
            name, phone = selectors.complainant_shown(user, c)
            url = self._change_url(c)
            callbacks.append({"complaint": c, "url": url, "name": name, "phone": phone})
        services.personal_data_shown(
            user=user, complaints=complaints + due_callbacks, surface=Surface.MY_WORK
        )
        supervisions: list[Any] = []
        supervising: list[Any] = []
        tasks: tuple[list[Any], list[Any]] = ([], [])
        if not shown:
            with reads():
                tasks = worklists.tasks_on_desk(user=user, limit=MY_WORK_LIMIT)
                mine = worklists.supervisions_on_my_cases(user=user)
                supervisions = list(mine[:MY_WORK_LIMIT])
                branches = worklists.supervisions_in_my_branches(user=user)
                supervising = list(branches[:MY_WORK_LIMIT])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _title(shown),
            "shown": shown,
            "legal_label": terms.LEGAL_DEADLINE,
            "internal_label": terms.INTERNAL_TARGET,
            "rows": rows,
            "limit": MY_WORK_LIMIT,
            # Investigation tasks, supervision and callbacks due
            # (complaints.workbench.worklists), on the whole desk only: a count's list
            # shows just its cases.
            "tasks_to_answer": tasks[0],
            "tasks_sent": tasks[1],
            "supervisions": supervisions,
            "supervising": supervising,
            "callbacks": callbacks,
            "changelist_url": reverse("admin:complaints_complaint_changelist"),
            "media": self.media,
        }
        return TemplateResponse(request, f"{TEMPLATE_DIR}/my_work.html", context)


class RowLookups:
    """What many rows of a list share, looked up once per page: the user's
    permissions per institution, people's names, status labels, the claim
    URL (issue 19: these were a tenth of the list's Python time)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._personal: dict[int, bool] = {}
        self._handles: dict[int, bool] = {}
        self._names: dict[int, str] = {}
        self._labels = {value: str(label) for value, label in Complaint.Status.choices}
        self.claim_url = _url_pattern("admin:complaints_complaint_claim")

    def personal_data(self, obj: Complaint) -> bool:
        key = obj.institution_id
        if key not in self._personal:
            self._personal[key] = selectors.can_see_personal_data(self.user, obj)
        return self._personal[key]

    def may_claim(self, obj: Complaint) -> bool:
        """bulk.may_claim, its permission asked once per institution."""
        if obj.handler_id is not None or obj.status not in CLAIMABLE:
            return False
        key = obj.institution_id
        if key not in self._handles:
            self._handles[key] = may_claim(self.user, obj)
        return self._handles[key]

    def name(self, person: Any) -> str:
        if person is None:
            return ""
        if person.pk not in self._names:
            self._names[person.pk] = selectors.person_name(person)
        return self._names[person.pk]

    def status(self, value: str) -> str:
        return self._labels.get(value, value)


CLAIMABLE = (Complaint.Status.ACCEPTED, Complaint.Status.INVESTIGATING)


def _url_pattern(name: str) -> Any:
    """reverse(name, args=[pk]) for many pks, reversed once."""
    head, _sep, tail = reverse(name, args=[URL_KEY]).partition(URL_KEY)
    return lambda pk: f"{head}{pk}{tail}"


URL_KEY = "0cd0key0"


def about_cell(user: Any, obj: Complaint, *, allowed: bool | None = None) -> str:
    """What the case is about: its category and the request's first line
    (the request is personal text: masked without the permission)."""
    request = (obj.request or "").strip().splitlines()[0:1]
    summary = request[0] if request else ""
    if allowed is None:
        allowed = selectors.can_see_personal_data(user, obj)
    if not allowed:
        summary = selectors.masked("request", summary)
    if len(summary) > REQUEST_SUMMARY_CHARS:
        summary = summary[: REQUEST_SUMMARY_CHARS - 1] + "…"
    return format_html(
        '{}<br><span class="cd-request" title="{}">{}</span>',
        obj.category or "—",
        summary,
        summary,
    )


def _title(shown: desk.Line | None) -> Any:
    if shown is None:
        return _("Cases on my desk")
    if shown.team:
        return format_html("{}: {}", _("My subtree"), shown.label)
    return shown.label


class MaskedHistoryHelper(ReadableHistoryHelper):
    """The history's diffs with personal fields masked (as on the change form),
    then in words like every history page."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        return super().prepare_delta_change_value(
            change, selectors.masked(change.field, value)
        )
