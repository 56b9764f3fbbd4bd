"""The case page's work around a case: send a task, supervise (督办), insert a
reply template. Mixed into ComplaintAdmin before its workbench views, so the
change form and the action pages gain what this adds without being rewritten.

Each page hands its form to one service; a refusal comes back as a form error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Media
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from complaints import services
from complaints.models import Complaint
from complaints.services.casework import may_send_tasks, may_supervise
from complaints.timing.workdays import DatabaseCalendar
from complaints.workbench import selectors, worklists
from complaints.workbench.casework_forms import (
    CaseworkForm,
    EndSupervisionForm,
    SupervisionForm,
    TaskForm,
)
from complaints.workbench.forms import attach_service_error
from organisations import permissions as P

TEMPLATE_DIR = "admin/complaints/complaint"
# The action pages whose text a reply template can fill, and the field it fills.
TEMPLATE_TARGETS = {
    "propose_decision": ("decision", "id_decision_text"),
    "correspondence": ("reply", "id_summary"),
}
PAGES: dict[str, tuple[Any, type[CaseworkForm], Callable[..., Any]]] = {
    "task": (_("Send an investigation task"), TaskForm, services.task_send),
    "supervise": (_("Supervise (督办)"), SupervisionForm, services.supervision_start),
    "end_supervision": (
        _("End supervision"),
        EndSupervisionForm,
        services.supervision_end,
    ),
}
DONE = {
    "task": _("Task sent to %(receiver)s."),
    "supervise": _("%(number)s is under supervision until %(day)s."),
    "end_supervision": _("Supervision of %(number)s ended."),
}


class ComplaintCaseworkViews(admin.ModelAdmin):
    """Mixed into ComplaintAdmin (complaint.py)."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/casework/<str:page>/",
                wrap(self.casework_view),
                name="{}_{}_casework".format(*info),
            ),
            path(
                "<path:object_id>/reply-template/<int:template_id>/",
                wrap(require_safe(self.reply_template_view)),
                name="{}_{}_reply_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def _casework_complaint(self, request: HttpRequest, object_id: str) -> Complaint:
        complaint = self.get_object(request, unquote(object_id))
        if complaint is None:
            raise Http404(P.NOT_FOUND)
        return complaint

    # --- The case page: buttons, the supervision banner, open tasks ----------
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        complaint = self.get_object(request, unquote(object_id))
        extra: dict[str, Any] = {}
        if complaint is not None:
            extra = self._casework_context(request, complaint)
        return super().change_view(
            request, object_id, form_url, {**extra, **(extra_context or {})}
        )

    def _casework_context(
        self, request: HttpRequest, complaint: Complaint
    ) -> dict[str, Any]:
        user = request.user
        page = f"admin:{self.opts.app_label}_{self.opts.model_name}_casework"
        supervision = worklists.complaint_supervision(complaint)
        open_to_work = complaint.status != Complaint.Status.ARCHIVED
        buttons = []
        if open_to_work and may_send_tasks(user, complaint):
            buttons.append(("task", PAGES["task"][0]))
        if open_to_work and may_supervise(user, complaint):
            if supervision is None:
                buttons.append(("supervise", PAGES["supervise"][0]))
            else:
                buttons.append(("end_supervision", PAGES["end_supervision"][0]))
        return {
            "casework_actions": [
                (name, label, reverse(page, args=[complaint.pk, name]))
                for name, label in buttons
            ],
            "supervision": supervision,
            "open_tasks": list(worklists.complaint_open_tasks(complaint)),
            "personal_data": selectors.can_see_personal_data(user, complaint),
        }

    # --- The pages -------------------------------------------------------------
    def casework_view(
        self, request: HttpRequest, object_id: str, page: str
    ) -> HttpResponse:
        complaint = self._casework_complaint(request, object_id)
        if page not in PAGES:
            raise Http404(P.NOT_FOUND)
        title, form_class, service = PAGES[page]
        data = request.POST if request.method == "POST" else None
        form = form_class(data, complaint=complaint, user=request.user)
        if data is not None and form.is_valid():
            try:
                result = service(
                    complaint=complaint, actor=request.user, **form.service_kwargs()
                )
            except (ValidationError, PermissionDenied) as exc:
                attach_service_error(form, exc)
            else:
                messages.success(request, self._done(page, complaint, result))
                return redirect(self._change_url(complaint))  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": None,
            "complaint": complaint,
            "deadline": selectors.complaint_deadline(
                complaint, today=timezone.localdate(), calendar=DatabaseCalendar()
            ),
            "form": form,
            "action": page,
            "offered": page in self._offered(request, complaint),
            "change_url": self._change_url(complaint),  # type: ignore[attr-defined]
            "media": self.media + form.media,
        }
        return TemplateResponse(request, f"{TEMPLATE_DIR}/action_form.html", context)

    def _offered(self, request: HttpRequest, complaint: Complaint) -> set[str]:
        actions = self._casework_context(request, complaint)["casework_actions"]
        return {action[0] for action in actions}

    def _done(self, page: str, complaint: Complaint, result: Any) -> str:
        if page == "task":
            receiver = result.department or selectors.person_name(result.assignee)
            return str(DONE[page] % {"receiver": receiver})
        return str(
            DONE[page]
            % {"number": complaint.number, "day": getattr(result, "due_on", "")}
        )

    # --- Reply templates on the action pages -----------------------------------
    def action_view(
        self, request: HttpRequest, object_id: str, action: str
    ) -> HttpResponse:
        response = super().action_view(request, object_id, action)  # type: ignore[misc]
        target = TEMPLATE_TARGETS.get(action)
        if target is None or not isinstance(response, TemplateResponse):
            return response
        complaint = response.context_data["complaint"]  # type: ignore[index]
        use, field_id = target
        offered = services.reply_templates_for(
            complaint=complaint, user=request.user, use=use
        )
        page = f"admin:{self.opts.app_label}_{self.opts.model_name}_reply_template"
        response.context_data.update(  # type: ignore[union-attr]
            {
                "reply_templates": [
                    (t, reverse(page, args=[complaint.pk, t.pk])) for t in offered
                ],
                "reply_template_target": field_id,
                "media": response.context_data["media"]  # type: ignore[index]
                + forms_media(),
            }
        )
        return response

    def reply_template_view(
        self, request: HttpRequest, object_id: str, template_id: int
    ) -> JsonResponse:
        """The template's text with its placeholders filled for this complaint
        (on the server, from the fixed list: nothing the user typed is run)."""
        complaint = self._casework_complaint(request, object_id)
        template = (
            services.reply_templates_for(complaint=complaint, user=request.user)
            .filter(pk=template_id)
            .first()
        )
        if template is None:
            raise Http404(P.NOT_FOUND)
        text = services.reply_template_fill(
            template=template,
            complaint=complaint,
            user=request.user,
            amount=request.GET.get("amount", ""),
        )
        response = JsonResponse({"text": text})
        response["Cache-Control"] = "private, no-store"
        return response


def forms_media() -> Media:
    return Media(js=["complaints/reply_templates.js"])
