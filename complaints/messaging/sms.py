"""The pluggable SMS gateway that `send_notifications` sends text messages through.

Each insurer has its own provider (a carrier gateway, Alibaba Cloud SMS, Tencent
Cloud SMS, an in-house platform). Plugging one in takes three steps:

1. Write a class with a ``send(self, phone, text)`` method, usually a subclass
   of `SmsBackend`. It returns the provider's message id and raises `SmsError`
   when the provider refuses the message or cannot be reached::

       class AcmeSmsBackend(SmsBackend):
           def __init__(self) -> None:
               self.client = acme.Client(key=os.environ["ACME_SMS_KEY"])

           def send(self, phone: str, text: str) -> str:
               try:
                   return self.client.send(to=phone, body=text).message_id
               except acme.Error as exc:
                   raise SmsError(str(exc)) from exc

   Set a network timeout well below ten minutes: a claim older than that is
   taken over by another worker (see complaints.messaging.jobs).
2. Put it in any importable module and point the ``COMPLAINT_SMS_BACKEND``
   environment variable (setting of the same name) at its dotted path.
3. Run ``manage.py send_notifications`` and read the outbox in the admin.

The backend is built once per `send_notifications` run with no arguments, so
credentials come from the environment or settings, read in ``__init__``.
Delivery retries, back-off and giving up are the outbox's business, not the
backend's: raise `SmsError` and let the outbox schedule the next attempt.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider refused the message or could not be reached."""


class SmsBackend:
    """Base class of SMS gateways (the interface `send_notifications` relies on)."""

    def send(self, phone: str, text: str) -> str:
        """Send `text` to `phone`; return the provider's message id.

        Raise `SmsError` on any failure, never return an empty id for one.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    message_id: str


class LoggingSmsBackend(SmsBackend):
    """Default backend: logs the message and keeps it in `outbox` (no network).

    Like Django's locmem e-mail backend, `outbox` is shared by every instance
    so that tests can read what was sent; clear it between tests.
    """

    outbox: ClassVar[list[SmsMessage]] = []
    _ids: ClassVar[itertools.count[int]] = itertools.count(1)

    def send(self, phone: str, text: str) -> str:
        message_id = f"log-{next(self._ids)}"
        # Phone numbers are personal data: the log keeps only the last digits.
        logger.info(
            "SMS %s to ***%s (%d characters)", message_id, phone[-4:], len(text)
        )
        self.outbox.append(SmsMessage(phone=phone, text=text, message_id=message_id))
        return message_id


def get_sms_backend() -> SmsBackend:
    """An instance of the class named by settings.COMPLAINT_SMS_BACKEND."""
    path = settings.COMPLAINT_SMS_BACKEND
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"COMPLAINT_SMS_BACKEND {path!r} cannot be imported: {exc}"
        ) from exc
    backend = backend_class()
    if not callable(getattr(backend, "send", None)):
        raise ImproperlyConfigured(
            f"COMPLAINT_SMS_BACKEND {path!r} has no send(phone, text) method"
        )
    return backend  # type: ignore[no-any-return]
