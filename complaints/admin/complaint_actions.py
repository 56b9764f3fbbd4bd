"""The workbench's own admin views: the read-only change form, registration and
the action pages.

Each action page is a small form that hands its input to exactly one service
with the version of the complaint the user saw; the service enforces and its
refusal comes back as a form error, never as a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from complaints import services
from complaints.exceptions import STALE
from complaints.models import ApprovalRequest, Complaint, PersonalDataAccess
from complaints.rules import refusals
from complaints.rules.approvals import WHO_APPROVES
from complaints.rules.transitions import ACTION_LABELS, available_actions
from complaints.services._common import lock
from complaints.timing.workdays import DatabaseCalendar
from complaints.workbench import selectors
from complaints.workbench.forms import (
    ACTION_FORMS,
    ActionForm,
    ComplaintRegistrationForm,
    attach_service_error,
)
from complaints.workbench.timeline import complaint_timeline
from organisations import permissions as P

SERVICES: dict[str, Callable[..., Any]] = {
    "accept": services.complaint_accept,
    "decline": services.complaint_decline,
    "route": services.complaint_route,
    "assign": services.complaint_assign,
    "propose_decision": services.complaint_propose_decision,
    "return_for_rework": services.complaint_return_for_rework,
    "approve": services.complaint_approve,
    "notify": services.complaint_notify_decision,
    "request_review": services.complaint_request_review,
    "complete_review": services.complaint_complete_review,
    "notify_review": services.complaint_notify_review,
    "refer_to_mediation": services.complaint_refer_to_mediation,
    "record_mediation_outcome": services.complaint_record_mediation_outcome,
    "close": services.complaint_close,
    "withdraw": services.complaint_withdraw,
    "archive": services.complaint_archive,
    "extend": services.complaint_extend,
    "pause": services.complaint_pause,
    "resume": services.complaint_resume,
    "recuse": services.recusal_declare,
    "correspondence": services.correspondence_record,
    "attachment": services.attachment_add,
    "new_facts": services.correspondence_mark_new_facts,
    "record_redress": services.complaint_record_redress,
    "record_callback": services.complaint_record_callback,
    "record_proceeding_outcome": services.routing_record_outcome,
}
# These services take no expected_version: the row lock here does the check.
LOCKED_HERE = {"pause", "resume", "recuse", "record_proceeding_outcome"}
# Adding to the case file overwrites nothing, so a concurrent change is no reason
# to refuse it.
CASE_FILE = {"correspondence", "attachment", "new_facts"}
LABELS = {
    **ACTION_LABELS,
    "correspondence": _("Record correspondence"),
    "attachment": _("Upload attachment"),
    "new_facts": _("Record new facts"),
}
TEMPLATE_DIR = "admin/complaints/complaint"


class ComplaintWorkbenchViews(admin.ModelAdmin):
    """Mixed into ComplaintAdmin (complaint.py), which holds the configuration."""

    def _complaint_or_404(self, request: HttpRequest, object_id: str) -> Complaint:
        # Outside the user's scope answers exactly like a missing complaint.
        complaint = self.get_object(request, unquote(object_id))
        if complaint is None:
            raise Http404(P.NOT_FOUND)
        return complaint

    def _change_url(self, complaint: Complaint) -> str:
        return reverse("admin:complaints_complaint_change", args=[complaint.pk])

    def _deadline(self, complaint: Complaint) -> selectors.Deadline:
        return selectors.complaint_deadline(
            complaint, today=timezone.localdate(), calendar=DatabaseCalendar()
        )

    # --- Change form: read-only, with action buttons ------------------------
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        complaint = self._complaint_or_404(request, object_id)
        if request.method not in ("GET", "HEAD"):
            # Nothing is edited here: every change goes through an action page.
            return HttpResponseNotAllowed(["GET", "HEAD"])
        user = request.user
        act = "admin:complaints_complaint_act"
        actions = [
            (name, LABELS[name], reverse(act, args=[complaint.pk, name]))
            for name in available_actions(complaint, user)
            if name in SERVICES
        ]
        may_file = P.has(user, P.HANDLE, complaint.institution)
        context = {
            "title": _("Complaint %(number)s") % {"number": complaint.number},
            "subtitle": None,
            "complaint_actions": actions,
            "deadline": self._deadline(complaint),
            "handler_name": selectors.person_name(complaint.handler),
            "timeline": complaint_timeline(complaint, user=user),
            "file_actions": [
                (LABELS[name], reverse(act, args=[complaint.pk, name]))
                for name in ("correspondence", "attachment", "new_facts")
            ]
            if may_file
            else [],
            **(extra_context or {}),
        }
        response = super().change_view(request, object_id, form_url, context)
        if response.status_code == 200:
            services.personal_data_shown(
                user=user,
                complaints=[complaint],
                surface=PersonalDataAccess.Surface.CHANGE,
            )
        return response

    # --- Registration -----------------------------------------------------------
    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Register through services.complaint_register, after the handler has
        seen the possible duplicates within the look-back window."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = ComplaintRegistrationForm(data, user=request.user)
        duplicates: list[Complaint] | None = None
        if data is not None and form.is_valid():
            cd = form.cleaned_data
            duplicates = list(
                selectors.complaint_possible_duplicates(
                    user=request.user,
                    id_number=cd["id_number"],
                    phone=cd["phone"],
                    policy_number=cd["policy_number"],
                )[: selectors.DUPLICATES_SHOWN]
            )
            for dup in duplicates:
                # The template shows this name, masked where the user may not see it.
                dup.shown_name = selectors.complainant_shown(request.user, dup)[0]  # type: ignore[attr-defined]
            services.personal_data_shown(
                user=request.user,
                complaints=duplicates,
                surface=PersonalDataAccess.Surface.DUPLICATES,
            )
            confirmed = "_register_anyway" in data
            if "_register" in data and duplicates and not confirmed:
                messages.warning(request, DUPLICATES_WARNING)
            elif "_register" in data or confirmed:
                try:
                    complaint = services.complaint_register(
                        actor=request.user, **form.service_kwargs()
                    )
                except (ValidationError, PermissionDenied) as exc:
                    attach_service_error(form, exc)
                else:
                    self.log_addition(request, complaint, [{"added": {}}])
                    messages.success(request, registered_message(complaint))
                    return redirect(self._change_url(complaint))
            elif not duplicates:
                messages.info(request, _("No possible duplicates found."))
        fieldsets: Any = self.get_fieldsets(request)
        admin_form = helpers.AdminForm(form, fieldsets, {}, [], model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register a complaint"),
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "duplicates": duplicates,
            "lookback_days": settings.COMPLAINT_DUPLICATE_LOOKBACK_DAYS,
            **(extra_context or {}),
        }
        return self.render_change_form(
            request, context, add=True, form_url=form_url, obj=None
        )

    # --- Action pages ---------------------------------------------------------
    def action_view(
        self, request: HttpRequest, object_id: str, action: str
    ) -> HttpResponse:
        complaint = self._complaint_or_404(request, object_id)
        if action not in ACTION_FORMS:
            raise Http404(P.NOT_FOUND)
        data = request.POST if request.method == "POST" else None
        form = ACTION_FORMS[action](
            data,
            request.FILES if data is not None else None,
            complaint=complaint,
            user=request.user,
        )
        if data is not None and form.is_valid():
            try:
                result = self.perform_action(request, complaint, action, form)
            except (ValidationError, PermissionDenied) as exc:
                attach_service_error(form, exc)
            except ConcurrentTransition:
                form.add_error(None, ValidationError(STALE, code="stale"))
            else:
                if isinstance(result, ApprovalRequest):
                    messages.success(request, filed_message(result))
                    return redirect(self._change_url(complaint))
                complaint.refresh_from_db()
                messages.success(
                    request,
                    _("%(action)s: done. %(number)s is now “%(status)s”.")
                    % {
                        "action": LABELS[action],
                        "number": complaint.number,
                        "status": complaint.get_status_display(),
                    },
                )
                return redirect(self._change_url(complaint))
        if action in CASE_FILE:
            offered = P.has(request.user, P.HANDLE, complaint.institution)
        else:
            offered = action in available_actions(complaint, request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": LABELS[action],
            "subtitle": None,
            "complaint": complaint,
            "deadline": self._deadline(complaint),
            "form": form,
            "action": action,
            "offered": offered,
            "refusal": ""
            if offered
            else refusals.refusal(action, complaint, request.user),
            "change_url": self._change_url(complaint),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, f"{TEMPLATE_DIR}/action_form.html", context)

    def perform_action(
        self,
        request: HttpRequest,
        complaint: Complaint,
        action: str,
        form: ActionForm,
    ) -> Any:
        """Call the action's service; `version` guards against lost updates."""
        service = SERVICES[action]
        kwargs = form.service_kwargs()
        version = form.cleaned_data["version"]
        actor = request.user
        if action in CASE_FILE:
            return service(complaint=complaint, actor=actor, **kwargs)
        if action in LOCKED_HERE:
            with transaction.atomic():
                lock(complaint, expected_version=version)
                return service(complaint=complaint, actor=actor, **kwargs)
        return service(
            complaint=complaint, actor=actor, expected_version=version, **kwargs
        )


DUPLICATES_WARNING = _(
    "Possible duplicates were found (below). Open them to check; if this is a "
    "new complaint, press “Register anyway”."
)


def filed_message(req: ApprovalRequest) -> str:
    return str(
        _(
            "“%(kind)s” requested for %(number)s. It takes effect when %(who)s "
            "approves it; it is in their queue (审批)."
        )
        % {
            "kind": req.get_kind_display(),
            "number": req.complaint.number,
            "who": WHO_APPROVES[ApprovalRequest.Kind(req.kind)],
        }
    )


def registered_message(complaint: Complaint) -> str:
    return str(
        _("Complaint %(number)s registered; decision due %(due)s.")
        % {"number": complaint.number, "due": complaint.due_on or "—"}
    )
