"""Forms of the work around a case: tasks, their answers, supervision (督办).

Like complaints.workbench.forms, they validate input and hand keyword arguments to a
service (complaints.services.casework), which decides.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.workbench import selectors, widgets, worklists
from complaints.workbench.forms import UserChoiceField
from organisations.models import Department

# A question asked today is answered within a working week unless said otherwise.
DEFAULT_ANSWER_DAYS = 5


_date_widget = widgets.date_widget


def _text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"})


class CaseworkForm(forms.Form):
    """A form about one complaint (the action page's template needs these)."""

    confirm_only: ClassVar[bool] = False

    def __init__(
        self, *args: Any, complaint: Complaint, user: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.actor = user
        self.setup()

    def setup(self) -> None:
        """Fill choices that depend on the complaint or the user."""

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.institution.name} · {obj.name}"


class TaskForm(CaseworkForm):
    department = DepartmentChoiceField(
        label=_("To a department"),
        required=False,
        queryset=Department.objects.none(),
        help_text=_("Claims, underwriting, the agent's team..."),
    )
    assignee = UserChoiceField(label=_("Or to a person"), required=False, queryset=None)
    question = forms.CharField(label=_("Question"), widget=_text_area(5))
    due_on = forms.DateField(label=_("Answer by"), widget=_date_widget())

    def setup(self) -> None:
        departments = worklists.departments_for(complaint=self.complaint)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        in_scope = selectors.staff_in_scope_of(complaint=self.complaint)
        members = Q(departments__in=departments)
        people = (
            get_user_model()
            .objects.filter(Q(pk__in=in_scope.values("pk")) | members)
            .filter(is_active=True, is_staff=True)
            .exclude(pk=self.actor.pk)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["assignee"].queryset = people  # type: ignore[attr-defined]
        today = timezone.localdate()
        self.fields["due_on"].initial = today + timedelta(days=DEFAULT_ANSWER_DAYS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("department")) == bool(data.get("assignee")):
            raise ValidationError(
                _("Send the task either to a department or to a person."),
                code="one_receiver",
            )
        return data


class SupervisionForm(CaseworkForm):
    instruction = forms.CharField(label=_("Instruction"), widget=_text_area(4))
    due_on = forms.DateField(label=_("Act by"), widget=_date_widget())

    def setup(self) -> None:
        self.fields["due_on"].initial = timezone.localdate() + timedelta(days=3)


class EndSupervisionForm(CaseworkForm):
    note = forms.CharField(label=_("Result"), widget=_text_area(3))


class TaskAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=_text_area(6))


class TaskWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing"), widget=_text_area(2))
