"""Views outside the admin: attachment downloads and printable notices.

Both are scoped like the workbench: a complaint or file outside the user's
scope answers 404, exactly like a missing one.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from complaints import deadlines, selectors, services
from complaints.models import Attachment, Complaint, PersonalDataAccess
from organisations import permissions as P


@require_safe
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Stream an attachment as a download; never through a public media URL."""
    scoped = P.scope(
        Attachment.objects.all(), request.user, P.VIEW, via="complaint__institution"
    )
    attachment = scoped.filter(pk=pk).first()
    # An anonymised complaint's files are deleted (complaints.retention).
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


@require_safe
@login_required
def letter(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A printable A4 notice to the complainant, always in Chinese."""
    if kind not in selectors.LETTER_KINDS:
        raise Http404(P.NOT_FOUND)
    complaint = P.get_in_scope(
        Complaint.objects.select_related("institution__parent", "channel"),
        request.user,
        P.VIEW,
        pk=pk,
    )
    if not selectors.letter_available(complaint, kind):
        raise Http404(P.NOT_FOUND)
    # Addressed by name: masked for a role without the personal-data
    # permission (who has no business printing it), logged for one with it.
    complainant_name = selectors.complainant_shown(request.user, complaint)[0]
    context: dict[str, Any] = {
        "complaint": complaint,
        "complainant_name": complainant_name,
        "institution": complaint.institution,
        "upper": complaint.institution.parent,
        "today": timezone.localdate(),
        "review_days": deadlines.REVIEW_APPLICATION_DAYS,
        "extension": complaint.extensions.order_by("-level").first()
        if kind == "extension"
        else None,
    }
    with translation.override("zh-hans"):
        response = render(request, f"complaints/letters/{kind}.html", context)
    services.personal_data_shown(
        user=request.user,
        complaints=[complaint],
        surface=PersonalDataAccess.Surface.LETTER,
        detail=kind,
    )
    response["Cache-Control"] = "private, no-store"
    return response
