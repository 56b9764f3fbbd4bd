"""Acting on many cases of the list at once, and the one-click claim.

Each row goes through the same service as the case page's button
(services.complaint_assign, the export of the list); a row a rule refuses is
reported with its number and the rule's own message, and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition

from complaints import services
from complaints.exceptions import STALE
from complaints.models import Complaint, ExportRecord
from complaints.workbench import selectors
from organisations import permissions as P

BULK_LIMIT = 200


def refusal(exc: Exception) -> str:
    """The rule's own words for a refused row (never exception text)."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    if isinstance(exc, ConcurrentTransition):
        return str(STALE)
    if isinstance(exc, Http404):
        return str(P.NOT_FOUND)
    if isinstance(exc, PermissionDenied) and exc.args:
        return str(exc.args[0])  # the rule's own message (organisations.permissions)
    return str(P.NOT_ALLOWED)


def per_row(
    request: HttpRequest,
    queryset: QuerySet[Complaint],
    act: Callable[[Complaint], Any],
    done: Any,
) -> int:
    """Call `act` on each row in its own transaction; report each refusal."""
    ok = 0
    for complaint in queryset.order_by("pk")[:BULK_LIMIT]:
        try:
            with transaction.atomic():
                act(complaint)
        except (
            ValidationError,
            PermissionDenied,
            ConcurrentTransition,
            Http404,
        ) as exc:
            messages.error(
                request,
                ROW_REFUSED % {"number": complaint.number, "reason": refusal(exc)},
            )
        else:
            ok += 1
    if ok:
        messages.success(request, done % {"n": ok})
    return ok


class AssignForm(forms.Form):
    handler: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Handler"), queryset=None
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["handler"]
        field.queryset = selectors.handler_choices(user=user)
        field.label_from_instance = selectors.person_name


def _declaration_field(help_text: Any) -> forms.BooleanField:
    from complaints.services.lifecycle import E_DECLARE_NO_CONFLICT

    return forms.BooleanField(
        label=_("I have no conflict of interest in these complaints (回避)"),
        required=False,
        help_text=help_text,
        error_messages={"required": E_DECLARE_NO_CONFLICT},
    )


class AssignToForm(AssignForm):
    """Bulk assign: a manager choosing themself declares, as a claim does."""

    declares_no_conflict = _declaration_field(
        _("Required when you assign the cases to yourself.")
    )


class ClaimForm(forms.Form):
    """Bulk claim: the declaration is ticked by the person, never assumed
    (issue 14: a handler declares no conflict when taking a case)."""

    declares_no_conflict = _declaration_field(
        _("Claiming a case declares that you have no conflict of interest in it.")
    )


def declared(request: HttpRequest) -> bool:
    """The declaration as the person sent it: a ticked box or the claim
    button's own value, nothing else."""
    return request.POST.get("declares_no_conflict") in ("1", "on", "true")


class ComplaintBulkActions(admin.ModelAdmin):
    """Mixed into ComplaintAdmin (complaint.py)."""

    actions = ["claim_selected", "assign_selected", "export_selected"]

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/claim/",
                self.admin_site.admin_view(require_POST(self.claim_view)),
                name="{}_{}_claim".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_claim_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.HANDLE)

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.ASSIGN)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return P.has_anywhere(request.user, P.EXPORT)

    @admin.action(
        permissions=["claim"],
        description=_("Claim the selected cases (declaring no conflict of interest)"),
    )
    def claim_selected(
        self, request: HttpRequest, queryset: QuerySet[Complaint]
    ) -> HttpResponse | None:
        user = request.user
        form = ClaimForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound:
            # The service refuses an undeclared claim row by row with the rule's
            # own words; the page asks again so the person sees why.
            if not declared(request):
                from complaints.services.lifecycle import E_DECLARE_NO_CONFLICT

                form.add_error("declares_no_conflict", E_DECLARE_NO_CONFLICT)
            else:
                per_row(
                    request,
                    queryset,
                    lambda c: services.complaint_assign(
                        complaint=c, actor=user, handler=user, declares_no_conflict=True
                    ),
                    CLAIMED,
                )
                return None
        return self._confirm_page(
            request,
            queryset,
            form,
            _("Claim the selected cases"),
            "claim_selected",
        )

    @admin.action(
        permissions=["assign"], description=_("Assign the selected cases to a handler")
    )
    def assign_selected(
        self, request: HttpRequest, queryset: QuerySet[Complaint]
    ) -> HttpResponse | None:
        form = AssignToForm(
            request.POST if "handler" in request.POST else None, user=request.user
        )
        if form.is_bound and form.is_valid():
            handler = form.cleaned_data["handler"]
            says = bool(form.cleaned_data.get("declares_no_conflict"))
            per_row(
                request,
                queryset,
                lambda c: services.complaint_assign(
                    complaint=c,
                    actor=request.user,
                    handler=handler,
                    declares_no_conflict=says,
                ),
                ASSIGNED % {"name": selectors.person_name(handler), "n": "%(n)s"},
            )
            return None
        return self._confirm_page(
            request,
            queryset,
            form,
            _("Assign the selected cases to a handler"),
            "assign_selected",
        )

    def _confirm_page(
        self,
        request: HttpRequest,
        queryset: QuerySet[Complaint],
        form: forms.Form,
        title: Any,
        action: str,
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": None,
            "form": form,
            "action": action,
            "complaints": list(queryset.order_by("pk")[:BULK_LIMIT]),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/complaints/complaint/bulk_assign.html", context
        )

    @admin.action(permissions=["export"], description=_("Export the selection (xlsx)"))
    def export_selected(
        self, request: HttpRequest, queryset: QuerySet[Complaint]
    ) -> HttpResponse | None:
        chosen = P.scope(queryset, request.user, P.EXPORT)
        left_out = queryset.count() - chosen.count()
        if left_out:
            messages.error(request, NOT_EXPORTABLE % {"n": left_out})
            return None
        numbers = ",".join(chosen.order_by("pk").values_list("number", flat=True))
        filters = f"selected={numbers}"[:1000]
        return self.export_response(  # type: ignore[attr-defined,no-any-return]
            request, chosen, ExportRecord.Kind.COMPLAINTS, "xlsx", filters
        )

    # --- One click to claim a case nobody has taken -----------------------------
    def claim_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        complaint = self.get_object(request, unquote(object_id))
        if complaint is None:
            raise Http404(P.NOT_FOUND)
        user = request.user
        try:
            # The button sends the declaration as its own value (it says so);
            # a POST without it is refused by the service with the rule.
            services.complaint_assign(
                complaint=complaint,
                actor=user,
                handler=user,
                declares_no_conflict=declared(request),
            )
        except (ValidationError, PermissionDenied, ConcurrentTransition) as exc:
            messages.error(
                request,
                ROW_REFUSED % {"number": complaint.number, "reason": refusal(exc)},
            )
        else:
            messages.success(request, CLAIMED_ONE % {"number": complaint.number})
        back = request.POST.get("next", "")
        if back.startswith("/admin/") and not back.startswith("//"):
            return redirect(back)
        return redirect("admin:complaints_complaint_changelist")


def may_claim(user: Any, complaint: Complaint) -> bool:
    """Offer the claim button: nobody has the case, it can be given now, and
    the user handles at its institution (the service still decides)."""
    return (
        complaint.handler_id is None
        and complaint.status
        in (Complaint.Status.ACCEPTED, Complaint.Status.INVESTIGATING)
        and P.has(user, P.HANDLE, complaint.institution)
    )


ROW_REFUSED = _("%(number)s: refused. %(reason)s")
CLAIMED = _(
    "%(n)s cases claimed: they are now yours, and you declared no conflict of "
    "interest in them."
)
CLAIMED_ONE = _(
    "%(number)s claimed: it is now yours, and you declared no conflict of "
    "interest in it."
)
ASSIGNED = _("%(n)s cases assigned to %(name)s.")
NOT_EXPORTABLE = _(
    "%(n)s of the selected cases are outside the institutions you may export "
    "from: nothing was exported. Select only cases of your export scope, or "
    "ask a compliance officer."
)
