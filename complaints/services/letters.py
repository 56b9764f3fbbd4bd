"""Letters as sent: written once when their step happens, their PDF attached
once. Nothing else ever writes a letter (C21: the case file is append-only)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.exceptions import ComplaintError
from complaints.messaging import letters
from complaints.models import Complaint, Letter, Notification

logger = logging.getLogger(__name__)

CASE_FILE_CLOSED = gettext_lazy(
    "The case file of an archived complaint is closed: nothing is added to it."
)


def require_not_archived(complaint: Complaint) -> None:
    """An archived case file is frozen (C21): refuse any addition to it."""
    if complaint.status == Complaint.Status.ARCHIVED:
        raise ComplaintError(CASE_FILE_CLOSED, code="archived")


def letter_store(
    *,
    complaint: Complaint,
    kind: str,
    notices: Sequence[Notification],
    actor: Any = None,
    **extra: Any,
) -> Letter | None:
    """Write the letter of `kind` for the notice just queued in `notices`, in
    the caller's transaction (the caller holds the complaint's lock).

    Dated and sent today, through the outbox channels of `notices`, to the
    complainant by name. Kinds without a letter (none today) write nothing.
    """
    if kind not in letters.LETTER_KINDS:
        return None
    require_not_archived(complaint)
    now = timezone.now()
    title, content = letters.render_letter(
        complaint, kind, dated_on=timezone.localdate(now), **extra
    )
    last = Letter.objects.filter(complaint=complaint).aggregate(n=Max("sequence"))
    channels = [letters.CHANNEL_METHOD[n.channel] for n in notices]
    letter = Letter(
        complaint=complaint,
        kind=kind,
        sequence=(last["n"] or 0) + 1,
        extension=extra.get("extension") if kind == Letter.Kind.EXTENSION else None,
        title=title,
        recipient=complaint.complainant_name[:100],
        delivery=",".join(dict.fromkeys(channels))[:60],
        address="；".join(n.address for n in notices if n.address)[:300],
        dated_on=timezone.localdate(now),
        sent_at=now,
        content=content,
        content_sha256=letters.sha256(content),
        created_by=actor,
    )
    letter._history_user = actor  # type: ignore[attr-defined]
    letter._change_reason = _("Letter sent: %(title)s") % {"title": title}  # type: ignore[attr-defined]
    letter.full_clean(exclude=["complaint", "extension", "created_by"])
    letter.save()
    return letter


@transaction.atomic
def letter_attach_pdf(*, letter: Letter) -> Letter:
    """Render the stored letter to PDF and keep it with the letter, once.

    The PDF is made from the stored content, never from the complaint as it is
    now, so it shows what was sent whenever it is made. An archived case file
    takes nothing more: its letters' PDFs are then rendered for reading only
    (complaints.views.letter_pdf).
    """
    locked = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("complaint")
        .get(pk=letter.pk)
    )
    if locked.pdf:
        return locked
    require_not_archived(locked.complaint)
    data = letters.render_pdf(locked)
    locked.pdf.save(letters.pdf_filename(locked), ContentFile(data), save=False)
    locked.pdf_sha256 = letters.sha256(data)
    locked._history_user = None  # type: ignore[attr-defined]
    locked._change_reason = _("PDF of the letter stored")  # type: ignore[attr-defined]
    locked.save(update_fields=["pdf", "pdf_sha256"])
    return locked


def letter_attachment(*, letter: Letter) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of the letter for an e-mail: its stored
    PDF (stored now if the job has not done it yet; rendered without storing
    for an archived case file). Where the PDF cannot be made (README: the
    system packages), the letter as sent goes as an HTML file instead, so the
    complainant still receives the letter itself."""
    try:
        if not letter.pdf and letter.complaint.status != Complaint.Status.ARCHIVED:
            letter = letter_attach_pdf(letter=letter)
        data = letter.pdf.read() if letter.pdf else letters.render_pdf(letter)
    except letters.PdfUnavailable:
        logger.warning("Letter %s e-mailed as HTML: no PDF renderer", letter.pk)
        name = letters.pdf_filename(letter).removesuffix(".pdf") + ".html"
        return name, letters.render_html_file(letter).encode(), "text/html"
    return letters.pdf_filename(letter), data, "application/pdf"


def letters_render_missing_pdfs(*, dry_run: bool = False, limit: int = 500) -> int:
    """Attach the PDF of every letter that has none yet (open case files only);
    how many were (or, with `dry_run`, would be) rendered. Idempotent."""
    pending = (
        Letter.objects.filter(pdf="")
        .exclude(complaint__status=Complaint.Status.ARCHIVED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(pending)
    if dry_run:
        return len(ids)
    done = 0
    for pk in ids:
        try:
            letter_attach_pdf(letter=Letter(pk=pk))
        except letters.PdfUnavailable:
            raise
        except Exception:  # one bad letter must not stop the others
            logger.exception("PDF of letter %s could not be rendered", pk)
            continue
        done += 1
    return done
