"""Dates of real events are evidence (DESIGN.md; issue 14 point 5).

A date or time recording what a complainant or a staff member did (receipt,
pause start and end, new facts, withdrawal, notice, review application,
mediation referral, payment, callback) is never in the future, never before
the complaint was received, and a notice is never before the decision it
notifies. The services call these checks, so every door (admin, API, import,
mail, commands) gets them; the forms call them too for a message on the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.exceptions import ComplaintError

IN_THE_FUTURE = _(
    "%(what)s cannot be in the future: %(day)s is after today (%(today)s). "
    "Record what happened when it has happened."
)
BEFORE_RECEIPT = _(
    "%(what)s cannot be dated %(day)s, before the complaint was received "
    "(%(received)s)."
)
BEFORE_EVENT = _("%(what)s cannot be dated %(day)s, before %(event)s (%(earliest)s).")


def day_of(value: date | datetime) -> date:
    """The local calendar day of a date or an aware datetime."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return timezone.localdate(value)
    return value


def _is_future(value: date | datetime) -> bool:
    if isinstance(value, datetime):
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return aware > timezone.now()
    return value > timezone.localdate()


def not_in_future(value: date | datetime | None, field: str, what: Any) -> None:
    """Refuse a time after now (a date after today)."""
    if value is None or not _is_future(value):
        return
    raise ComplaintError(
        {
            field: ComplaintError(
                IN_THE_FUTURE,
                code="future",
                params={
                    "what": what,
                    "day": day_of(value).isoformat(),
                    "today": timezone.localdate().isoformat(),
                },
            )
        }
    )


def not_before(
    value: date | datetime | None,
    earliest: date | datetime | None,
    field: str,
    what: Any,
    event: Any,
) -> None:
    """Refuse a date before `earliest` (the event it follows), compared by day."""
    if value is None or earliest is None:
        return
    if day_of(value) < day_of(earliest):
        raise ComplaintError(
            {
                field: ComplaintError(
                    BEFORE_EVENT,
                    code="before_event",
                    params={
                        "what": what,
                        "day": day_of(value).isoformat(),
                        "event": event,
                        "earliest": day_of(earliest).isoformat(),
                    },
                )
            }
        )


def check_event(
    complaint: Any, value: date | datetime | None, field: str, what: Any
) -> None:
    """An event of `complaint`: not in the future, not before its receipt."""
    not_in_future(value, field, what)
    if value is None or complaint.received_at is None:
        return
    received = day_of(complaint.received_at)
    if day_of(value) < received:
        raise ComplaintError(
            {
                field: ComplaintError(
                    BEFORE_RECEIPT,
                    code="before_receipt",
                    params={
                        "what": what,
                        "day": day_of(value).isoformat(),
                        "received": received.isoformat(),
                    },
                )
            }
        )
