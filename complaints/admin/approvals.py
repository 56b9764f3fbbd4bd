"""The approvers' queue: the requests a person may decide (complaints.rules.approvals
.pending_for), and the request's page with the decide form (approve or reject,
with the approver's own note). Decisions go only through
complaints.services.approval_decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.models import ApprovalRequest
from complaints.rules import approvals
from complaints.workbench import selectors
from complaints.workbench.forms import attach_service_error
from organisations import permissions as P
from organisations.admin import AuditedHistoryAdmin

VIA = "complaint__institution"
FOR_ME = "me"


class DecideForm(forms.Form):
    note = forms.CharField(
        label=_("Your note"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        help_text=_("Recorded with your decision; a rejection says why."),
    )


class QueueFilter(admin.SimpleListFilter):
    title = _("requests")
    parameter_name = "for"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (FOR_ME, _("Waiting for my approval")),
            ("mine", _("Filed by me")),
            ("all", _("All in my scope")),
        ]

    def choices(self, changelist: Any) -> Any:
        # The queue is the default view: "all" must be asked for.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or FOR_ME) == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        value = self.value() or FOR_ME
        if value == FOR_ME:
            mine = approvals.pending_for(request.user).values("pk")
            return queryset.filter(pk__in=mine)
        if value == "mine":
            return queryset.filter(requested_by=request.user)
        return queryset


def shows_reason(user: Any, req: ApprovalRequest) -> bool:
    """The reason as written: for the requester, whoever may decide it, and
    those who see the complaint's personal data."""
    return (
        req.requested_by_id == user.pk
        or approvals.is_eligible(user, req.kind, req.complaint)
        or P.has(user, P.PERSONAL_DATA, req.complaint.institution)
    )


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(AuditedHistoryAdmin):
    list_display = [
        "complaint_number",
        "kind",
        "requested_by_name",
        "requested_at_shown",
        "legal_due",
        "status",
    ]
    list_filter = [QueueFilter, "kind", "status"]
    list_select_related = ["complaint__institution", "requested_by"]
    list_per_page = 100
    ordering = ["requested_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        user = request.user
        qs = super().get_queryset(request)
        if P.is_global(user):
            return qs
        in_scope = P.scope(qs, user, P.VIEW, via=VIA).values("pk")
        return qs.filter(Q(pk__in=in_scope) | Q(requested_by=user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Filed from the case page's actions.

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Decided through the service, on the request's page.

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Part of the case file.

    # --- Read-only fields (a version in the history shows these) -------------------
    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = obj is not None and shows_reason(request.user, obj)
        return [
            "complaint_number",
            "kind",
            "status",
            "requested_by_name",
            "requested_at_shown",
            "reason" if shown else "masked_reason",
            "decided_by_name",
            "decided_at",
            "decision_note" if shown else "masked_note",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    @admin.display(description=_("reason"))
    def masked_reason(self, obj: ApprovalRequest) -> str:
        return selectors.mask_text(obj.reason)

    @admin.display(description=_("approver's note"))
    def masked_note(self, obj: ApprovalRequest) -> str:
        return selectors.mask_text(obj.decision_note)

    @admin.display(description=_("decided by"))
    def decided_by_name(self, obj: ApprovalRequest) -> str:
        return selectors.person_name(obj.decided_by)

    @admin.display(description=_("complaint"), ordering="complaint__number")
    def complaint_number(self, obj: ApprovalRequest) -> str:
        return obj.complaint.number

    @admin.display(description=_("requested by"))
    def requested_by_name(self, obj: ApprovalRequest) -> str:
        return selectors.person_name(obj.requested_by)

    @admin.display(description=_("requested at"), ordering="requested_at")
    def requested_at_shown(self, obj: ApprovalRequest) -> str:
        from django.utils import timezone

        return timezone.localtime(obj.requested_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("legal deadline"))
    def legal_due(self, obj: ApprovalRequest) -> str:
        due = obj.complaint.legal_due
        return due.isoformat() if due else "—"

    # --- The request's page: read it, decide it ------------------------------------
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        req = self.get_object(request, unquote(object_id))
        if req is None:
            raise Http404(P.NOT_FOUND)
        user = request.user
        data = request.POST if request.method == "POST" else None
        form = DecideForm(data)
        if data is not None and form.is_valid():
            approve = "_approve" in data
            try:
                services.approval_decide(
                    request=req,
                    actor=user,
                    approve=approve,
                    note=form.cleaned_data["note"],
                )
            except (ValidationError, PermissionDenied) as exc:
                attach_service_error(form, exc)
            else:
                messages.success(request, APPROVED if approve else REJECTED)
                return redirect(reverse("admin:complaints_approvalrequest_changelist"))
            req.refresh_from_db()
        problem = approvals.decide_problem(user, req) if req.is_pending else ""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Approval request"),
            "subtitle": req.complaint.number,
            "req": req,
            "show_reason": shows_reason(user, req),
            "who_approves": approvals.WHO_APPROVES[ApprovalRequest.Kind(req.kind)],
            "complaint_url": reverse(
                "admin:complaints_complaint_change", args=[req.complaint_id]
            ),
            "decide_form": form if req.is_pending and not problem else None,
            "problem": problem,
            "history_url": reverse(
                "admin:complaints_approvalrequest_history", args=[req.pk]
            ),
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/complaints/approvalrequest/request.html", context
        )


APPROVED = _("Approved: the step has been carried out.")
REJECTED = _("Rejected: the request goes back to the requester with your reason.")
