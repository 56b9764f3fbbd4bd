from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser

TOO_DEEP = _("JSON parse error - the document is nested too deeply.")
NOT_JSON = _(
    "The request body is not valid JSON (UTF-8): check the quoting, the commas "
    "and the braces."
)
NOT_MULTIPART = _(
    "The request body is not a valid multipart/form-data form: send the file "
    "as a form field named file."
)


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with absurdly nested documents refused as a parse
    error (the json module raises RecursionError, which DRF lets through),
    and a translated message instead of DRF's, which ends in the json
    module's English text ("Expecting value: line 1 column 1")."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        except ParseError as exc:
            raise ParseError(NOT_JSON) from exc


class SafeMultiPartParser(MultiPartParser):
    """DRF's multipart parser, without the parser's English text in the
    message ("Multipart form parse error - Invalid boundary ...")."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            raise ParseError(NOT_MULTIPART) from exc
