"""Facts recorded after the decision that do not move the status."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.exceptions import ComplaintError
from complaints.models import Complaint
from complaints.services._common import lock, save
from organisations import permissions as P

S = Complaint.Status
REDRESS_NOT_DECIDED = gettext_lazy("Redress is paid only on a decided complaint.")
REDRESS_DATE = gettext_lazy("The payment cannot be dated before the decision.")
CALLBACK_NOT_CLOSED = gettext_lazy("The satisfaction callback follows closure.")
_DECIDED = {S.DECIDED, S.NOTIFIED, S.UNDER_REVIEW, S.REVIEWED, S.IN_MEDIATION, S.CLOSED}


@transaction.atomic
def complaint_record_redress(
    *, complaint: Complaint, actor: Any, amount: Decimal, paid_on: date
) -> Complaint:
    """Record the refund or compensation paid and when (DOMAIN.md C15)."""
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    if c.status not in _DECIDED:
        raise ComplaintError(REDRESS_NOT_DECIDED, code="not_decided")
    if c.decided_at and paid_on < c.decided_at.date():
        raise ComplaintError({"redress_paid_on": REDRESS_DATE})
    c.redress_amount, c.redress_paid_on = amount, paid_on
    return save(
        c,
        actor,
        _("Redress of %(amount)s yuan paid on %(day)s")
        % {"amount": amount, "day": paid_on},
    )


@transaction.atomic
def complaint_record_callback(
    *,
    complaint: Complaint,
    actor: Any,
    satisfaction: int,
    occurred_at: datetime,
    note: str = "",
) -> Complaint:
    """The satisfaction callback (回访) after closure; it counts in quality KPIs."""
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    if c.status != S.CLOSED:
        raise ComplaintError(CALLBACK_NOT_CLOSED, code="not_closed")
    c.satisfaction, c.callback_at, c.callback_note = satisfaction, occurred_at, note
    label = Complaint.Satisfaction(satisfaction).label
    return save(c, actor, _("Callback: %(result)s") % {"result": label})
