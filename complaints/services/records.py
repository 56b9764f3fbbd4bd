"""The case file: correspondence, attachments, recusals."""

from __future__ import annotations

import hashlib
import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import exceptions as E
from complaints.exceptions import ComplaintError
from complaints.models import (
    OPEN_STATUSES,
    Attachment,
    Complaint,
    Correspondence,
    Recusal,
)
from complaints.services._common import lock, require_may_act, save
from complaints.services.schedule import restart_clock
from complaints.timing import evidence
from organisations import permissions as P

FILE_TOO_LARGE = gettext_lazy("The file is larger than %(max)d MB.")
FILE_TYPE = gettext_lazy(
    "Files of type “%(ext)s” are not accepted. Accepted: %(allowed)s."
)
FILE_CONTENT = gettext_lazy("The file's content does not match its “%(ext)s” name.")

# Magic numbers of the binary formats accepted, so a renamed executable is refused.
_SIGNATURES = {
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
    ".zip": [b"PK\x03\x04"],
}


@transaction.atomic
def correspondence_record(
    *,
    complaint: Complaint,
    actor: Any,
    direction: str,
    method: str,
    occurred_at: datetime,
    summary: str,
    new_facts: bool = False,
) -> Correspondence:
    if not summary.strip():
        raise ComplaintError({"summary": E.REASON_REQUIRED})
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "correspondence")
    evidence.check_event(c, occurred_at, "occurred_at", _("The correspondence"))
    entry = Correspondence(
        complaint=c,
        direction=direction,
        method=method,
        occurred_at=occurred_at,
        summary=summary,
        new_facts=new_facts,
        recorded_by=actor,
    )
    entry._history_user = actor  # type: ignore[attr-defined]
    entry.full_clean()
    entry.save()
    inbound = direction == Correspondence.Direction.INBOUND
    if new_facts and inbound and c.status in OPEN_STATUSES:
        from django.utils import timezone

        restart_clock(c, actor, timezone.localdate(occurred_at))
    return entry


def validate_upload(upload: UploadedFile) -> None:
    """Size and type checks; raises ValidationError with a translated reason."""
    max_mb = settings.COMPLAINT_ATTACHMENT_MAX_MB
    if upload.size and upload.size > max_mb * 1024 * 1024:
        raise ValidationError(FILE_TOO_LARGE, params={"max": max_mb}, code="too_large")
    ext = Path(upload.name or "").suffix.lower()
    allowed = settings.COMPLAINT_ATTACHMENT_EXTENSIONS
    if ext not in allowed:
        raise ValidationError(
            FILE_TYPE,
            params={"ext": ext or "?", "allowed": " ".join(allowed)},
            code="type",
        )
    if ext in _SIGNATURES:
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(sig) for sig in _SIGNATURES[ext]):
            raise ValidationError(FILE_CONTENT, params={"ext": ext}, code="content")


@transaction.atomic
def attachment_add(
    *,
    complaint: Complaint,
    actor: Any,
    upload: UploadedFile,
    kind: str,
    description: str = "",
) -> Attachment:
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "attachment")
    validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        complaint=c,
        kind=kind,
        file=upload,
        original_name=Path(upload.name or "file").name[:200],
        # The browser's declared type is not trusted: derive it from the checked name.
        content_type=mimetypes.guess_type(upload.name or "")[0]
        or "application/octet-stream",
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        description=description,
        uploaded_by=actor,
    )
    attachment._history_user = actor  # type: ignore[attr-defined]
    # The storage shortens an over-long file name itself on save.
    attachment.full_clean(exclude=["file"])
    attachment.save()
    return attachment


@transaction.atomic
def recusal_declare(
    *, complaint: Complaint, actor: Any, user: Any, reason: str
) -> Recusal:
    """Record a conflict of interest (回避); a recused handler is taken off the case."""
    if not reason.strip():
        raise ComplaintError({"reason": E.REASON_REQUIRED})
    c = lock(complaint)
    if user != actor:
        P.require(actor, P.ASSIGN, c.institution)
        require_may_act(c, actor, "recuse")
    else:
        # Stepping aside is open to the conflicted person themselves.
        P.require(actor, P.VIEW, c.institution)
        require_may_act(c, None, "recuse")
    recusal = Recusal.objects.filter(complaint=c, user=user).first()
    if recusal is None:
        recusal = Recusal(complaint=c, user=user, reason=reason, declared_by=actor)
        recusal._history_user = actor  # type: ignore[attr-defined]
        recusal.full_clean()
        recusal.save()
    if c.handler_id == user.pk:
        c.handler = None
        save(c, actor, _("Handler recused: %(reason)s") % {"reason": reason})
    return recusal


NOT_INBOUND = gettext_lazy(
    "Only something the complainant sent brings new facts: choose an inbound "
    "entry of this complaint's file."
)
CLOCK_STOPPED = gettext_lazy(
    "The decision clock of this complaint is no longer running: new facts no "
    "longer restart it."
)


@transaction.atomic
def correspondence_mark_new_facts(
    *, complaint: Complaint, actor: Any, entry: Correspondence
) -> Correspondence:
    """Record that an inbound entry already in the file (a threaded e-mail, a
    message through the API, a merged repeat complaint) brought new facts or
    grounds: the limit restarts from the day it was received, not the day it
    was marked (Measures art. 18)."""
    c = lock(complaint)
    P.require(actor, P.HANDLE, c.institution)
    require_may_act(c, actor, "new_facts")
    found = Correspondence.objects.filter(pk=entry.pk, complaint=c).first()
    if found is None or found.direction != Correspondence.Direction.INBOUND:
        raise ComplaintError({"entry": NOT_INBOUND})
    if c.status not in OPEN_STATUSES:
        raise ComplaintError(CLOCK_STOPPED, code="not_open")
    if not found.new_facts:
        found.new_facts = True
        found._history_user = actor  # type: ignore[attr-defined]
        found._change_reason = _("Marked as new facts")  # type: ignore[attr-defined]
        found.save()
    from django.utils import timezone

    restart_clock(c, actor, timezone.localdate(found.occurred_at))
    return found
