"""Every write of the reporting app: root causes, rectification, quality checks.

Each service checks the actor through organisations.permissions, validates,
saves with the actor and reason in the history, inside one transaction.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from complaints.models import Complaint
from organisations import permissions as P
from organisations.models import Institution, Membership
from reporting.models import (
    QUALITY_SCORE_MAX,
    ComplaintRootCause,
    QualityCheck,
    QualitySample,
    QualityScore,
    Rectification,
    RootCause,
)
from reporting.periods import Period
from reporting.selectors.work import complaints_for_sampling

S = Complaint.Status
# A root cause is found once the merits are decided (DOMAIN.md §6: "each
# decided complaint gets a cause").
DECIDED = {
    S.DECIDED,
    S.NOTIFIED,
    S.UNDER_REVIEW,
    S.REVIEWED,
    S.IN_MEDIATION,
    S.CLOSED,
    S.ARCHIVED,
}
NOT_DECIDED = gettext_lazy(
    "Only a decided or closed complaint can be linked to a root cause or "
    "a rectification: %(numbers)s."
)
EVIDENCE_REQUIRED = gettext_lazy("Record the evidence of completion.")
ONLY_COMPLIANCE = gettext_lazy("Only a compliance officer draws quality samples.")
RULE_REQUIRED = gettext_lazy("Name the rule the case does not comply with.")
SAMPLE_SIZE = gettext_lazy("The sample size must be at least 1.")
SCORE_SCALE = gettext_lazy("%(item)s: a score is a whole number from 0 to %(max)s.")
UNKNOWN_ITEM = gettext_lazy("%(item)s is not an item of the checklist.")
UNKNOWN_RESULT = gettext_lazy("Choose a result from the list.")
SCORE_SOMETHING = gettext_lazy(
    "Score at least one checklist item, or choose the result."
)


def _save(obj: Model, actor: Any, reason: str) -> Any:
    obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = reason[:100]  # type: ignore[attr-defined]
    obj.full_clean()
    obj.save()
    return obj


def _require_any(actor: Any, perms: Iterable[str], institution: Institution) -> None:
    perms = list(perms)
    if any(P.has(actor, p, institution) for p in perms):
        return
    P.require(actor, perms[0], institution)


def _require_decided(complaints: Iterable[Complaint]) -> None:
    undecided = [
        c.number
        for c in complaints
        if c.status not in DECIDED or c.item_type != Complaint.ItemType.COMPLAINT
    ]
    if undecided:
        raise ValidationError(NOT_DECIDED % {"numbers": ", ".join(undecided)})


# --- Root cause -----------------------------------------------------------------
@transaction.atomic
def complaint_root_cause_set(
    *, complaint: Complaint, actor: Any, root_cause: RootCause, note: str = ""
) -> ComplaintRootCause:
    """Link a decided complaint to its root cause (R60); a second call replaces it."""
    c = Complaint.objects.select_related("institution").get(pk=complaint.pk)
    _require_any(actor, (P.HANDLE, P.REPORTS), c.institution)
    _require_decided([c])
    record = ComplaintRootCause.objects.filter(complaint=c).first()
    record = record or ComplaintRootCause(complaint=c)
    record.root_cause, record.note, record.recorded_by = root_cause, note, actor
    return _save(
        record, actor, _("Root cause: %(cause)s") % {"cause": root_cause.label}
    )


# --- Rectification --------------------------------------------------------------
def _covered(actor: Any, complaints: Iterable[Complaint]) -> list[Complaint]:
    """Re-read the complaints within the actor's REPORTS scope; others are not found."""
    pks = {c.pk for c in complaints}
    found = list(
        P.scope(Complaint.objects.filter(pk__in=pks), actor, P.REPORTS).order_by(
            "number"
        )
    )
    if len(found) != len(pks):
        raise P.NotFound(P.NOT_FOUND)
    _require_decided(found)
    return found


@transaction.atomic
def rectification_create(
    *,
    actor: Any,
    owner_institution: Institution,
    title: str,
    measure: str,
    due_on: date,
    root_cause: RootCause | None = None,
    owner_department: str = "",
    complaints: Iterable[Complaint] = (),
) -> Rectification:
    """Open a rectification item owned by an institution the actor reports on."""
    P.require(actor, P.REPORTS, owner_institution)
    covered = _covered(actor, complaints)
    item = Rectification(
        owner_institution=owner_institution,
        owner_department=owner_department,
        title=title,
        measure=measure,
        due_on=due_on,
        root_cause=root_cause,
        created_by=actor,
    )
    _save(item, actor, _("Rectification opened"))
    if covered:
        item.complaints.add(*covered)
    return item


def _lock(item: Rectification, actor: Any) -> Rectification:
    locked = Rectification.objects.select_for_update().get(pk=item.pk)
    P.require(actor, P.REPORTS, locked.owner_institution)
    return locked


@transaction.atomic
def rectification_update(
    *,
    rectification: Rectification,
    actor: Any,
    title: str,
    measure: str,
    due_on: date,
    owner_department: str = "",
    root_cause: RootCause | None = None,
) -> Rectification:
    item = _lock(rectification, actor)
    item.title, item.measure, item.due_on = title, measure, due_on
    item.owner_department, item.root_cause = owner_department, root_cause
    return _save(item, actor, _("Rectification edited"))


@transaction.atomic
def rectification_cover(
    *, rectification: Rectification, actor: Any, complaints: Iterable[Complaint]
) -> Rectification:
    """Add complaints to those the rectification covers (one item, many cases)."""
    item = _lock(rectification, actor)
    covered = _covered(actor, complaints)
    new = [c for c in covered if not item.complaints.filter(pk=c.pk).exists()]
    if new:
        item.complaints.add(*new)
        # The count, not the numbers: the history is read by the owner's
        # branch, which may not see every covered complaint (the diff lists
        # them, filtered per reader by the admin).
        _save(
            item,
            actor,
            ngettext(
                "Covers %(count)d more complaint",
                "Covers %(count)d more complaints",
                len(new),
            )
            % {"count": len(new)},
        )
    return item


@transaction.atomic
def rectification_set_status(
    *,
    rectification: Rectification,
    actor: Any,
    status: str,
    evidence: str = "",
    completed_on: date | None = None,
) -> Rectification:
    """Move an item between open, in progress and done; done needs evidence."""
    item = _lock(rectification, actor)
    R = Rectification.Status
    item.evidence = evidence or item.evidence
    if status == R.DONE:
        if not item.evidence.strip():
            raise ValidationError({"evidence": EVIDENCE_REQUIRED})
        item.completed_on = completed_on or timezone.localdate()
    else:
        item.completed_on = None
    item.status = status
    return _save(item, actor, _("Status: %(status)s") % {"status": R(status).label})


# --- Quality sampling -----------------------------------------------------------
def is_compliance(actor: Any, institution: Institution) -> bool:
    """A compliance officer of `institution` or above (or a global account)."""
    return P.is_global(actor) or Membership.Role.COMPLIANCE in P.roles_on(
        actor, institution
    )


def draw(population: list[int], size: int, seed: int) -> list[int]:
    """The sampled primary keys: reproducible for the same seed and population."""
    ordered = sorted(population)
    return sorted(random.Random(seed).sample(ordered, min(size, len(ordered))))


@transaction.atomic
def quality_sample_draw(
    *,
    actor: Any,
    institution: Institution,
    period: Period,
    size: int,
    seed: int | None = None,
) -> QualitySample:
    """Draw `size` closed complaints of the subtree and period for a quality
    check; the seed is stored so the draw can be repeated and verified."""
    if not is_compliance(actor, institution):
        if not P.has(actor, P.VIEW, institution):
            raise P.NotFound(P.NOT_FOUND)
        raise PermissionDenied(ONLY_COMPLIANCE)
    if size < 1:
        raise ValidationError({"size": SAMPLE_SIZE})
    seed = seed if seed is not None else secrets.randbelow(2**31)
    population = list(
        complaints_for_sampling(institution=institution, period=period).values_list(
            "pk", flat=True
        )
    )
    sample = _save(
        QualitySample(
            institution=institution,
            period_start=period.start,
            period_end=period.end,
            seed=seed,
            size=size,
            population=len(population),
            drawn_by=actor,
        ),
        actor,
        _("Sample drawn with seed %(seed)s") % {"seed": seed},
    )
    for pk in draw(population, size, seed):
        _save(QualityCheck(sample=sample, complaint_id=pk), actor, _("Case sampled"))
    return sample


def quality_scores_clean(scores: Mapping[str, int | None]) -> dict[str, int]:
    """The scored checklist items of `scores` (None: not applicable), each
    checked against the checklist and the scale; a bad one is refused."""
    items = dict(QualityCheck.Rule.choices)
    clean: dict[str, int] = {}
    for rule, score in scores.items():
        if rule not in items:
            raise ValidationError({"scores": UNKNOWN_ITEM % {"item": rule}})
        if score is None:
            continue
        if not 0 <= score <= QUALITY_SCORE_MAX:
            scale = {"item": items[rule], "max": QUALITY_SCORE_MAX}
            raise ValidationError({"scores": SCORE_SCALE % scale})
        clean[rule] = score
    return clean


def finding_from_scores(scores: Mapping[str, int]) -> tuple[str, str]:
    """(result, rule) that the scores say: compliant when every scored item
    has full marks, otherwise issues named by the lowest-scored item (the
    first in checklist order among equals)."""
    Res = QualityCheck.Result
    short = [
        (score, order, rule)
        for order, rule in enumerate(QualityCheck.Rule.values)
        if (score := scores.get(rule)) is not None and score < QUALITY_SCORE_MAX
    ]
    if not short:
        return Res.COMPLIANT, ""
    return Res.ISSUES, min(short)[2]


@transaction.atomic
def quality_check_record(
    *,
    check: QualityCheck,
    actor: Any,
    result: str = "",
    rule: str = "",
    note: str = "",
    scores: Mapping[str, int | None] | None = None,
) -> QualityCheck:
    """Record the finding on one sampled case (R70), by a compliance officer
    of the sample's institution or above.

    Either the result itself (compliant, or issues with the rule), or a score
    per checklist item (`scores`, None for an item that does not apply), from
    which the result and its rule follow; the scores replace the earlier ones.
    """
    item = QualityCheck.objects.select_for_update().get(pk=check.pk)
    institution = item.sample.institution
    if not is_compliance(actor, institution):
        if not P.has(actor, P.VIEW, institution):
            raise P.NotFound(P.NOT_FOUND)
        raise PermissionDenied(ONLY_COMPLIANCE)
    scored = quality_scores_clean(scores) if scores is not None else None
    if scored:
        result, rule = finding_from_scores(scored)
    elif scores is not None and not result:
        raise ValidationError({"scores": SCORE_SOMETHING})
    if result not in QualityCheck.Result.values:
        raise ValidationError({"result": UNKNOWN_RESULT})
    if result == QualityCheck.Result.ISSUES and not rule:
        raise ValidationError({"rule": RULE_REQUIRED})
    item.result, item.note = result, note
    item.rule = rule if result == QualityCheck.Result.ISSUES else ""
    item.checked_by, item.checked_at = actor, timezone.now()
    label = QualityCheck.Result(result).label
    _save(item, actor, _("Checked: %(result)s") % {"result": label})
    if scored is not None:
        _replace_scores(item, scored, actor)
    return item


def _replace_scores(item: QualityCheck, scored: dict[str, int], actor: Any) -> None:
    reason = _("Scored")
    for old in item.scores.all():
        if old.rule not in scored:
            old._history_user = actor  # type: ignore[attr-defined]
            old._change_reason = reason  # type: ignore[attr-defined]
            old.delete()
    current = {s.rule: s for s in item.scores.all()}
    for rule, score in scored.items():
        row = current.get(rule) or QualityScore(check_record=item, rule=rule)
        if row.pk is None or row.score != score:
            row.score = score
            _save(row, actor, reason)
