"""What the OpenAPI schema says beyond the serializers: the channel token
scheme (a drf-spectacular extension), error responses, shared parameters
and request examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from intake.selectors import NUMBER_PATTERN
from intake.serializers import ErrorResponseSerializer


class ChannelTokenScheme(OpenApiAuthenticationExtension):
    target_class = "intake.authentication.ChannelTokenAuthentication"
    name = "channelToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The channel client's token, issued once in the admin: "
                "`Authorization: Bearer <token>`."
            ),
        }


# OpenAPI descriptions are developer documentation: English, not translated.
_ERROR_TEXT = {
    400: "Invalid input: each error names the field, a code and a message.",
    401: "No valid channel token.",
    403: "The client's role does not allow this.",
    404: "No such complaint among the client's own.",
    409: "The complaint changed at the same time.",
    413: "The request or file is too large.",
    415: "Unsupported content type.",
    422: "The Idempotency-Key was used for a different request.",
    429: "Too many requests this minute; see Retry-After.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorResponseSerializer, description=_ERROR_TEXT[code])
        for code in codes
    }


KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    OpenApiParameter.HEADER,
    description=(
        "A retry with the same key returns the first answer and writes nothing; "
        "the same key with a different request is refused (422)."
    ),
)
NUMBER_PARAMETER = OpenApiParameter(
    "number",
    {"type": "string", "pattern": f"^{NUMBER_PATTERN}$"},
    OpenApiParameter.PATH,
    description="Complaint number, e.g. TS2026-000123.",
)
READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 429)

REGISTRATION_EXAMPLE = OpenApiExample(
    "A motor claim complaint",
    request_only=True,
    value={
        "complainant_name": "林小雨",
        "id_type": "resident_id",
        "id_number": "440106199001011235",
        "phone": "13800138000",
        "email": "lin@example.com",
        "product_line": "motor",
        "category": "claims",
        "request": "要求按合同足额赔付车损",
        "facts": "车辆被追尾，理赔金额低于定损金额。",
        "policy_number": "PDAA202644010000001234",
        "amount_in_dispute": "8600.00",
    },
)
CORRESPONDENCE_EXAMPLE = OpenApiExample(
    "A message from the complainant",
    request_only=True,
    value={"summary": "客户补充：定损员未到场。", "method": "wechat"},
)
LOOKUP_EXAMPLE = OpenApiExample(
    "A lookup",
    request_only=True,
    value={"number": "TS2026-000123", "phone_last4": "8000"},
)
CALLBACK_EXAMPLE = OpenApiExample(
    "A callback that reached the complainant",
    request_only=True,
    value={
        "occurred_at": "2026-04-01T10:30:00+08:00",
        "satisfaction": 4,
        "called_by": "王晓敏（回访坐席 1032）",
        "words": "赔款已经收到，处理还算及时，希望以后定损更快一些。",
    },
)
