"""Facts recorded after the decision that do not move the status: the redress
payment and the satisfaction callback (回访), and the callback's schedule."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.exceptions import ComplaintError
from complaints.models import Complaint
from complaints.models.complaint import REDRESS_PAYABLE
from complaints.services._common import lock, require_may_act, save
from complaints.timing import evidence
from complaints.timing.deadlines import add_working_days
from complaints.timing.workdays import DatabaseCalendar
from organisations import permissions as P

S = Complaint.Status
REDRESS_NOT_DECIDED = gettext_lazy("Redress is paid only on a decided complaint.")
REDRESS_DATE = gettext_lazy("The payment cannot be dated before the decision.")
REDRESS_AMOUNT = gettext_lazy("The amount paid must be more than 0 yuan.")
REDRESS_METHOD = gettext_lazy("Say how the redress was paid.")
CALLBACK_NOT_CLOSED = gettext_lazy("The satisfaction callback follows closure.")
CALLBACK_DATE = gettext_lazy("The callback cannot be dated before the closure.")
CALLBACK_DONE = gettext_lazy(
    "A callback that reached the complainant was already recorded on %(day)s."
)
CALLBACK_WORDS = gettext_lazy(
    "Write down what the complainant said: a callback that reached them is "
    "recorded with their words."
)
CALLBACK_CALLER = gettext_lazy("Name the person who made the call.")


def _not_before(field: str, day: date, earliest: date | None, message: Any) -> None:
    """A date of a real event is never before the event it follows (DESIGN.md:
    dates are evidence). Both payment and callback dates pass through here."""
    if earliest is not None and day < earliest:
        raise ComplaintError({field: message})


@transaction.atomic
def complaint_record_redress(
    *,
    complaint: Complaint,
    actor: Any,
    amount: Decimal,
    paid_on: date,
    method: str,
    reference: str = "",
    expected_version: datetime | None = None,
) -> Complaint:
    """Record the refund or compensation paid: the amount (in total), the day,
    how and the payment's reference (DOMAIN.md C15). Recording again corrects
    or completes the record; the history keeps every version."""
    c = lock(complaint, expected_version=expected_version)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "record_redress")
    if c.status not in REDRESS_PAYABLE:
        raise ComplaintError(REDRESS_NOT_DECIDED, code="not_decided")
    errors: dict[str, Any] = {}
    if amount is None or amount <= 0:
        errors["redress_amount"] = REDRESS_AMOUNT
    if not method:
        errors["redress_method"] = REDRESS_METHOD
    if errors:
        raise ComplaintError(errors)
    evidence.not_in_future(paid_on, "redress_paid_on", _("The payment"))
    decided_on = timezone.localdate(c.decided_at) if c.decided_at else None
    _not_before("redress_paid_on", paid_on, decided_on, REDRESS_DATE)
    c.redress_amount, c.redress_paid_on = amount, paid_on
    c.redress_method, c.redress_reference = method, reference.strip()
    # An unknown method is refused by full_clean in save(), with its field.
    label = dict(Complaint.RedressMethod.choices).get(method, method)
    return save(
        c,
        actor,
        _("Redress of %(amount)s yuan paid on %(day)s by %(method)s")
        % {"amount": amount, "day": paid_on, "method": label},
    )


@transaction.atomic
def complaint_record_callback(
    *,
    complaint: Complaint,
    actor: Any,
    satisfaction: int,
    occurred_at: datetime,
    called_by: str = "",
    note: str = "",
    expected_version: datetime | None = None,
) -> Complaint:
    """The satisfaction callback (回访) after closure: when, who called, the
    result and the complainant's words; it counts in the quality KPIs.

    An attempt that did not reach the complainant may be followed by another;
    once one reached them, the result stands.
    """
    from complaints.workbench.selectors import person_name

    c = lock(complaint, expected_version=expected_version)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "record_callback")
    if c.status != S.CLOSED:
        raise ComplaintError(CALLBACK_NOT_CLOSED, code="not_closed")
    if c.callback_at is not None and (c.satisfaction or 0) >= 1:
        raise ComplaintError(
            CALLBACK_DONE,
            code="callback_done",
            params={"day": timezone.localdate(c.callback_at).isoformat()},
        )
    reached = satisfaction != Complaint.Satisfaction.UNREACHABLE
    if reached and not note.strip():
        raise ComplaintError({"callback_note": CALLBACK_WORDS})
    caller = (called_by or "").strip() or person_name(actor)
    if not caller:
        raise ComplaintError({"callback_by": CALLBACK_CALLER})
    evidence.not_in_future(occurred_at, "callback_at", _("The callback"))
    closed_on = timezone.localdate(c.closed_at) if c.closed_at else None
    _not_before(
        "callback_at", timezone.localdate(occurred_at), closed_on, CALLBACK_DATE
    )
    c.satisfaction, c.callback_at = satisfaction, occurred_at
    c.callback_by, c.callback_note = caller[:100], note.strip()
    label = dict(Complaint.Satisfaction.choices).get(satisfaction, satisfaction)
    return save(c, actor, _("Callback: %(result)s") % {"result": label})


def schedule_callback(complaint: Complaint, calendar: Any = None) -> None:
    """Set the day the satisfaction callback is due, COMPLAINT_CALLBACK_WORKING_DAYS
    working days after closure (fields only; the closing service saves).
    A setting of 0 schedules none."""
    days = int(settings.COMPLAINT_CALLBACK_WORKING_DAYS)
    if days <= 0 or complaint.closed_at is None:
        complaint.callback_due = None
        return
    closed_on = timezone.localdate(complaint.closed_at)
    complaint.callback_due = add_working_days(
        closed_on, days, calendar or DatabaseCalendar()
    )
