"""Writes behind the regulator basis: the product-line mapping and the
regulator's published figures. Each checks the actor, validates, and saves
with the actor and reason in the history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Code
from organisations import permissions as P
from organisations.models import Institution, Membership
from reporting.models import ProductLineMapping, RegulatorFigure, RegulatorLine
from reporting.periods import Period
from reporting.services import _save

ONLY_HEAD_OFFICE_COMPLIANCE = gettext_lazy(
    "The product-line mapping is the company's: only a compliance officer of "
    "the head office (or a system administrator) changes it."
)


def is_company_compliance(user: Any) -> bool:
    """Compliance held on a root of the tree (head office), or a superuser."""
    if P.is_global(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    # Asked by each permission check of the admin's menu: read once per request
    # (request.user lives for one request), so list pages keep their budget.
    cached = getattr(user, "_cd_company_compliance", None)
    if cached is None and not P.has_role_anywhere(user, Membership.Role.COMPLIANCE):
        cached = False  # from the grants already cached: no query
    if cached is None:
        cached = any(
            Membership.Role.COMPLIANCE in P.roles_on(user, root)
            for root in Institution.objects.filter(parent__isnull=True)
        )
        user._cd_company_compliance = cached
    return bool(cached)


@transaction.atomic
def product_line_mapping_set(
    *, actor: Any, product_line: Code, regulator_line: RegulatorLine, note: str = ""
) -> ProductLineMapping:
    """Count the insurer's `product_line` in the regulator's `regulator_line`."""
    if not is_company_compliance(actor):
        raise PermissionDenied(ONLY_HEAD_OFFICE_COMPLIANCE)
    mapping = (
        ProductLineMapping.objects.select_for_update()
        .filter(product_line=product_line)
        .first()
    ) or ProductLineMapping(product_line=product_line)
    mapping.regulator_line = regulator_line
    mapping.note = note
    return _save(
        mapping,
        actor,
        _("Counted in %(line)s") % {"line": regulator_line.label},
    )


NOT_A_QUARTER = gettext_lazy(
    "The regulator publishes per quarter: write the period as 2026Q3."
)
PUBLISHED_BEFORE_END = gettext_lazy(
    "A notice about a quarter is published after it ends (%(end)s)."
)
PUBLISHED_IN_FUTURE = gettext_lazy("The publication day cannot be a day to come.")
ONLY_COMPLIANCE_ENTERS = gettext_lazy(
    "Only a compliance officer of the institution or above enters the "
    "regulator's figures."
)


@transaction.atomic
def regulator_figure_record(
    *,
    actor: Any,
    institution: Institution,
    period: Period,
    published_count: int,
    notice: str,
    published_on: date,
    references: str = "",
    note: str = "",
) -> RegulatorFigure:
    """Record the regulator's published count of a quarter as published; a
    restatement is recorded as a new row (domain-notes R54)."""
    P.require(actor, P.REPORTS, institution)
    if not (
        P.is_global(actor)
        or Membership.Role.COMPLIANCE in P.roles_on(actor, institution)
    ):
        raise PermissionDenied(ONLY_COMPLIANCE_ENTERS)
    errors: dict[str, Any] = {}
    if period.kind != "quarter":
        errors["period"] = NOT_A_QUARTER
    if published_on > timezone.localdate():
        errors["published_on"] = PUBLISHED_IN_FUTURE
    elif published_on < period.end:
        errors["published_on"] = ValidationError(
            PUBLISHED_BEFORE_END, params={"end": period.end.isoformat()}
        )
    if errors:
        raise ValidationError(errors)
    figure = RegulatorFigure(
        institution=institution,
        period_start=period.start,
        period_end=period.end,
        published_count=published_count,
        notice=notice.strip(),
        published_on=published_on,
        references=references.strip(),
        note=note.strip(),
        entered_by=actor,
    )
    return _save(figure, actor, _("Published figure entered"))
