"""Investigation tasks in the admin: the receiver's list and answer page.

A task reaches people who may have no role on complaints (the claims
department): they see the tasks sent to them and their question, and answer
on the task's page; they do not see the complaint unless their role allows.
Whoever sees the complaint sees its tasks. Tasks are sent from the case page
(complaints.admin.casework) and written only by complaints.services.casework.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from complaints import services
from complaints.models import InvestigationTask
from complaints.services.casework import (
    is_receiver,
    may_answer_task,
    may_see_task,
)
from complaints.workbench import selectors
from complaints.workbench.casework_forms import TaskAnswerForm, TaskWithdrawForm
from complaints.workbench.worklists import receives_tasks
from organisations import permissions as P
from organisations.admin import AuditedHistoryAdmin
from organisations.models import Department

T = InvestigationTask
VIA = "complaint__institution"
TEXT_FIELDS = ("question", "answer", "withdrawn_reason")


class WhoseFilter(admin.SimpleListFilter):
    title = _("tasks")
    parameter_name = "for"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Sent to me")), ("sent", _("Sent by me"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        user = request.user
        if self.value() == "me":
            return queryset.filter(
                Q(assignee=user)
                | Q(department__members=user, department__is_active=True)
            )
        if self.value() == "sent":
            return queryset.filter(requested_by=user)
        return queryset


def shows_text(user: Any, task: InvestigationTask) -> bool:
    """The question and answer as written: for the people in the exchange and
    for those who may see the complaint's personal data; masked otherwise."""
    return (
        is_receiver(user, task)
        or task.requested_by_id == user.pk
        or P.has(user, P.PERSONAL_DATA, task.complaint.institution)
    )


@admin.register(InvestigationTask)
class InvestigationTaskAdmin(AuditedHistoryAdmin):
    list_display = ["complaint_number", "receiver", "due_on", "status"]
    list_filter = [WhoseFilter, "status"]
    list_select_related = [
        "complaint__institution",
        "department__institution",
        "assignee",
    ]
    list_per_page = 100
    ordering = ["status", "due_on"]

    # --- Who sees what ---------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        user = request.user
        qs = super().get_queryset(request)
        if P.is_global(user):
            return qs
        in_scope = P.scope(qs, user, P.VIEW, via=VIA).values("pk")
        mine = qs.filter(
            Q(assignee=user)
            | Q(requested_by=user)
            | Q(department__members=user, department__is_active=True)
        ).values("pk")
        return qs.filter(Q(pk__in=in_scope) | Q(pk__in=mine))

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return P.has_anywhere(user, P.VIEW) or receives_tasks(user=user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return may_see_task(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Sent from the case page.

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Answered through the service, on the task's own page.

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Part of the case file.

    # --- Read-only fields (a version in the history shows these) -------------------
    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = obj is not None and shows_text(request.user, obj)
        text = TEXT_FIELDS if shown else tuple(f"masked_{f}" for f in TEXT_FIELDS)
        return [
            "complaint_number",
            "receiver",
            text[0],
            "due_on",
            "status",
            text[1],
            "answered_by_name",
            "answered_at",
            text[2],
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    @admin.display(description=_("answered by"))
    def answered_by_name(self, obj: InvestigationTask) -> str:
        return selectors.person_name(obj.answered_by)

    @admin.display(description=_("question"))
    def masked_question(self, obj: InvestigationTask) -> str:
        return selectors.mask_text(obj.question)

    @admin.display(description=_("answer"))
    def masked_answer(self, obj: InvestigationTask) -> str:
        return selectors.mask_text(obj.answer)

    @admin.display(description=_("reason for withdrawing"))
    def masked_withdrawn_reason(self, obj: InvestigationTask) -> str:
        return selectors.mask_text(obj.withdrawn_reason)

    # --- The list ----------------------------------------------------------------
    @admin.display(description=_("complaint"), ordering="complaint__number")
    def complaint_number(self, obj: InvestigationTask) -> str:
        return obj.complaint.number

    @admin.display(description=_("to"))
    def receiver(self, obj: InvestigationTask) -> str:
        if obj.department_id:
            return f"{obj.department.institution.name} · {obj.department.name}"  # type: ignore[union-attr]
        return selectors.person_name(obj.assignee)

    def get_list_display(self, request: HttpRequest) -> Any:
        # The question as this user may read it (the admin is shared by every
        # request: the user is bound here, per request).
        user = request.user
        departments = set(
            Department.objects.filter(members=user.pk, is_active=True).values_list(
                "pk", flat=True
            )
        )

        @admin.display(description=_("question"))
        def short_question(obj: InvestigationTask) -> str:
            shown = (
                obj.assignee_id == user.pk
                or obj.department_id in departments
                or obj.requested_by_id == user.pk
                or P.has(user, P.PERSONAL_DATA, obj.complaint.institution)
            )
            text = obj.question if shown else "***"
            return text if len(text) <= 60 else text[:59] + "…"

        return ["complaint_number", "receiver", short_question, "due_on", "status"]

    # --- The task's page: read it, answer it, withdraw it -------------------------
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        task = self.get_object(request, unquote(object_id))
        if task is None:
            raise Http404(P.NOT_FOUND)
        user = request.user
        data = request.POST if request.method == "POST" else None
        answer_form = TaskAnswerForm(data if data and "_answer" in data else None)
        withdraw_form = TaskWithdrawForm(
            data if data and "_withdraw" in data else None, prefix="withdraw"
        )
        if data is not None:
            done = self._post(request, task, answer_form, withdraw_form)
            if done is not None:
                return done
        may_answer = task.is_open and may_answer_task(user, task)
        may_withdraw = task.is_open and (
            task.requested_by_id == user.pk
            or P.has(user, P.HANDLE, task.complaint.institution)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Investigation task"),
            "subtitle": task.complaint.number,
            "task": task,
            "show_text": shows_text(user, task),
            "complaint_url": reverse(
                "admin:complaints_complaint_change", args=[task.complaint_id]
            )
            if P.has(user, P.VIEW, task.complaint.institution)
            else "",
            "answer_form": answer_form if may_answer else None,
            "withdraw_form": withdraw_form if may_withdraw else None,
            "history_url": reverse(
                "admin:complaints_investigationtask_history", args=[task.pk]
            ),
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/complaints/investigationtask/task.html", context
        )

    def _post(
        self,
        request: HttpRequest,
        task: InvestigationTask,
        answer_form: TaskAnswerForm,
        withdraw_form: TaskWithdrawForm,
    ) -> HttpResponse | None:
        data = request.POST
        try:
            if "_answer" in data and answer_form.is_valid():
                services.task_answer(
                    task=task,
                    actor=request.user,
                    answer=answer_form.cleaned_data["answer"],
                )
                messages.success(request, _("The answer is in the case file."))
                return redirect(request.path)
            if "_withdraw" in data and withdraw_form.is_valid():
                services.task_withdraw(
                    task=task,
                    actor=request.user,
                    reason=withdraw_form.cleaned_data["reason"],
                )
                messages.success(request, _("The task is withdrawn."))
                return redirect(request.path)
        except (ValidationError, PermissionDenied) as exc:
            form = answer_form if "_answer" in data else withdraw_form
            message = exc.args[0] if isinstance(exc, PermissionDenied) else exc
            if isinstance(message, ValidationError) and hasattr(message, "error_dict"):
                for errors in message.error_dict.values():
                    for error in errors:
                        form.add_error(None, error)
            else:
                form.add_error(None, message)
        return None

    # --- History: masked like the page ---------------------------------------------
    def history_view(
        self,
        request: HttpRequest,
        object_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        task = self.get_object(request, unquote(object_id))
        request._task_text_shown = task is not None and shows_text(  # type: ignore[attr-defined]
            request.user, task
        )
        return super().history_view(request, object_id, extra_context)

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        if getattr(request, "_task_text_shown", False):
            return super().get_historical_record_context_helper(
                request, historical_record
            )
        return MaskedTaskHistory(self.model, historical_record)


class MaskedTaskHistory(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        if change.field in TEXT_FIELDS and value:
            return "***"
        return value
