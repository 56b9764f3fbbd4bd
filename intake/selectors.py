"""Reads of the intake API: a client sees only the complaints it registered,
except that a client allowed to record satisfaction callbacks reaches the
closed complaints of its institution's subtree for that one purpose."""

from __future__ import annotations

import hmac
import re
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.rules import identifiers
from intake.models import ChannelClient, IntakeSubmission
from organisations import permissions

NUMBER_PATTERN = r"TS[0-9]{4}-[0-9]{6}"
_NUMBER = re.compile(rf"^{NUMBER_PATTERN}$")
# The verification factor of the public lookup: the phone's last four digits.
PHONE_FACTOR_DIGITS = 4


def client_complaints(*, client: ChannelClient) -> QuerySet[Complaint]:
    """The complaints `client` registered, newest first.

    Still narrowed by the service user's permission scope: a client moved to
    another institution does not keep reading the old one's cases.
    """
    own = IntakeSubmission.objects.filter(
        client=client, kind=IntakeSubmission.Kind.REGISTRATION
    ).values("complaint_id")
    queryset = Complaint.objects.filter(pk__in=own).select_related(
        "channel", "institution"
    )
    return permissions.scope(queryset, client.service_user, permissions.VIEW).order_by(
        "-received_at", "-pk"
    )


def client_complaint(*, client: ChannelClient, number: str) -> Complaint:
    """One of the client's own complaints; anything else is NotFound, exactly
    as for a number that does not exist."""
    if not _NUMBER.match(number):
        raise permissions.NotFound(permissions.NOT_FOUND)
    complaint = client_complaints(client=client).filter(number=number).first()
    if complaint is None:
        raise permissions.NotFound(permissions.NOT_FOUND)
    return complaint


def is_complaint_number(number: str) -> bool:
    return bool(_NUMBER.match(number))


def complaint_for_lookup(*, number: str, phone_last4: str) -> Complaint | None:
    """The complaint a complainant may look up, or None.

    A wrong factor, a complaint without a phone number and an unknown number
    all give None: the caller cannot tell them apart.
    """
    complaint = None
    if _NUMBER.match(number):
        complaint = Complaint.objects.filter(number=number).first()
    # The number without an extension: the complainant knows it as theirs.
    digits = identifiers.phone_lookup_digits(complaint.phone) if complaint else ""
    expected = (
        digits[-PHONE_FACTOR_DIGITS:] if len(digits) >= PHONE_FACTOR_DIGITS else ""
    )
    matches = hmac.compare_digest(
        (expected or "-" * PHONE_FACTOR_DIGITS).encode(), phone_last4.encode()
    )
    return complaint if expected and matches else None


# --- Satisfaction callbacks (a call centre's work) ----------------------------
NOT_A_CALLBACK_CLIENT = _(
    "This channel client does not record satisfaction callbacks; a system "
    "administrator can allow it in the channel client's settings."
)


# A callback not made within this time after it fell due leaves the list (a
# range of the indexed due date, however many cases have closed).
CALLBACKS_LISTED_FOR = timedelta(days=90)


def _require_callbacks(client: ChannelClient) -> None:
    if not client.records_callbacks:
        raise PermissionDenied(NOT_A_CALLBACK_CLIENT)


def callbacks_due(*, client: ChannelClient, today: date) -> QuerySet[Complaint]:
    """Closed complaints in the client's institution and below whose callback
    is due by `today` and not yet made (an attempt that did not reach the
    complainant leaves it due), the longest waiting first."""
    _require_callbacks(client)
    queryset = Complaint.objects.filter(
        status=Complaint.Status.CLOSED,
        callback_due__lte=today,
        callback_due__gte=today - CALLBACKS_LISTED_FOR,
    ).filter(Q(callback_at__isnull=True) | Q(satisfaction=0))
    return (
        permissions.scope(queryset, client.service_user, permissions.HANDLE)
        .select_related("institution", "handler")
        .order_by("callback_due", "pk")
    )


def callback_complaint(*, client: ChannelClient, number: str) -> Complaint:
    """A complaint in the client's scope whose callback it may record; any
    other number answers like a missing one."""
    _require_callbacks(client)
    complaint = None
    if _NUMBER.match(number):
        complaint = permissions.scope(
            Complaint.objects.filter(number=number),
            client.service_user,
            permissions.HANDLE,
        ).first()
    if complaint is None:
        raise permissions.NotFound(permissions.NOT_FOUND)
    return complaint
