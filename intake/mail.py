"""E-mail intake: a mailbox bound to a channel client (channel "email").

Each new message becomes a complaint in the registered state, or, when it
answers a complaint already on file, inbound correspondence on that
complaint. A message is read once: its Message-ID is recorded in the same
transaction as the complaint, and only then flagged \\Seen on the server.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from complaints.models import Attachment, Code, Complaint, Correspondence
from complaints.services import (
    attachment_add,
    complaint_register,
    correspondence_record,
)
from intake.models import ChannelClient, IntakeSubmission, MailMessage
from intake.services import submission_record
from organisations import permissions

logger = logging.getLogger(__name__)

NUMBER_IN_TEXT = re.compile(r"TS[0-9]{4}-[0-9]{6}")
MESSAGE_ID = re.compile(r"<[^<>\s]{1,490}>")
# Only the latest references of a long thread are looked up.
MAX_REFERENCES = 50
# Code-list entries for what an e-mail does not say; the handler corrects them.
UNKNOWN_CODE = "other"
IMAP_TIMEOUT_SECONDS = 60
# What an EmailField stores (RFC 5321's path limit); validate_email allows 320.
MAX_ADDRESS_LENGTH = 254


class Outcome(StrEnum):
    REGISTERED = "registered"
    THREADED = "threaded"
    DUPLICATE = "duplicate"


@dataclass
class ParsedMail:
    raw: bytes
    message_id: str
    refers_to: list[str]
    sender_name: str
    sender: str
    subject: str
    body: str
    sent_at: datetime
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(msg.get(name, "") or "").split())
    except Exception:  # a header too broken to decode is treated as missing
        return ""


def _sender(msg: EmailMessage) -> tuple[str, str]:
    try:
        address = msg["From"].addresses[0]
        name, addr = str(address.display_name or ""), str(address.addr_spec or "")
    except Exception:
        return "", ""
    try:
        validate_email(addr)
    except ValidationError:
        addr = ""
    if len(addr) > MAX_ADDRESS_LENGTH:
        addr = ""
    return name.strip(), addr.lower()


def _sent_at(msg: EmailMessage, now: datetime) -> datetime:
    """The Date header, never later than now: a forged or missing date can
    only make the clock start earlier (the safe side), never later."""
    try:
        sent = parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return now
    if sent is None or timezone.is_naive(sent) or sent > now:
        return now
    return sent


def _text(part: Any) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    text = content if isinstance(content, str) else ""
    if part.get_content_type() == "text/html":
        text = strip_tags(text)
    return text.replace("\x00", "").strip()


def _file_name(name: str | None) -> str:
    cleaned = "".join(c for c in (name or "") if c.isprintable() and c not in "/\\")
    return cleaned.strip()[:200] or "attachment"


def mail_parse(raw: bytes, *, now: datetime | None = None) -> ParsedMail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    found = MESSAGE_ID.search(_header(msg, "Message-ID"))
    # No Message-ID: the content itself identifies the message.
    message_id = (
        found.group(0)
        if found
        else f"<sha256-{hashlib.sha256(raw).hexdigest()}@intake.invalid>"
    )
    references = _header(msg, "In-Reply-To") + " " + _header(msg, "References")
    name, sender = _sender(msg)
    body_part = msg.get_body(preferencelist=("plain", "html"))
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):  # e.g. a forwarded message/rfc822
            data = part.as_bytes()
        attachments.append(
            (_file_name(part.get_filename()), part.get_content_type(), data)
        )
    return ParsedMail(
        raw=raw,
        message_id=message_id,
        refers_to=MESSAGE_ID.findall(references)[-MAX_REFERENCES:],
        sender_name=name,
        sender=sender,
        subject=_header(msg, "Subject").replace("\x00", ""),
        body=_text(body_part) if body_part is not None else "",
        sent_at=_sent_at(msg, now or timezone.now()),
        attachments=attachments,
    )


def _thread_target(client: ChannelClient, mail: ParsedMail) -> Complaint | None:
    """The complaint a message answers, if any.

    By In-Reply-To/References of a message already read; otherwise by a
    complaint number in the subject, but only from the complainant's own
    address (or one that wrote on that complaint before), so a stranger
    quoting a number does not write into someone else's case file.
    """
    if mail.refers_to:
        seen = (
            MailMessage.objects.filter(client=client, message_id__in=mail.refers_to)
            .select_related("complaint")
            .order_by("-created_at")
            .first()
        )
        if seen is not None:
            return seen.complaint
    if not mail.sender:
        return None
    for number in NUMBER_IN_TEXT.findall(mail.subject):
        complaint = permissions.scope(
            Complaint.objects.filter(number=number),
            client.service_user,
            permissions.HANDLE,
        ).first()
        if complaint is None:
            continue
        wrote_before = MailMessage.objects.filter(
            client=client, complaint=complaint, sender=mail.sender
        ).exists()
        if complaint.email.lower() == mail.sender or wrote_before:
            return complaint
    return None


def mail_classify(*, client: ChannelClient, mail: ParsedMail) -> Outcome:
    """What mail_ingest would do, without doing it (for --dry-run)."""
    if MailMessage.objects.filter(client=client, message_id=mail.message_id).exists():
        return Outcome.DUPLICATE
    if _thread_target(client, mail) is not None:
        return Outcome.THREADED
    return Outcome.REGISTERED


def mail_ingest(*, client: ChannelClient, mail: ParsedMail) -> Outcome:
    """Register or thread one message, at most once per Message-ID."""
    try:
        with transaction.atomic():
            return _ingest(client, mail)
    except IntegrityError:
        # Another run recorded the same message first.
        seen = MailMessage.objects.filter(client=client, message_id=mail.message_id)
        if seen.exists():
            return Outcome.DUPLICATE
        raise


CASE_ENDED = (Complaint.Status.WITHDRAWN, Complaint.Status.ARCHIVED)


def _ingest(client: ChannelClient, mail: ParsedMail) -> Outcome:
    if MailMessage.objects.filter(client=client, message_id=mail.message_id).exists():
        return Outcome.DUPLICATE
    actor = client.service_user
    complaint = _thread_target(client, mail)
    if complaint is not None and complaint.status in CASE_ENDED:
        # Handling of that case ended for good (withdrawn) or its file is
        # archived: the message is a new submission.
        complaint = None
    entry = None
    if complaint is not None:
        summary = f"{mail.subject}\n\n{mail.body}".strip() or _("(empty message)")
        entry = correspondence_record(
            complaint=complaint,
            actor=actor,
            direction=Correspondence.Direction.INBOUND,
            method=Correspondence.Method.EMAIL,
            # A Date header before the complaint's receipt is not evidence.
            occurred_at=max(mail.sent_at, complaint.received_at),
            summary=summary,
        )
        outcome = Outcome.THREADED
    else:
        complaint = complaint_register(
            actor=actor,
            institution=client.institution,
            channel=client.channel,
            complainant_name=(mail.sender_name or mail.sender or _("(unknown sender)"))[
                :100
            ],
            email=mail.sender,
            product_line=Code.objects.get(
                kind=Code.Kind.PRODUCT_LINE, code=UNKNOWN_CODE
            ),
            category=Code.objects.get(kind=Code.Kind.CATEGORY, code=UNKNOWN_CODE),
            request=mail.subject or _("(no subject)"),
            facts=mail.body or _("(empty message)"),
            received_at=mail.sent_at,
        )
        submission_record(
            client=client,
            kind=IntakeSubmission.Kind.REGISTRATION,
            complaint=complaint,
            fingerprint=hashlib.sha256(mail.raw).hexdigest(),
        )
        outcome = Outcome.REGISTERED
    _attach(complaint, actor, mail)
    MailMessage.objects.create(
        client=client,
        message_id=mail.message_id,
        complaint=complaint,
        correspondence=entry,
        sender=mail.sender,
        subject=mail.subject[:255],
        sent_at=mail.sent_at,
    )
    return outcome


def _attach(complaint: Complaint, actor: Any, mail: ParsedMail) -> None:
    """Store the files, and the message itself as the written submission.

    A file the attachment rules refuse becomes a note in the case file, so
    the handler knows it was sent and why it is not there.
    """
    files = [
        (name, ctype, data, Attachment.Kind.EVIDENCE, _("E-mail attachment"))
        for name, ctype, data in mail.attachments
    ]
    files.append(
        (
            "message.eml",
            "message/rfc822",
            mail.raw,
            Attachment.Kind.SUBMISSION,
            _("The e-mail as received"),
        )
    )
    for name, content_type, data, kind, description in files:
        upload = SimpleUploadedFile(name, data, content_type=content_type)
        try:
            attachment_add(
                complaint=complaint,
                actor=actor,
                upload=upload,
                kind=kind,
                description=description,
            )
        except ValidationError as exc:
            correspondence_record(
                complaint=complaint,
                actor=actor,
                direction=Correspondence.Direction.INBOUND,
                method=Correspondence.Method.EMAIL,
                occurred_at=max(mail.sent_at, complaint.received_at),
                summary=_("Attachment “%(name)s” was not stored: %(reason)s")
                % {"name": name, "reason": " ".join(exc.messages)},
            )


# --- The mailbox ------------------------------------------------------------
@dataclass
class FetchSummary:
    registered: int = 0
    threaded: int = 0
    duplicate: int = 0
    failed: int = 0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)


def _connect(url: str) -> tuple[imaplib.IMAP4, str]:
    """Log in to imap://user:password@host:port/MAILBOX (imaps:// for TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError(_("Use imap://user:password@host:port/MAILBOX or imaps://…"))
    secure = parts.scheme == "imaps"
    port = parts.port or (993 if secure else 143)
    conn: imaplib.IMAP4
    if secure:
        conn = imaplib.IMAP4_SSL(parts.hostname, port, timeout=IMAP_TIMEOUT_SECONDS)
    else:
        conn = imaplib.IMAP4(parts.hostname, port, timeout=IMAP_TIMEOUT_SECONDS)
    try:
        conn.login(unquote(parts.username or ""), unquote(parts.password or ""))
    except imaplib.IMAP4.error:
        conn.shutdown()
        raise
    mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
    return conn, f'"{mailbox}"' if " " in mailbox else mailbox


def _message_bytes(data: list[Any]) -> bytes | None:
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    return None


def mailbox_fetch(
    *,
    client: ChannelClient,
    url: str,
    dry_run: bool = False,
    everything: bool = False,
) -> FetchSummary:
    """Read the unseen messages (all with `everything`) of the client's mailbox.

    Messages are fetched with BODY.PEEK[] so that reading alone never marks
    them: one is flagged \\Seen only after its transaction committed, and a
    failure leaves it unseen for the next run.
    """
    summary = FetchSummary()
    conn, mailbox = _connect(url)
    try:
        typ, detail = conn.select(mailbox, readonly=dry_run)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open {mailbox}: {detail!r}")
        _typ, found = conn.uid("SEARCH", "ALL" if everything else "UNSEEN")
        uids = [u.decode() for u in (found[0] or b"").split()] if found else []
        for uid in uids:
            _typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = _message_bytes(data)
            try:
                if raw is None:
                    raise ValueError(f"no message body for UID {uid}")
                mail = mail_parse(raw)
                if dry_run:
                    summary.count(mail_classify(client=client, mail=mail))
                    continue
                outcome = mail_ingest(client=client, mail=mail)
            except Exception:
                # One unreadable message must not block the mailbox.
                logger.exception("fetch_mail: message UID %s failed", uid)
                summary.failed += 1
                continue
            summary.count(outcome)
            conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            logger.warning("fetch_mail: logout failed", exc_info=True)
    return summary
