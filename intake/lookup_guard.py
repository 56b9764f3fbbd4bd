"""The public status lookup's lockout, and the complainant's way past it.

The lookup's second factor is the last four digits of the phone: ten thousand
values. Per minute limits alone let an attacker try every one in a day, and
let anyone keep a complainant's own lookups blocked. So, per complaint number:

- after LOOKUP_FREE_FAILURES failed tries the number is locked, for
  LOOKUP_LOCK_SECONDS, doubling with each further failure up to
  LOOKUP_LOCK_MAX_SECONDS (a locked number answers 429, known or not);
- the complainant can always ask for a one-time code, sent by SMS to the
  phone on record (complaints.messaging.sms), and look the status up with it even while
  the number is locked. A code lives LOOKUP_CODE_MINUTES, allows
  LOOKUP_CODE_ATTEMPTS tries; at most LOOKUP_CODES_PER_DAY are sent per number,
  one per LOOKUP_CODE_INTERVAL_SECONDS.

Every answer is the same for a number that does not exist.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.messaging.sms import SmsError, get_sms_backend
from complaints.models import Complaint
from intake import selectors
from intake.models import LookupGuard

logger = logging.getLogger(__name__)

LOOKUP_FREE_FAILURES = 5
LOOKUP_LOCK_SECONDS = 60
LOOKUP_LOCK_MAX_SECONDS = 24 * 3600
LOOKUP_CODE_MINUTES = 10
LOOKUP_CODE_ATTEMPTS = 5
LOOKUP_CODES_PER_DAY = 5
LOOKUP_CODE_INTERVAL_SECONDS = 60
CODE_DIGITS = 6


@dataclass(frozen=True)
class Outcome:
    complaint: Complaint | None = None
    retry_after: int | None = None  # locked: seconds until the next try


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def lock_seconds(failures: int) -> int:
    """The lock after `failures` failed tries: none within the free ones, then
    the base doubling with each further failure, capped."""
    free = _setting("LOOKUP_FREE_FAILURES", LOOKUP_FREE_FAILURES)
    if failures < free:
        return 0
    base = _setting("LOOKUP_LOCK_SECONDS", LOOKUP_LOCK_SECONDS)
    cap = _setting("LOOKUP_LOCK_MAX_SECONDS", LOOKUP_LOCK_MAX_SECONDS)
    return int(min(cap, base * 2 ** min(failures - free, 32)))


def _guard(number: str) -> LookupGuard | None:
    if not selectors.is_complaint_number(number):
        return None  # malformed: nothing to guard, nothing to find
    LookupGuard.objects.get_or_create(number=number)
    return LookupGuard.objects.select_for_update().get(number=number)


def _digest(number: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"lookup:{number}:{code}".encode(), hashlib.sha256).hexdigest()


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


@transaction.atomic
def lookup(*, number: str, phone_last4: str = "", code: str = "") -> Outcome:
    """The complaint for a status lookup, or why not (None: not found)."""
    now = timezone.now()
    guard = _guard(number)
    if guard is None:
        return Outcome()
    if code:
        return _with_code(guard, code, now)
    if guard.locked_until and guard.locked_until > now:
        return Outcome(retry_after=_seconds_until(guard.locked_until, now))
    complaint = selectors.complaint_for_lookup(number=number, phone_last4=phone_last4)
    if complaint is None:
        guard.failures += 1
        seconds = lock_seconds(guard.failures)
        guard.locked_until = now + timedelta(seconds=seconds) if seconds else None
    else:
        guard.failures, guard.locked_until = 0, None
    guard.save()
    return Outcome(complaint)


def _with_code(guard: LookupGuard, code: str, now: datetime) -> Outcome:
    valid = (
        guard.code_digest
        and guard.code_expires_at
        and guard.code_expires_at > now
        and guard.code_attempts < _setting("LOOKUP_CODE_ATTEMPTS", LOOKUP_CODE_ATTEMPTS)
    )
    if valid and hmac.compare_digest(guard.code_digest, _digest(guard.number, code)):
        # The complainant is back in: the lock and the code are spent.
        guard.failures, guard.locked_until = 0, None
        guard.code_digest, guard.code_expires_at, guard.code_attempts = "", None, 0
        guard.save()
        return Outcome(Complaint.objects.filter(number=guard.number).first())
    guard.code_attempts += 1
    guard.save(update_fields=["code_attempts"])
    return Outcome()


@transaction.atomic
def send_code(*, number: str) -> int | None:
    """Send a one-time code to the phone on record of complaint `number`.

    Returns None when done (or when there is nothing to send to: the caller
    answers alike), else the seconds until another code may be asked for.
    """
    now = timezone.now()
    guard = _guard(number)
    if guard is None:
        return None
    today = timezone.localdate(now)
    if guard.codes_sent_on != today:
        guard.codes_sent_on, guard.codes_sent = today, 0
    interval = timedelta(
        seconds=_setting("LOOKUP_CODE_INTERVAL_SECONDS", LOOKUP_CODE_INTERVAL_SECONDS)
    )
    if guard.code_sent_at and guard.code_sent_at + interval > now:
        return _seconds_until(guard.code_sent_at + interval, now)
    if guard.codes_sent >= _setting("LOOKUP_CODES_PER_DAY", LOOKUP_CODES_PER_DAY):
        tomorrow = timezone.make_aware(
            datetime.combine(today + timedelta(days=1), datetime.min.time())
        )
        return _seconds_until(tomorrow, now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = _setting("LOOKUP_CODE_MINUTES", LOOKUP_CODE_MINUTES)
    guard.code_digest = _digest(number, code)
    guard.code_expires_at = now + timedelta(minutes=minutes)
    guard.code_attempts = 0
    guard.code_sent_at = now
    guard.codes_sent += 1
    guard.save()
    complaint = Complaint.objects.filter(number=number).only("phone").first()
    if complaint is not None and complaint.phone:
        text = _(
            "Verification code for the status of complaint %(number)s: %(code)s "
            "(valid %(minutes)d minutes). Do not give it to anyone."
        ) % {"number": number, "code": code, "minutes": minutes}
        try:
            get_sms_backend().send(complaint.phone, text)
        except SmsError:
            # The same answer either way; the complainant asks again later.
            logger.warning("Status lookup code for %s not sent", number)
    return None
