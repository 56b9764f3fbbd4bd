"""Reply and decision templates: kept by compliance, filled in for handlers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from complaints.models import Complaint, ReplyTemplate
from complaints.rules import placeholders
from complaints.workbench import selectors
from organisations import permissions as P

FIELDS = ("institution", "name", "use", "category", "outcome", "body", "is_active")


@transaction.atomic
def reply_template_save(
    *, actor: Any, template: ReplyTemplate | None = None, **fields: Any
) -> ReplyTemplate:
    """Create (`template` None) or change a template; compliance of the
    institution it belongs to (and, when it moves, of both)."""
    if template is None:
        template = ReplyTemplate()
        reason = _("Template created")
    else:
        template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
        P.require(actor, P.TEMPLATES, template.institution)
        reason = _("Template changed")
    for name, value in fields.items():
        if name not in FIELDS:
            raise TypeError(name)
        setattr(template, name, value)
    P.require(actor, P.TEMPLATES, template.institution)
    placeholders.validate(template.body)
    template._history_user = actor  # type: ignore[attr-defined]
    template._change_reason = reason  # type: ignore[attr-defined]
    template.full_clean()
    template.save()
    return template


def reply_templates_for(
    *, complaint: Complaint, user: Any, use: str | None = None
) -> QuerySet[ReplyTemplate]:
    """The active templates a handler of `complaint` may insert: those of its
    institution and the institutions above, for its category (or any)."""
    if not P.has(user, P.HANDLE, complaint.institution):
        return ReplyTemplate.objects.none()
    templates = ReplyTemplate.objects.filter(
        is_active=True,
        institution__path__in=P.ancestor_paths(complaint.institution.path),
    ).filter(Q(category__isnull=True) | Q(category_id=complaint.category_id))
    if use is not None:
        templates = templates.filter(use=use)
    return templates.order_by("name")


def reply_template_fill(
    *, template: ReplyTemplate, complaint: Complaint, user: Any, amount: Any = ""
) -> str:
    """The template's text for this complaint; the complainant's name masked
    for a user who may not see it. `amount` is the redress typed in the draft
    (the stored one when empty)."""
    name = selectors.complainant_shown(user, complaint)[0]
    typed = placeholders.parse_amount(amount)
    values = placeholders.Values(
        complaint=complaint,
        complainant=name,
        handler=selectors.person_name(complaint.handler),
        amount=typed if typed is not None else complaint.redress_amount,
    )
    return placeholders.fill(template.body, values)
