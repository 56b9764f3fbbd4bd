"""Views outside the admin: attachment downloads and the letters as sent.

Both are scoped like the workbench: a complaint or file outside the user's
scope answers 404, exactly like a missing one.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from complaints import services
from complaints.messaging import letters
from complaints.models import Attachment, Letter, PersonalDataAccess
from complaints.workbench import selectors
from organisations import permissions as P


@require_safe
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Stream an attachment as a download; never through a public media URL."""
    scoped = P.scope(
        Attachment.objects.all(), request.user, P.VIEW, via="complaint__institution"
    )
    attachment = scoped.filter(pk=pk).first()
    # An anonymised complaint's files are deleted (complaints.integrity.retention).
    if attachment is None or not attachment.file:
        raise Http404(P.NOT_FOUND)
    # The stored type is what the uploader's browser claimed: serve the type of
    # the (validated) extension instead.
    guessed, _encoding = mimetypes.guess_type(attachment.original_name)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=guessed or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


PDF_UNAVAILABLE = gettext_lazy(
    "The PDF cannot be produced on this server now; print the letter from its "
    "page instead, and tell the system administrator."
)


def _letter_in_scope(request: HttpRequest, pk: int) -> Letter:
    """The letter if the user may see its complaint; else 404, like a missing one."""
    scoped = P.scope(
        Letter.objects.select_related("complaint__institution"),
        request.user,
        P.VIEW,
        via="complaint__institution",
    )
    letter = scoped.filter(pk=pk).first()
    if letter is None:
        raise Http404(P.NOT_FOUND)
    return letter


@require_safe
@login_required
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored copy of a letter as it was sent: never rendered again.

    Addressed by name: masked for a role without the personal-data permission
    (who has no business printing it), logged for one with it.
    """
    stored = _letter_in_scope(request, pk)
    complaint = stored.complaint
    personal = selectors.can_see_personal_data(request.user, complaint)
    context: dict[str, Any] = {
        "letter": stored,
        "content": letters.shown_content(stored, personal_data=personal),
        "delivery": letters.delivery_label(stored),
        "pdf_url": reverse("complaints:letter_pdf", args=[stored.pk])
        if personal
        else "",
    }
    response = render(request, "complaints/letters/page.html", context)
    if personal:
        services.personal_data_shown(
            user=request.user,
            complaints=[complaint],
            surface=PersonalDataAccess.Surface.LETTER,
            detail=stored.kind,
        )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter's PDF, stored with it (rendered and stored on first request
    if the job has not done it yet). It carries the complainant's name as
    sent: only for a role with the personal-data permission."""
    stored = _letter_in_scope(request, pk)
    complaint = stored.complaint
    P.require(request.user, P.PERSONAL_DATA, complaint.institution)
    try:
        if not stored.pdf and complaint.status != complaint.Status.ARCHIVED:
            stored = services.letter_attach_pdf(letter=stored)
        data = stored.pdf.read() if stored.pdf else letters.render_pdf(stored)
    except letters.PdfUnavailable:
        # The operator's to fix (README: system packages); the HTML copy stays.
        return HttpResponse(
            PDF_UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=letters.pdf_filename(stored)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    services.personal_data_shown(
        user=request.user,
        complaints=[complaint],
        surface=PersonalDataAccess.Surface.LETTER,
        detail=f"{stored.kind}.pdf",
    )
    return response
