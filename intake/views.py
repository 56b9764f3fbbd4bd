"""The intake API (/api/v1/): channel clients register complaints, add to
them and follow their status; complainants look up a status by number.

Views only translate HTTP to service calls: the complaint services decide,
intake.services keeps the idempotency and the counters.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.models import Complaint, Correspondence, PersonalDataAccess
from complaints.models.records import ContactMethod
from complaints.services import (
    attachment_add,
    complaint_record_callback,
    complaint_register,
    correspondence_record,
    personal_data_shown,
    validate_upload,
)
from intake import lookup_guard, selectors
from intake.errors import NOT_FOUND, TOO_LARGE, PayloadTooLarge, error
from intake.models import ChannelClient, IntakeSubmission
from intake.parsers import SafeJSONParser, SafeMultiPartParser
from intake.schema import (
    CALLBACK_EXAMPLE,
    CORRESPONDENCE_EXAMPLE,
    KEY_PARAMETER,
    LOOKUP_EXAMPLE,
    NUMBER_PARAMETER,
    READ_ERRORS,
    REGISTRATION_EXAMPLE,
    WRITE_ERRORS,
    error_responses,
)
from intake.serializers import (
    AttachmentCreateSerializer,
    AttachmentSerializer,
    CallbackCreateSerializer,
    CallbackDueListSerializer,
    CallbackDueSerializer,
    CallbackSerializer,
    ComplaintListSerializer,
    ComplaintRegistrationSerializer,
    ComplaintStatusSerializer,
    CorrespondenceCreateSerializer,
    CorrespondenceSerializer,
    ListQuerySerializer,
    StatusCodeRequestSerializer,
    StatusLookupResultSerializer,
    StatusLookupSerializer,
)
from intake.services import rate_limit_hit, submission_run
from intake.throttling import ClientRateThrottle, StatusLookupThrottle

IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
BAD_KEY = _("Use 1 to 255 visible ASCII characters, e.g. a UUID.")
KEY_REQUIRED = _(
    "Every POST needs an Idempotency-Key header (1 to 255 visible ASCII "
    "characters, e.g. a new UUID per operation, the same one on each retry), "
    "so that a retried request is not registered twice."
)
REPLAYED_HEADER = "Idempotent-Replayed"
UNKNOWN_PARAMETER = _("Unknown query parameter.")
LOCKED = _(
    "Too many failed lookups of this complaint number: try again later, or ask "
    "for a one-time code sent by SMS to the phone given at registration."
)
CODE_WAIT = _("A code was sent a moment ago: wait before asking for another.")
CODE_SENT = _(
    "If the complaint number is known, a code was sent by SMS to the phone "
    "given at registration. It is valid for 10 minutes."
)

# How the complainant's message reached the channel, when the client does not say.
CHANNEL_METHODS = {
    "hotline": ContactMethod.PHONE,
    "wechat": ContactMethod.WECHAT,
    "email": ContactMethod.EMAIL,
    "letter": ContactMethod.LETTER,
    "visit": ContactMethod.IN_PERSON,
}


class IntakeView(APIView):
    """Common ground: token authentication, the per-client limit, JSON bodies
    within DATA_UPLOAD_MAX_MEMORY_SIZE, nothing cached."""

    throttle_classes = [ClientRateThrottle]
    parser_classes = [SafeJSONParser]
    metadata_class = None  # OPTIONS is not part of the API: 405.

    def max_body(self) -> int:
        return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    # Query parameters the operation documents; any other is refused, so a
    # misspelt one ("?limt=10") is reported instead of silently ignored.
    query_parameters: frozenset[str] = frozenset()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.max_body():
            raise PayloadTooLarge(TOO_LARGE % {"max": self.max_body()})
        if request.method == "POST":
            idempotency_key(request)
        unknown = sorted(set(request.query_params) - self.query_parameters)
        if unknown:
            raise exceptions.ValidationError(
                {
                    name: [exceptions.ErrorDetail(UNKNOWN_PARAMETER, code="unknown")]
                    for name in unknown
                }
            )

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    @property
    def client(self) -> ChannelClient:
        return self.request.auth  # type: ignore[return-value]

    def run_once(self, kind: str, action: Any) -> Response:
        """Run `action` once per Idempotency-Key and answer with its result."""
        submission, replayed = submission_run(
            client=self.client,
            kind=kind,
            key=idempotency_key(self.request),
            fingerprint=_fingerprint(self.request),
            status=status.HTTP_201_CREATED,
            action=action,
        )
        return Response(
            submission.response_body,
            status=submission.response_status,
            headers={REPLAYED_HEADER: "true" if replayed else "false"},
        )


def idempotency_key(request: Request) -> str:
    """The request's Idempotency-Key; a POST without a valid one is refused
    (a client that forgot it registered duplicates on every retry)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        raise exceptions.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    exceptions.ErrorDetail(KEY_REQUIRED, code="required")
                ]
            }
        )
    # fullmatch: "$" would also let a trailing newline through (256 chars).
    if not _KEY.fullmatch(key):
        raise exceptions.ValidationError(
            {IDEMPOTENCY_HEADER: [exceptions.ErrorDetail(BAD_KEY, code="invalid")]}
        )
    return key


def _fingerprint(request: Request) -> str:
    """A digest of what was asked: the same key with other content is refused."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # a multipart form: fields and files
        for name, values in sorted(data.lists()):
            for value in values:
                digest.update(f"{name}=".encode())
                if hasattr(value, "chunks"):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode("utf-8", "backslashreplace"))
    else:
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class ComplaintListView(IntakeView):
    query_parameters = frozenset(ListQuerySerializer().fields)

    @extend_schema(
        operation_id="complaints_list",
        summary="List the client's own complaints",
        description="Only complaints this client registered, newest first.",
        parameters=[ListQuerySerializer],
        responses={200: ComplaintListSerializer, **error_responses(400, 401, 403, 429)},
        tags=["complaints"],
    )
    def get(self, request: Request) -> Response:
        # A plain dict: DRF reads an empty form value ("?limit=") as omitted.
        query = ListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        complaints = selectors.client_complaints(client=self.client)
        page = list(complaints[offset : offset + limit])
        return Response(
            {
                "count": complaints.count(),
                "limit": limit,
                "offset": offset,
                "results": ComplaintStatusSerializer(page, many=True).data,
            }
        )

    @extend_schema(
        operation_id="complaints_register",
        summary="Register a complaint",
        description=(
            "Same checks as registration in the admin; the channel is the client's own."
        ),
        request=ComplaintRegistrationSerializer,
        parameters=[KEY_PARAMETER],
        examples=[REGISTRATION_EXAMPLE],
        responses={
            201: ComplaintStatusSerializer,
            **error_responses(400, 401, 403, 409, 413, 415, 422, 429),
        },
        tags=["complaints"],
    )
    def post(self, request: Request) -> Response:
        def register() -> tuple[Complaint, dict[str, Any]]:
            form = ComplaintRegistrationSerializer(
                data=request.data, context={"client": self.client}
            )
            form.is_valid(raise_exception=True)
            complaint = complaint_register(actor=request.user, **form.service_kwargs())
            return complaint, dict(ComplaintStatusSerializer(complaint).data)

        response = self.run_once(IntakeSubmission.Kind.REGISTRATION, register)
        number = (response.data or {}).get("number")
        if number:
            response["Location"] = reverse(
                "intake:complaint-detail", kwargs={"number": number}
            )
        return response


class ComplaintDetailView(IntakeView):
    @extend_schema(
        operation_id="complaints_status",
        summary="Status and deadlines of one of the client's complaints",
        description="Another client's complaint answers 404, like a missing one.",
        parameters=[NUMBER_PARAMETER],
        responses={200: ComplaintStatusSerializer, **error_responses(*READ_ERRORS)},
        tags=["complaints"],
    )
    def get(self, request: Request, number: str) -> Response:
        complaint = selectors.client_complaint(client=self.client, number=number)
        return Response(ComplaintStatusSerializer(complaint).data)


class CorrespondenceCreateView(IntakeView):
    @extend_schema(
        operation_id="complaints_correspondence_add",
        summary="Record a message from the complainant on the complaint",
        description="Recorded as inbound correspondence in the case file.",
        request=CorrespondenceCreateSerializer,
        parameters=[NUMBER_PARAMETER, KEY_PARAMETER],
        examples=[CORRESPONDENCE_EXAMPLE],
        responses={201: CorrespondenceSerializer, **error_responses(*WRITE_ERRORS)},
        tags=["complaints"],
    )
    def post(self, request: Request, number: str) -> Response:
        complaint = selectors.client_complaint(client=self.client, number=number)

        def record() -> tuple[Complaint, dict[str, Any]]:
            form = CorrespondenceCreateSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = form.validated_data
            default = CHANNEL_METHODS.get(self.client.channel.code, ContactMethod.OTHER)
            entry = correspondence_record(
                complaint=complaint,
                actor=request.user,
                direction=Correspondence.Direction.INBOUND,
                method=data.get("method") or default,
                occurred_at=data.get("occurred_at") or timezone.now(),
                summary=data["summary"],
                new_facts=data.get("new_facts", False),
            )
            return complaint, dict(CorrespondenceSerializer(entry).data)

        return self.run_once(IntakeSubmission.Kind.CORRESPONDENCE, record)


class AttachmentCreateView(IntakeView):
    parser_classes = [SafeMultiPartParser]

    def max_body(self) -> int:
        # The file itself plus room for the other form fields.
        file_limit = settings.COMPLAINT_ATTACHMENT_MAX_MB * 1024 * 1024
        return file_limit + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    @extend_schema(
        operation_id="complaints_attachment_add",
        summary="Attach a file to the complaint",
        description="Size and type checked as in the admin (413 when too large).",
        request={"multipart/form-data": AttachmentCreateSerializer},
        parameters=[NUMBER_PARAMETER, KEY_PARAMETER],
        responses={201: AttachmentSerializer, **error_responses(*WRITE_ERRORS)},
        tags=["complaints"],
    )
    def post(self, request: Request, number: str) -> Response:
        complaint = selectors.client_complaint(client=self.client, number=number)

        def attach() -> tuple[Complaint, dict[str, Any]]:
            form = AttachmentCreateSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = form.validated_data
            try:
                validate_upload(data["file"])
            except DjangoValidationError as exc:
                if exc.code == "too_large":
                    raise PayloadTooLarge(exc.messages[0]) from exc
                raise DjangoValidationError({"file": exc}) from exc
            attachment = attachment_add(
                complaint=complaint,
                actor=request.user,
                upload=data["file"],
                kind=data["kind"],
                description=data["description"],
            )
            return complaint, dict(AttachmentSerializer(attachment).data)

        return self.run_once(IntakeSubmission.Kind.ATTACHMENT, attach)


class CallbackListView(IntakeView):
    query_parameters = frozenset(ListQuerySerializer().fields)

    @extend_schema(
        operation_id="callbacks_due",
        summary="Satisfaction callbacks due (call centres)",
        description=(
            "Closed complaints of the client's institution and below whose "
            "callback (回访) is due and not yet made, with whom to call. Only for "
            "clients allowed to record callbacks (403 otherwise)."
        ),
        parameters=[ListQuerySerializer],
        responses={
            200: CallbackDueListSerializer,
            **error_responses(400, 401, 403, 429),
        },
        tags=["callbacks"],
    )
    def get(self, request: Request) -> Response:
        query = ListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        due = selectors.callbacks_due(client=self.client, today=timezone.localdate())
        page = list(due[offset : offset + limit])
        personal_data_shown(
            user=request.user,
            complaints=page,
            surface=PersonalDataAccess.Surface.CALLBACKS_API,
            detail=self.client.name[:100],
        )
        return Response(
            {
                "count": due.count(),
                "limit": limit,
                "offset": offset,
                "results": CallbackDueSerializer(page, many=True).data,
            }
        )


class CallbackCreateView(IntakeView):
    @extend_schema(
        operation_id="complaints_callback_record",
        summary="Record a satisfaction callback (回访)",
        description=(
            "The call's time, who called, the result and the complainant's words, "
            "on a closed complaint of the client's institution or below. Only for "
            "clients allowed to record callbacks (403 otherwise)."
        ),
        request=CallbackCreateSerializer,
        parameters=[NUMBER_PARAMETER, KEY_PARAMETER],
        examples=[CALLBACK_EXAMPLE],
        responses={201: CallbackSerializer, **error_responses(*WRITE_ERRORS)},
        tags=["callbacks"],
    )
    def post(self, request: Request, number: str) -> Response:
        complaint = selectors.callback_complaint(client=self.client, number=number)

        def record() -> tuple[Complaint, dict[str, Any]]:
            form = CallbackCreateSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = form.validated_data
            try:
                done = complaint_record_callback(
                    complaint=complaint,
                    actor=request.user,
                    satisfaction=data["satisfaction"],
                    occurred_at=data["occurred_at"],
                    called_by=data["called_by"],
                    note=data["words"],
                )
            except DjangoValidationError as exc:
                raise _renamed(exc, CALLBACK_FIELDS) from exc
            return done, dict(CallbackSerializer(done).data)

        return self.run_once(IntakeSubmission.Kind.CALLBACK, record)


# The service's field names -> the API's.
CALLBACK_FIELDS = {
    "callback_at": "occurred_at",
    "callback_by": "called_by",
    "callback_note": "words",
}


def _renamed(
    exc: DjangoValidationError, names: dict[str, str]
) -> DjangoValidationError:
    """The service's refusal with each field under the name the client sent."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = type(exc)({names.get(k, k): v for k, v in exc.error_dict.items()})
    return renamed


class StatusLookupView(IntakeView):
    """Public: a complainant's number and phone factor → the status, nothing else."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [StatusLookupThrottle]

    @extend_schema(
        operation_id="status_lookup",
        summary="Look up a complaint's status (for complainants)",
        description=(
            "Number plus the last four digits of the phone given at "
            "registration. A wrong factor answers like an unknown number."
        ),
        request=StatusLookupSerializer,
        examples=[LOOKUP_EXAMPLE],
        responses={
            200: StatusLookupResultSerializer,
            **error_responses(400, 404, 413, 415, 429),
        },
        auth=[],
        tags=["public"],
    )
    def post(self, request: Request) -> Response:
        form = StatusLookupSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        number = form.validated_data["number"].strip().upper()
        # Also per number, so guessing one complaint's factor from many
        # addresses is as slow as from one.
        decision = rate_limit_hit(
            key=f"lookup-number:{number}",
            limit=settings.INTAKE_STATUS_LOOKUP_PER_MINUTE,
        )
        if not decision.allowed:
            raise exceptions.Throttled(wait=decision.retry_after)
        outcome = lookup_guard.lookup(
            number=number,
            phone_last4=form.validated_data.get("phone_last4", ""),
            code=form.validated_data.get("code", ""),
        )
        if outcome.retry_after is not None:
            raise exceptions.Throttled(wait=outcome.retry_after, detail=str(LOCKED))
        complaint = outcome.complaint
        if complaint is None:
            raise exceptions.NotFound(NOT_FOUND)
        notified = complaint.notified_at
        result = {
            "status": complaint.status,
            "status_label": complaint.get_status_display(),
            "received_on": complaint.received_on,
            "due_on": complaint.due_on,
            "decision_notified_on": timezone.localdate(notified) if notified else None,
        }
        return Response(StatusLookupResultSerializer(result).data)


class StatusCodeView(IntakeView):
    """Public: send a one-time lookup code to the phone on record."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [StatusLookupThrottle]

    @extend_schema(
        operation_id="status_lookup_code",
        summary="Send a one-time status lookup code by SMS (for complainants)",
        description=(
            "Sends a six-digit code to the phone given at registration; it "
            "opens the status lookup even while the number is locked after "
            "failed tries. The answer is the same for an unknown number."
        ),
        request=StatusCodeRequestSerializer,
        responses={202: None, **error_responses(400, 413, 415, 429)},
        auth=[],
        tags=["public"],
    )
    def post(self, request: Request) -> Response:
        form = StatusCodeRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        number = form.validated_data["number"].strip().upper()
        wait = lookup_guard.send_code(number=number)
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail=str(CODE_WAIT))
        return Response({"detail": str(CODE_SENT)}, status=status.HTTP_202_ACCEPTED)


def unknown_endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Anything else under /api/v1/ answers in the API's own shape."""
    body = {"errors": [error(None, "not_found", NOT_FOUND)]}
    response = JsonResponse(body, status=status.HTTP_404_NOT_FOUND)
    add_never_cache_headers(response)
    return response
