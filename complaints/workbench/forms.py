"""Forms of the workbench: registration, and one small form per action.

Forms validate input and hand keyword arguments to a service; they never save.
The services decide (permissions, four-eyes, recusal, windows) and the caller
turns their refusals into form errors with `attach_service_error`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.exceptions import STALE
from complaints.models import Attachment, Code, Complaint, Correspondence, Routing
from complaints.models.records import ContactMethod
from complaints.rules.identifiers import (
    DOCUMENT_FIELDS,
    IDENTIFIER_FIELDS,
    normalise_fields,
)
from complaints.services import validate_upload
from complaints.services.registration import identifier_labels
from complaints.workbench import selectors, widgets
from organisations import permissions as P

C = Complaint
# YYYY-MM-DD and 24-hour time whatever the browser's language (widgets).
_date_widget = widgets.date_widget
_datetime_widget = widgets.datetime_widget


def _text_area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"})


def _codes(kind: str) -> Any:
    return Code.objects.filter(kind=kind, is_active=True)


def _choices(form: forms.BaseForm, name: str, queryset: Any) -> None:
    """Narrow a model-choice field to `queryset` (computed per user/complaint)."""
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = selectors.person_name(obj)
        return f"{name} ({obj.username})" if name != obj.username else name


def attach_service_error(form: forms.BaseForm, exc: Exception) -> None:
    """Show a service's refusal on the form: per field where the form has the
    field (or an alias for it), otherwise above the form."""
    aliases: dict[str, str] = getattr(form, "error_aliases", {})
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            field = aliases.get(key, key)
            for error in errors:
                if field in form.fields:
                    form.add_error(field, error)
                else:
                    form.add_error(None, error)
        return
    if isinstance(exc, ValidationError):
        form.add_error(None, exc)
        return
    if isinstance(exc, PermissionDenied):
        message = exc.args[0] if exc.args else P.NOT_ALLOWED
        form.add_error(None, ValidationError(message, code="permission_denied"))
        return
    raise exc


PHONE_HELP = _(
    "A mobile number (11 digits), or a landline with its area code: "
    "020-87654321, an extension after it."
)
ID_NUMBER_HELP = _(
    "Checked under its type (a resident ID's check digit, GB 11643); a 15-digit "
    "resident ID is stored in its 18-digit form."
)


# --- Registration ---------------------------------------------------------
class ComplaintRegistrationForm(forms.ModelForm):
    # Not a complaint column: complaints.models.RegulatorTransfer keeps it.
    regulator_received_on = forms.DateField(
        label=_("received by the regulator on"),
        required=False,
        widget=_date_widget(),
        help_text=_(
            "The regulator's own receipt date: its quarterly notice counts by it."
        ),
    )

    """What is taken down at intake; the service numbers it and starts the clock."""

    class Meta:
        model = Complaint
        fields = [
            "institution",
            "channel",
            "received_at",
            "complainant_type",
            "complainant_name",
            "id_type",
            "id_number",
            "phone",
            "email",
            "address",
            "credit_code",
            "legal_representative",
            "representation",
            "agent_name",
            "agent_id_type",
            "agent_id_number",
            "agent_phone",
            "authority_verified",
            "complainant_count",
            "representatives",
            "subject_institution",
            "subject_staff",
            "policy_number",
            "claim_number",
            "plate_number",
            "product_line",
            "category",
            "cause",
            "request",
            "facts",
            "amount_in_dispute",
            "regulator_reference",
            "regulator_office",
            "regulator_received_on",
            "regulator_due",
            "is_group",
            "is_vulnerable",
            "media_risk",
            "is_repeat",
            "is_major",
        ]
        widgets = {
            "received_at": _datetime_widget(),
            "regulator_due": _date_widget(),
            "request": _text_area(3),
            "facts": _text_area(5),
            "representatives": _text_area(3),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("received_at", timezone.now())
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["id_type"].initial = C.IdType.RESIDENT_ID
        for name in ("phone", "agent_phone"):
            self.fields[name].help_text = PHONE_HELP
        for name in ("id_number", "agent_id_number"):
            self.fields[name].help_text = ID_NUMBER_HELP
        handled = selectors.institution_choices(user=user, perm=P.HANDLE)
        _choices(self, "institution", handled.filter(is_active=True))
        if handled.count() == 1:
            self.fields["institution"].initial = handled.first()
        _choices(self, "subject_institution", selectors.institution_choices(user=user))
        self.fields["subject_institution"].required = False
        self.fields["subject_institution"].help_text = _(
            "Leave empty when it is the responsible institution."
        )
        for name, kind in [
            ("channel", Code.Kind.CHANNEL),
            ("product_line", Code.Kind.PRODUCT_LINE),
            ("category", Code.Kind.CATEGORY),
            ("cause", Code.Kind.CAUSE),
        ]:
            _choices(self, name, _codes(kind))
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.EmailInput):
                field.widget.attrs.setdefault("class", "vTextField")

    def clean(self) -> dict[str, Any]:
        """Identifiers in their stored form before the duplicate check reads
        them; the service checks them again (complaints.rules.identifiers)."""
        data = super().clean() or {}
        present = {
            name: data[name]
            for name in (*IDENTIFIER_FIELDS, *DOCUMENT_FIELDS.values())
            if name in data
        }
        clean, errors = normalise_fields(present, labels=identifier_labels())
        data.update(clean)
        for name, error in errors.items():
            self.add_error(name, error)
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for services.complaint_register."""
        return dict(self.cleaned_data)


# --- Actions ----------------------------------------------------------------
class ActionForm(forms.Form):
    """The small form behind one action button.

    `version` carries the complaint's `updated_at` as the user saw it, so a
    concurrent change is refused (StaleComplaint) rather than overwritten.
    """

    confirm_only: ClassVar[bool] = False
    error_aliases: ClassVar[dict[str, str]] = {}

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, complaint: Complaint, user: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.actor = user
        self.fields["version"].initial = complaint.updated_at.isoformat()
        self.setup()

    def setup(self) -> None:
        """Fill choices that depend on the complaint or the user."""

    def clean_version(self) -> datetime:
        try:
            value = datetime.fromisoformat(self.cleaned_data["version"])
        except ValueError as exc:
            raise ValidationError(STALE, code="stale") from exc
        if timezone.is_naive(value):
            raise ValidationError(STALE, code="stale")
        return value

    def service_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class NoteForm(ActionForm):
    """Confirmation with an optional note for the history."""

    confirm_only = True
    note = forms.CharField(
        label=_("Note"),
        required=False,
        help_text=_("Recorded in the history as the reason."),
    )


class InternalNoteForm(ActionForm):
    """An internal note; a new note changes nothing, so no version check."""

    text = forms.CharField(
        label=_("Note"),
        widget=_text_area(5),
        help_text=_(
            "For colleagues only, never sent to the complainant. Write @ and a "
            "colleague's name (@陈晓敏) or username to tell them."
        ),
    )


class ConfirmForm(ActionForm):
    confirm_only = True


class RequiredNoteForm(ActionForm):
    note = forms.CharField(label=_("Reason"), widget=_text_area(3))


class DeclineForm(ActionForm):
    """The one refusal: the standing ground, what was checked, the reason; it
    waits for a manager's approval (DOMAIN.md §5a)."""

    standing_ground = forms.ChoiceField(
        label=_("Standing ground"),
        choices=Routing.StandingGround.choices,
        help_text=_(
            "The only ground for declining (Measures arts. 14, 18). Any other "
            "reason is routing, not refusal."
        ),
    )
    checked = forms.CharField(
        label=_("What was checked"),
        widget=_text_area(3),
        help_text=_("Identity document, power of attorney, proof of inheritance."),
    )
    note = forms.CharField(
        label=_("Reason (for the approver and the notice)"), widget=_text_area(3)
    )


class RouteForm(ActionForm):
    error_aliases: ClassVar[dict[str, str]] = {"route_kind": "kind"}
    kind = forms.ChoiceField(
        label=_("Routing"),
        choices=[(v, lbl) for v, lbl in C.RouteKind.choices],
    )
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=Code.objects.none())
    note = forms.CharField(label=_("Note"), widget=_text_area(3))
    item_type = forms.ChoiceField(
        label=_("Reclassify as"),
        required=False,
        choices=[("", "---------")]
        + [(v, lbl) for v, lbl in C.ItemType.choices if v != C.ItemType.COMPLAINT],
        help_text=_("Only when reclassifying."),
    )
    merged_into = forms.CharField(
        label=_("Merge into (number)"),
        required=False,
        help_text=_("Only when merging, e.g. TS2026-000123."),
    )
    forwarded_to = forms.CharField(
        label=_("Forwarded to (institution)"),
        required=False,
        max_length=100,
        help_text=_("Only when forwarding: the institution now handling it."),
    )
    forum = forms.ChoiceField(
        label=_("Forum"),
        required=False,
        choices=[("", "---------"), *Routing.Forum.choices],
        help_text=_("Only when linking to a proceeding."),
    )
    forum_name = forms.CharField(
        label=_("Court / arbitration body"), required=False, max_length=100
    )
    case_number = forms.CharField(label=_("Case number"), required=False, max_length=60)
    proceeding_on = forms.DateField(
        label=_("Proceeding date"), required=False, widget=_date_widget()
    )

    def setup(self) -> None:
        # "Not lodged by the consumer" is the decline, not a routing reason.
        _choices(
            self,
            "reason",
            _codes(Code.Kind.ROUTE_REASON).exclude(code="not_consumer"),
        )

    def clean_merged_into(self) -> Complaint | None:
        number = self.cleaned_data["merged_into"]
        if not number:
            return None
        target = selectors.complaint_by_number(
            user=self.actor, number=number, perm=P.HANDLE
        )
        if target is None:
            raise ValidationError(_("No complaint with this number in your scope."))
        return target


class AssignForm(ActionForm):
    handler = UserChoiceField(label=_("Handler"), queryset=None)
    declares_no_conflict = forms.BooleanField(
        label=_("I have no conflict of interest in this complaint (回避)"),
        required=False,
        help_text=_("Required when you take the case yourself."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        handler = data.get("handler")
        takes = handler is not None and handler.pk == self.actor.pk
        if takes and not data.get("declares_no_conflict"):
            from complaints.services.lifecycle import E_DECLARE_NO_CONFLICT

            self.add_error("declares_no_conflict", E_DECLARE_NO_CONFLICT)
        return data

    def setup(self) -> None:
        choices = selectors.eligible_handlers(complaint=self.complaint)
        _choices(self, "handler", choices)
        if self.complaint.handler_id:
            self.fields["handler"].initial = self.complaint.handler_id
        elif choices.filter(pk=self.actor.pk).exists():
            self.fields["handler"].initial = self.actor.pk


class ProposeDecisionForm(ActionForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (v, lbl)
            for v, lbl in C.Outcome.choices
            if v in {C.Outcome.SUPPORTED, C.Outcome.PARTLY, C.Outcome.NOT_SUPPORTED}
        ],
    )
    cause = forms.ModelChoiceField(label=_("Cause"), queryset=Code.objects.none())
    decision_text = forms.CharField(
        label=_("Decision and reasons"), widget=_text_area(8)
    )
    redress_amount = forms.DecimalField(
        label=_("Redress (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )

    def setup(self) -> None:
        _choices(self, "cause", _codes(Code.Kind.CAUSE))
        self.fields["cause"].initial = self.complaint.cause_id
        self.fields["decision_text"].initial = self.complaint.decision_text
        self.fields["redress_amount"].initial = self.complaint.redress_amount


class NoticeForm(ActionForm):
    """How and when a decision reached the complainant."""

    method = forms.ChoiceField(label=_("Method"), choices=ContactMethod.choices)
    occurred_at = forms.DateTimeField(label=_("Time"), widget=_datetime_widget())
    summary = forms.CharField(label=_("Summary"), widget=_text_area(3))

    def setup(self) -> None:
        self.fields["occurred_at"].initial = timezone.now()


class NotifyDecisionForm(NoticeForm):
    received_on = forms.DateField(
        label=_("Complainant received it on"),
        required=False,
        widget=_date_widget(),
        help_text=_("Leave empty when it is the day of the notice."),
    )


class RequestReviewForm(ActionForm):
    applied_on = forms.DateField(label=_("Applied on"), widget=_date_widget())
    note = forms.CharField(label=_("Note"), widget=_text_area(3))
    late_reason = forms.CharField(
        label=_("Reason for accepting a late application"),
        required=False,
        widget=_text_area(2),
    )

    def setup(self) -> None:
        self.fields["applied_on"].initial = timezone.localdate()


class CompleteReviewForm(ActionForm):
    error_aliases: ClassVar[dict[str, str]] = {"review_text": "text"}
    result = forms.ChoiceField(label=_("Result"), choices=C.ReviewResult.choices)
    text = forms.CharField(label=_("Review decision"), widget=_text_area(6))


class ReferToMediationForm(ActionForm):
    error_aliases: ClassVar[dict[str, str]] = {"mediation_body": "body"}
    body = forms.CharField(label=_("Mediation body"), max_length=100)
    referred_on = forms.DateField(label=_("Referred on"), widget=_date_widget())
    note = forms.CharField(label=_("Note"), required=False, widget=_text_area(2))

    def setup(self) -> None:
        self.fields["referred_on"].initial = timezone.localdate()


class MediationOutcomeForm(ActionForm):
    outcome = forms.ChoiceField(
        label=_("Mediation outcome"), choices=C.MediationOutcome.choices
    )
    note = forms.CharField(
        label=_("Note"),
        widget=_text_area(3),
        help_text=_(
            "When the insurer declines to take part: the legitimate reason; the "
            "request then waits for a compliance officer's approval."
        ),
    )
    redress_amount = forms.DecimalField(
        label=_("Redress agreed (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )


class WithdrawForm(ActionForm):
    received_on = forms.DateField(
        label=_("Withdrawal received on"), widget=_date_widget()
    )
    note = forms.CharField(label=_("Note"), widget=_text_area(3))

    def setup(self) -> None:
        self.fields["received_on"].initial = timezone.localdate()


class ExtendForm(ActionForm):
    level = forms.TypedChoiceField(
        label=_("Extension"),
        coerce=int,
        choices=[(1, _("Level 1: to 30 days")), (2, _("Level 2: a further 30 days"))],
    )
    reason = forms.CharField(
        label=_("Reason (told to the complainant)"),
        widget=_text_area(3),
        help_text=_(
            "The request waits in the queue of those who may approve it; the "
            "deadline moves when one of them approves."
        ),
    )

    def setup(self) -> None:
        self.fields["level"].initial = min(self.complaint.extension_level + 1, 2)


class PauseForm(ActionForm):
    started_on = forms.DateField(label=_("From"), widget=_date_widget())
    body = forms.CharField(label=_("Appraisal / testing body"), max_length=100)
    reason = forms.CharField(label=_("Reason"), widget=_text_area(3))

    def setup(self) -> None:
        self.fields["started_on"].initial = timezone.localdate()


class ResumeForm(ActionForm):
    ended_on = forms.DateField(label=_("Until"), widget=_date_widget())

    def setup(self) -> None:
        self.fields["ended_on"].initial = timezone.localdate()


class RecuseForm(ActionForm):
    user = UserChoiceField(label=_("Conflicted person"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def setup(self) -> None:
        _choices(self, "user", selectors.staff_in_scope_of(complaint=self.complaint))
        self.fields["user"].initial = self.actor.pk


# --- The case file --------------------------------------------------------
class CorrespondenceForm(ActionForm):
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Correspondence.Direction.choices
    )
    method = forms.ChoiceField(label=_("Method"), choices=ContactMethod.choices)
    occurred_at = forms.DateTimeField(label=_("Time"), widget=_datetime_widget())
    summary = forms.CharField(label=_("Summary"), widget=_text_area(4))
    new_facts = forms.BooleanField(
        label=_("Brings new facts or grounds"),
        required=False,
        help_text=_("New facts or grounds restart the decision clock."),
    )

    def setup(self) -> None:
        self.fields["occurred_at"].initial = timezone.now()


class NewFactsForm(ActionForm):
    """Mark an inbound entry already in the file as bringing new facts."""

    entry = forms.ModelChoiceField(
        label=_("What the complainant sent"),
        queryset=Correspondence.objects.none(),
        help_text=_(
            "The decision clock restarts from the day this was received "
            "(Measures art. 18)."
        ),
    )

    def setup(self) -> None:
        self.fields["entry"].queryset = Correspondence.objects.filter(  # type: ignore[attr-defined]
            complaint=self.complaint,
            direction=Correspondence.Direction.INBOUND,
            new_facts=False,
        ).order_by("-occurred_at")
        self.fields["entry"].label_from_instance = _entry_label  # type: ignore[attr-defined]


def _entry_label(entry: Correspondence) -> str:
    when = timezone.localtime(entry.occurred_at)
    return f"{when:%Y-%m-%d %H:%M} {entry.get_method_display()}: {entry.summary[:60]}"


class AttachmentForm(ActionForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices)
    upload = forms.FileField(label=_("File"))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=200
    )

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        validate_upload(upload)
        return upload


# --- After the decision ------------------------------------------------------
NOT_IN_FUTURE = _("A day that has not come yet cannot be recorded.")


def _not_in_future(value: Any) -> Any:
    """What happened cannot be dated later than now (the services check the
    event it follows)."""
    if isinstance(value, datetime):
        late = value > timezone.now()
    else:
        late = value > timezone.localdate()
    if late:
        raise ValidationError(NOT_IN_FUTURE, code="future")
    return value


class RedressForm(ActionForm):
    """The refund or compensation paid (DOMAIN.md C15)."""

    error_aliases: ClassVar[dict[str, str]] = {
        "redress_amount": "amount",
        "redress_paid_on": "paid_on",
        "redress_method": "method",
        "redress_reference": "reference",
    }
    amount = forms.DecimalField(
        label=_("Amount paid (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        help_text=_("In total, when paid in several parts."),
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=_date_widget())
    method = forms.ChoiceField(label=_("Paid by"), choices=C.RedressMethod.choices)
    reference = forms.CharField(
        label=_("Payment reference"),
        required=False,
        max_length=60,
        help_text=_("Transfer, voucher or cheque number."),
    )

    def setup(self) -> None:
        c = self.complaint
        self.fields["amount"].initial = c.redress_amount
        self.fields["paid_on"].initial = c.redress_paid_on or timezone.localdate()
        self.fields["method"].initial = c.redress_method or None
        self.fields["reference"].initial = c.redress_reference

    def clean_paid_on(self) -> Any:
        return _not_in_future(self.cleaned_data["paid_on"])


class CallbackForm(ActionForm):
    """The satisfaction callback (回访): when, who, the result, their words."""

    error_aliases: ClassVar[dict[str, str]] = {
        "callback_at": "occurred_at",
        "callback_by": "called_by",
        "callback_note": "note",
    }
    occurred_at = forms.DateTimeField(
        label=_("Time of the call"), widget=_datetime_widget()
    )
    called_by = forms.CharField(label=_("Called by"), max_length=100)
    satisfaction = forms.TypedChoiceField(
        label=_("Result"), coerce=int, choices=C.Satisfaction.choices
    )
    note = forms.CharField(
        label=_("The complainant's words"),
        required=False,
        widget=_text_area(4),
        help_text=_(
            "What the complainant said about the handling, in their words; "
            "required when the call reached them."
        ),
    )

    def setup(self) -> None:
        self.fields["occurred_at"].initial = timezone.now()
        self.fields["called_by"].initial = selectors.person_name(self.actor)

    def clean_occurred_at(self) -> Any:
        return _not_in_future(self.cleaned_data["occurred_at"])


class ProceedingOutcomeForm(ActionForm):
    """The court's or arbitration body's outcome, when the insurer learns of it."""

    outcome = forms.CharField(label=_("Outcome"), widget=_text_area(3))
    recorded_on = forms.DateField(label=_("Learned on"), widget=_date_widget())

    def setup(self) -> None:
        self.fields["recorded_on"].initial = timezone.localdate()

    def clean_recorded_on(self) -> Any:
        return _not_in_future(self.cleaned_data["recorded_on"])


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": NoteForm,
    "decline": DeclineForm,
    "route": RouteForm,
    "assign": AssignForm,
    "propose_decision": ProposeDecisionForm,
    "return_for_rework": RequiredNoteForm,
    "approve": NoteForm,
    "notify": NotifyDecisionForm,
    "request_review": RequestReviewForm,
    "complete_review": CompleteReviewForm,
    "notify_review": NoticeForm,
    "refer_to_mediation": ReferToMediationForm,
    "record_mediation_outcome": MediationOutcomeForm,
    "close": NoteForm,
    "withdraw": WithdrawForm,
    "archive": ConfirmForm,
    "extend": ExtendForm,
    "pause": PauseForm,
    "resume": ResumeForm,
    "recuse": RecuseForm,
    "correspondence": CorrespondenceForm,
    "attachment": AttachmentForm,
    "new_facts": NewFactsForm,
    "record_redress": RedressForm,
    "record_callback": CallbackForm,
    "record_proceeding_outcome": ProceedingOutcomeForm,
}
"""The form of each action of transitions.ACTION_LABELS, plus the case file's."""
