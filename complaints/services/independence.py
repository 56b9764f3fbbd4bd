"""Review (核查) is independent (Measures arts. 17, 20; DOMAIN.md C11, §5a).

Nobody who acted on the case in any way (registered it, handled it, drafted,
approved or returned the decision, notified it, approved an extension, wrote
to the complainant...: anyone in its sealed history) and nobody holding a role
at the institution that decided it may decide the review; it is decided at the
upper-level institution.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from complaints.models import Complaint, Extension
from organisations.models import Membership

REVIEWER_ACTED = gettext_lazy(
    "%(user)s acted on this case (%(what)s, %(day)s) and may not decide its review "
    "(核查): the review is independent. A reviewer of %(upper)s who took no part "
    "in the case decides it."
)
REVIEWER_AT_DECIDING = gettext_lazy(
    "%(user)s holds a role at %(institution)s, which decided the case: its review "
    "(核查) is decided at the upper level (%(upper)s) by someone who took no part."
)
# The complaint's own columns naming a person who acted on it.
ACTOR_FIELDS = ("registered_by", "handler", "drafted_by", "approved_by")


def first_act(c: Complaint, user: Any) -> tuple[str, Any] | None:
    """(what, when) of the first act of `user` on `c` found, or None."""
    from complaints.integrity.audit import chain_key, sealed_history_models

    for name in ACTOR_FIELDS:
        if getattr(c, f"{name}_id") == user.pk:
            return str(Complaint._meta.get_field(name).verbose_name), None
    for model in sealed_history_models():
        key = chain_key(model)
        by_user = Q(history_user_id=user.pk)
        if model._meta.model_name == "historicalcomplaint":
            for name in ACTOR_FIELDS:
                by_user |= Q(**{f"{name}_id": user.pk})
        row = (
            model._default_manager.filter(by_user, **{key: c.pk})
            .order_by("history_date")
            .values("history_change_reason", "history_date")
            .first()
        )
        if row is not None:
            return row["history_change_reason"] or "", row["history_date"]
    extension = Extension.objects.filter(complaint=c, approved_by=user).first()
    if extension is not None:
        return str(Extension._meta.verbose_name), extension.created_at
    return None


def review_problem(c: Complaint, user: Any, upper: Any) -> str:
    """Why `user` may not decide the review of `c`, or ""."""
    from complaints.workbench.selectors import person_name

    params = {"user": person_name(user), "upper": upper}
    acted = first_act(c, user)
    if acted is not None:
        what, when = acted
        day = timezone.localdate(when).isoformat() if when else ""
        return str(REVIEWER_ACTED) % {**params, "what": what, "day": day}
    deciding = c.institution
    if Membership.objects.filter(
        user=user, institution__path__startswith=deciding.path
    ).exists():
        return str(REVIEWER_AT_DECIDING) % {**params, "institution": deciding}
    return ""
