"""The placeholders of reply templates: a fixed list, filled on the server.

A template's text is never run as a template: `{投诉人}` (or its English name
`{complainant}`) is replaced by a value computed here, and anything else in
braces is refused when the template is saved. So whatever compliance types,
Django's template syntax included, is only ever text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.rules import redress
from complaints.templatetags.letter_text import cn_date
from complaints.timing import deadlines

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,30})\}")
UNKNOWN = _("Unknown placeholder %(names)s. The placeholders are: %(known)s.")


@dataclass(frozen=True)
class Values:
    """What a placeholder may say: the complaint as the user may see it."""

    complaint: Complaint
    complainant: str
    handler: str
    amount: Decimal | None


@dataclass(frozen=True)
class Placeholder:
    name: str  # as written in Chinese
    alias: str  # its English name, accepted too
    label: str | Promise
    value: Callable[[Values], str]


def _yuan(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _routes(v: Values) -> str:
    upper = v.complaint.institution.parent
    routes = redress.decision_routes(has_upper_level=upper is not None)
    lines = redress.route_lines(
        routes, upper=upper, review_days=deadlines.REVIEW_APPLICATION_DAYS
    )
    return "\n".join(f"{i}. {text}" for i, (_r, text) in enumerate(lines, 1))


VOCABULARY = [
    Placeholder("投诉人", "complainant", _("complainant"), lambda v: v.complainant),
    Placeholder(
        "投诉编号", "number", _("complaint number"), lambda v: v.complaint.number
    ),
    Placeholder(
        "收到日期",
        "received_on",
        _("date received"),
        lambda v: cn_date(v.complaint.received_on),
    ),
    Placeholder(
        "受理日期",
        "accepted_on",
        _("date accepted"),
        lambda v: cn_date(v.complaint.accepted_at),
    ),
    Placeholder(
        "处理期限",
        "due_on",
        _("legal deadline"),
        lambda v: cn_date(v.complaint.legal_due),
    ),
    Placeholder("投诉请求", "request", _("request"), lambda v: v.complaint.request),
    Placeholder(
        "争议金额",
        "amount_in_dispute",
        _("amount in dispute (yuan)"),
        lambda v: _yuan(v.complaint.amount_in_dispute),
    ),
    Placeholder(
        "补偿金额",
        "redress_amount",
        _("redress (yuan)"),
        lambda v: _yuan(v.amount),
    ),
    Placeholder(
        "处理机构",
        "institution",
        _("responsible institution"),
        lambda v: v.complaint.institution.name,
    ),
    Placeholder(
        "上级机构",
        "upper_institution",
        _("upper-level institution"),
        lambda v: getattr(v.complaint.institution.parent, "name", ""),
    ),
    Placeholder(
        "核查申请期限",
        "review_days",
        _("days to apply for review"),
        lambda v: str(deadlines.REVIEW_APPLICATION_DAYS),
    ),
    Placeholder("救济途径", "routes", _("routes of redress"), _routes),
    Placeholder("处理人", "handler", _("handler"), lambda v: v.handler),
    Placeholder(
        "今天", "today", _("today's date"), lambda v: cn_date(timezone.localdate())
    ),
]
BY_NAME = {key: p for p in VOCABULARY for key in (p.name, p.alias)}


def known_list() -> str:
    return "、".join(f"{{{p.name}}}" for p in VOCABULARY)


BRACED = re.compile(r"\{([^{}]*)\}")


def unknown_in(text: str) -> list[str]:
    """Everything in braces that is not a placeholder of the list, and any
    brace left over ("{{投诉人}}" is not a placeholder but template code)."""
    text = text or ""
    unknown = {f"{{{m}}}" for m in BRACED.findall(text) if m not in BY_NAME}
    rest = PLACEHOLDER.sub(lambda m: "" if m.group(1) in BY_NAME else m.group(0), text)
    rest = BRACED.sub(lambda m: "" if m.group(0) in unknown else m.group(0), rest)
    unknown |= {ch for ch in rest if ch in "{}"}
    return sorted(unknown)


def validate(text: str) -> None:
    """Refuse a template text with a placeholder not in the list."""
    unknown = unknown_in(text)
    if unknown:
        raise ValidationError(
            UNKNOWN,
            params={
                "names": "、".join(unknown),
                "known": known_list(),
            },
            code="unknown_placeholder",
        )


def parse_amount(raw: Any) -> Decimal | None:
    """The redress typed in the draft form (may be empty or not a number)."""
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def fill(text: str, values: Values) -> str:
    """The text with each known placeholder replaced by its value."""

    def value(match: re.Match[str]) -> str:
        found = BY_NAME.get(match.group(1))
        return match.group(0) if found is None else found.value(values)

    return PLACEHOLDER.sub(value, text)


def help_text() -> str:
    return ", ".join(f"{{{p.name}}} {p.label}" for p in VOCABULARY)
