"""What the intake API reads and writes.

Input serializers check types, lengths and code-list values, so nothing
malformed reaches a service; the services then apply the same rules as the
admin (complaints.services.complaint_register and friends).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.fields import empty

from complaints.models import Attachment, Code, Complaint
from complaints.models.records import ContactMethod
from complaints.rules.identifiers import (
    DOCUMENT_FIELDS,
    IDENTIFIER_FIELDS,
    message,
    normalise_fields,
)
from complaints.services.registration import identifier_labels
from intake.models import ChannelClient
from organisations.models import Institution
from organisations.text import visible

C = Complaint
# Long enough for any real account of a complaint; the request body limit
# (DATA_UPLOAD_MAX_MEMORY_SIZE) caps the whole request anyway.
MAX_TEXT = 20_000
# Complaints reach a channel the day they are made; a month's allowance covers
# a backlog after an outage, and keeps the statutory clock honest.
MAX_BACKDATE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)
MAX_COMPLAINANTS = 100_000
# Regulator feedback dates: a sane window around today.
REGULATOR_DUE_WINDOW = timedelta(days=2 * 366)

IN_FUTURE = _("The time cannot be in the future.")
TOO_OLD = _("The time is more than %(days)d days ago.")
OUT_OF_RANGE = _("The date is out of range.")
UNKNOWN_INSTITUTION = _("“{value}” is not an institution this client may use.")
UNKNOWN_CODE = _("“{value}” is not an active code of this list.")


class _StringOnly:
    """Only a JSON string is a string: DRF would turn 42 into "42"."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        # Invisible characters go before the length and pattern checks: a
        # phone padded with zero-width spaces is a phone (organisations.text).
        return super().to_internal_value(visible(data))  # type: ignore[misc]


class StringField(_StringOnly, serializers.CharField):
    pass


class EmailField(_StringOnly, serializers.EmailField):
    pass


class RegexField(_StringOnly, serializers.RegexField):
    pass


class IntegerField(serializers.IntegerField):
    """A JSON integer: not "5", not 5.5, not true."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryIntegerField(serializers.IntegerField):
    """An integer written in digits in the query string ("20", not "20.0")."""

    def to_internal_value(self, data: Any) -> Any:
        if not (isinstance(data, str) and data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    """JSON true or false; DRF would also take "yes", "1" and 1."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class DecimalField(_StringOnly, serializers.DecimalField):
    """An amount as a decimal string ("8600.00"): no binary floating point."""


class CodeField(StringField):
    """A stable code of one code list (complaints.rules.codelists), e.g. "motor"."""

    default_error_messages = {"does_not_exist": UNKNOWN_CODE}

    def __init__(self, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.kind = kind

    def run_validation(self, data: Any = empty) -> Any:
        # The string checks (type, length, NUL) run before any query.
        value = super().run_validation(data)
        if not value:
            return value
        found = Code.objects.filter(kind=self.kind, code=value, is_active=True).first()
        if found is None:
            self.fail("does_not_exist", value=value)
        return found


class InstitutionCodeField(StringField):
    """An institution's code, e.g. "GDGZTH"; resolved to the institution."""

    default_error_messages = {"does_not_exist": UNKNOWN_INSTITUTION}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        value = super().run_validation(data)
        if not value:
            return None
        found = Institution.objects.filter(code=value, is_active=True).first()
        if found is None:
            self.fail("does_not_exist", value=value)
        return found


def identifiers_checked(attrs: dict[str, Any]) -> dict[str, Any]:
    names = (*IDENTIFIER_FIELDS, *DOCUMENT_FIELDS.values())
    present = {name: attrs[name] for name in names if name in attrs}
    clean, errors = normalise_fields(present, labels=identifier_labels())
    if errors:
        raise serializers.ValidationError(
            {
                name: [exceptions.ErrorDetail(message(e), code=e.code)]
                for name, e in errors.items()
            }
        )
    return {**attrs, **clean}


def _recent(value: Any) -> Any:
    now = timezone.now()
    if value > now + CLOCK_SKEW:
        raise serializers.ValidationError(IN_FUTURE, code="future")
    if value < now - MAX_BACKDATE:
        raise serializers.ValidationError(
            TOO_OLD % {"days": MAX_BACKDATE.days}, code="too_old"
        )
    # Within the skew the sender's clock is ahead: the event happened now at
    # the latest (the services refuse any future time).
    return min(value, now)


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return StringField(max_length=max_length, **kwargs)


def _optional(max_length: int, **kwargs: Any) -> serializers.CharField:
    return StringField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


# --- Input ---------------------------------------------------------------------
class ComplaintRegistrationSerializer(serializers.Serializer):
    """A complaint as the channel took it down (Measures art. 13)."""

    institution = InstitutionCodeField(
        required=False,
        help_text=_(
            "Responsible institution: the client's own or one below it; "
            "the client's own when omitted."
        ),
    )
    received_at = serializers.DateTimeField(
        required=False,
        help_text=_("When the channel received the complaint; now when omitted."),
    )
    complainant_type = serializers.ChoiceField(
        C.ComplainantType.choices, default=C.ComplainantType.PERSON
    )
    complainant_name = _text(100)
    id_type = serializers.ChoiceField(
        C.IdType.choices, required=False, allow_blank=True, default=""
    )
    id_number = _optional(40)
    phone = _optional(
        30, help_text=_("Its last four digits let the complainant look up the status.")
    )
    email = EmailField(max_length=254, required=False, allow_blank=True, default="")
    address = _optional(200)
    credit_code = _optional(18)
    legal_representative = _optional(100)
    representation = serializers.ChoiceField(
        C.Representation.choices, default=C.Representation.SELF
    )
    agent_name = _optional(100)
    agent_id_type = serializers.ChoiceField(
        C.IdType.choices, required=False, allow_blank=True, default=""
    )
    agent_id_number = _optional(40)
    agent_phone = _optional(30)
    complainant_count = IntegerField(min_value=1, max_value=MAX_COMPLAINANTS, default=1)
    representatives = _optional(
        2000, help_text=_("Joint complaints in person: one name per line, at most 5.")
    )
    subject_institution = InstitutionCodeField(
        required=False,
        help_text=_("Institution complained about; the responsible one when omitted."),
    )
    subject_staff = _optional(100)
    policy_number = _optional(40)
    claim_number = _optional(40)
    plate_number = _optional(16)
    product_line = CodeField("product_line", help_text=_("Product-line code."))
    category = CodeField("category", help_text=_("Business-category code."))
    request = _text(MAX_TEXT)
    facts = _text(MAX_TEXT)
    amount_in_dispute = DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    regulator_reference = _optional(60)
    regulator_office = _optional(100)
    regulator_due = serializers.DateField(required=False, allow_null=True)
    regulator_received_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("The regulator's own receipt date of a transfer."),
    )
    is_group = BooleanField(default=False)
    is_vulnerable = BooleanField(default=False)

    def validate_received_at(self, value: Any) -> Any:
        return _recent(value)

    def validate_regulator_due(self, value: date | None) -> date | None:
        today = timezone.localdate()
        if value is not None and abs(value - today) > REGULATOR_DUE_WINDOW:
            raise serializers.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Phones, document numbers and the credit code in their stored forms,
        checked as at every other door (complaints.rules.identifiers)."""
        return identifiers_checked(attrs)

    def validate_institution(self, value: Institution | None) -> Institution | None:
        client: ChannelClient = self.context["client"]
        if value is not None and not value.path.startswith(client.institution.path):
            # Answered like an unknown code: the client learns nothing more.
            raise serializers.ValidationError(
                str(UNKNOWN_INSTITUTION).format(value=value.code), code="does_not_exist"
            )
        return value

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for complaints.services.complaint_register."""
        client: ChannelClient = self.context["client"]
        data = dict(self.validated_data)
        data["institution"] = data.get("institution") or client.institution
        data["channel"] = client.channel
        return data


class CorrespondenceCreateSerializer(serializers.Serializer):
    """Something the complainant sent through the channel after registering."""

    summary = _text(MAX_TEXT)
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("When the complainant sent it; now when omitted.")
    )
    method = serializers.ChoiceField(ContactMethod.choices, required=False)
    new_facts = BooleanField(
        required=False,
        default=False,
        help_text=_(
            "The message brings new facts or grounds: the decision limit restarts "
            "from the day it was received (Measures art. 18)."
        ),
    )

    def validate_occurred_at(self, value: Any) -> Any:
        return _recent(value)


class CallbackCreateSerializer(serializers.Serializer):
    """A satisfaction callback (回访) the call centre made."""

    occurred_at = serializers.DateTimeField(help_text=_("When the call was made."))
    satisfaction = IntegerField(
        min_value=0,
        max_value=5,
        help_text=_(
            "5 very satisfied, 4 satisfied, 3 neutral, 2 dissatisfied, "
            "1 very dissatisfied, 0 could not be reached."
        ),
    )
    called_by = _text(100, help_text=_("Who made the call (name, agent number)."))
    words = _optional(
        MAX_TEXT,
        help_text=_(
            "What the complainant said, in their words; required when reached."
        ),
    )

    def validate_occurred_at(self, value: Any) -> Any:
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(IN_FUTURE, code="future")
        return value


ATTACHMENT_KINDS = [
    (value, label)
    for value, label in Attachment.Kind.choices
    if value != Attachment.Kind.NOTICE
]


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file part of a multipart body (the schema says binary, not a URL)."""


class AttachmentCreateSerializer(serializers.Serializer):
    file = UploadField(max_length=200, allow_empty_file=False)
    kind = serializers.ChoiceField(ATTACHMENT_KINDS, default=Attachment.Kind.EVIDENCE)
    description = _optional(200)


class StatusLookupSerializer(serializers.Serializer):
    number = StringField(
        max_length=20, help_text=_("The complaint number, e.g. TS2026-000123.")
    )
    phone_last4 = RegexField(
        r"^[0-9]{4}$",
        max_length=4,
        required=False,
        help_text=_("The last four digits of the phone number given at registration."),
    )
    code = RegexField(
        r"^[0-9]{6}$",
        max_length=6,
        required=False,
        help_text=_(
            "Instead of the phone digits: the one-time code sent by SMS to the "
            "phone on record (status-lookup/code/), accepted even while the "
            "number is locked after failed tries."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("phone_last4") and not attrs.get("code"):
            raise serializers.ValidationError(
                {"phone_last4": _("Give the last four phone digits or a code.")},
                code="required",
            )
        return attrs


class StatusCodeRequestSerializer(serializers.Serializer):
    number = StringField(
        max_length=20, help_text=_("The complaint number, e.g. TS2026-000123.")
    )


class ListQuerySerializer(serializers.Serializer):
    limit = QueryIntegerField(min_value=1, max_value=100, default=50)
    offset = QueryIntegerField(min_value=0, max_value=1_000_000, default=0)


# --- Output --------------------------------------------------------------------
class ComplaintStatusSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(C.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    item_type = serializers.ChoiceField(C.ItemType.choices)
    channel = serializers.CharField(source="channel.code")
    institution = serializers.CharField(source="institution.code")
    received_at = serializers.DateTimeField()
    received_on = serializers.DateField()
    due_on = serializers.DateField(
        allow_null=True, help_text=_("The binding due date of the decision.")
    )
    legal_due = serializers.DateField(allow_null=True)
    internal_due = serializers.DateField(allow_null=True)
    regulator_due = serializers.DateField(allow_null=True)
    due_provisional = serializers.BooleanField(
        help_text=_("The due date crosses a year whose calendar is not loaded.")
    )
    extension_level = serializers.IntegerField()
    clock_paused = serializers.SerializerMethodField()
    decision_notified_at = serializers.DateTimeField(
        source="notified_at", allow_null=True
    )
    closed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_on = serializers.DateField(allow_null=True)

    def get_clock_paused(self, obj: Complaint) -> bool:
        return obj.paused_since is not None


class ComplaintListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    results = ComplaintStatusSerializer(many=True)


class CorrespondenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    complaint = serializers.CharField(source="complaint.number")
    direction = serializers.CharField()
    method = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField(source="created_at")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    complaint = serializers.CharField(source="complaint.number")
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    description = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class CallbackSerializer(serializers.Serializer):
    complaint = serializers.CharField(source="number")
    callback_at = serializers.DateTimeField()
    satisfaction = serializers.IntegerField()
    satisfaction_label = serializers.CharField(source="get_satisfaction_display")
    called_by = serializers.CharField(source="callback_by")


class CallbackDueSerializer(serializers.Serializer):
    """One callback to make: whom to call and about which complaint."""

    number = serializers.CharField()
    institution = serializers.CharField(source="institution.code")
    complainant_name = serializers.CharField()
    phone = serializers.CharField()
    closed_at = serializers.DateTimeField()
    callback_due = serializers.DateField()
    outcome = serializers.ChoiceField(C.Outcome.choices)
    previous_attempt_at = serializers.DateTimeField(
        source="callback_at",
        allow_null=True,
        help_text=_("An earlier attempt that did not reach the complainant."),
    )


class CallbackDueListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    results = CallbackDueSerializer(many=True)


class StatusLookupResultSerializer(serializers.Serializer):
    """All a status lookup reveals."""

    status = serializers.ChoiceField(C.Status.choices)
    status_label = serializers.CharField()
    received_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True)
    decision_notified_on = serializers.DateField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)
