"""Every API error as {"errors": [{"field", "code", "message"}]}.

`field` is the input field at fault (dotted for nested input, the header name
for a bad header) or null for the request as a whole; `code` is stable for
programs; `message` is translated into the request's language.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from complaints.exceptions import StaleComplaint, TransitionRefused
from intake.services import IdempotencyKeyReused

NOT_FOUND = _("Not found.")
TOO_LARGE = _("The request is larger than %(max)s bytes.")
CONFLICT = _("The complaint changed at the same time; send the request again.")
BAD_REQUEST = _("The request could not be read.")
UNAVAILABLE = _(
    "The service is temporarily unavailable; send the request again in a "
    "moment, with the same Idempotency-Key."
)
# Seconds a client should wait before retrying after a 503.
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = CONFLICT
    default_code = "conflict"


class Unavailable(exceptions.APIException):
    """The database connection was lost or refused (a restart, a failover):
    the request may be retried, and the Idempotency-Key makes that safe."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = UNAVAILABLE
    default_code = "unavailable"
    wait = RETRY_AFTER_SECONDS


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def error(field: str | None, code: str, message: Any) -> dict[str, Any]:
    return {"field": field, "code": code, "message": str(message)}


def _flatten(detail: Any, field: str | None = None) -> Iterator[dict[str, Any]]:
    """DRF's nested error detail as a flat list of (field, code, message)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                child = field
            else:
                child = str(key) if field is None else f"{field}.{key}"
            yield from _flatten(value, child)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            nested = isinstance(item, dict | list)
            yield from _flatten(item, f"{field}[{index}]" if nested else field)
    else:
        yield error(field, getattr(detail, "code", None) or "invalid", detail)


def django_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """A Django ValidationError (a service's refusal, a model check) flattened."""
    if hasattr(exc, "error_dict"):
        items = [
            (None if key == "__all__" else key, e)
            for key, errors in exc.error_dict.items()
            for e in errors
        ]
    else:
        items = [(None, e) for e in exc.error_list]
    out = []
    for field, e in items:
        message = e.message % e.params if e.params else e.message
        out.append(error(field, e.code or "invalid", message))
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler with every client error in the one JSON shape."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        status_code = (
            status.HTTP_409_CONFLICT
            if isinstance(exc, StaleComplaint | TransitionRefused)
            else status.HTTP_400_BAD_REQUEST
        )
        return Response({"errors": django_errors(exc)}, status=status_code)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields or files in a form body, and the like.
        exc = exceptions.ParseError(BAD_REQUEST)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, ConcurrentTransition):
        exc = Conflict()
    elif isinstance(exc, IdempotencyKeyReused):
        exc = KeyReused(str(exc.args[0]))
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.warning("Database unavailable; answered 503", exc_info=exc)
        exc = Unavailable()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))  # type: ignore[attr-defined]
    set_rollback()
    return Response(
        {"errors": list(_flatten(exc.detail))},
        status=exc.status_code,
        headers=headers,
    )
