"""Accepting a coding suggestion: the one write of the coding feature.

The model suggests; only this service, called when a person presses “accept”,
changes a code, through the complaint's audited save (one history row with
who and why) and a CodingAcceptance row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.exceptions import ComplaintError
from complaints.models import Code, Complaint
from complaints.services._common import lock, require_may_act, save
from insight import classifier
from insight.models import CodingAcceptance
from organisations import permissions as P

SUGGESTION_GONE = gettext_lazy(
    "The model no longer suggests this code for the case (its text or the model "
    "changed since the page was shown). Reload the case page to see the current "
    "suggestion."
)
ACTION = "accept_coding_suggestion"


@transaction.atomic
def coding_suggestion_accept(
    *,
    complaint: Complaint,
    actor: Any,
    field: str,
    code: Code,
    expected_version: datetime | None = None,
) -> CodingAcceptance:
    """Set the case's `field` to the code the current model suggests for it.

    Refused (PermissionDenied) without the handling permission on the case's
    institution, or (ComplaintError) when the model does not suggest `code`
    now: a person accepts what was shown, never an arbitrary code by this door.
    """
    if field not in classifier.FIELDS:
        raise ComplaintError({field: SUGGESTION_GONE})
    c = lock(complaint, expected_version=expected_version)
    if not P.has(actor, P.HANDLE, c.institution):
        raise PermissionDenied(P.NOT_ALLOWED)
    require_may_act(c, actor, ACTION)
    record, suggestions = classifier.coding_suggest(complaint=c)
    suggestion = suggestions.get(field)
    if suggestion is None or suggestion.code_id != code.pk or code.kind != field:
        raise ComplaintError(SUGGESTION_GONE, code="suggestion_gone")
    previous = getattr(c, field)
    setattr(c, field, code)
    save(
        c,
        actor,
        _("Coding suggestion accepted: %(list)s %(old)s → %(new)s (model v%(v)s)")
        % {
            "list": classifier.FIELD_LABELS[field],
            "old": previous or "—",
            "new": code,
            "v": record.version,
        },
    )
    return CodingAcceptance.objects.create(
        complaint=c,
        field=field,
        previous=previous,
        accepted=code,
        confidence=suggestion.confidence,
        model=record,
        accepted_by=actor,
        accepted_at=timezone.now(),
    )
