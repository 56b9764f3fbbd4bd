"""Who may approve what (DOMAIN.md §5a), computed from roles and the tree.

An approval is an act of the approver, never a name the requester chooses: the
eligible people follow from the memberships they hold, and each request waits
in the queue of everyone eligible for it (`pending_for`). The services in
complaints.services.approvals file and decide requests; this module only
answers "who" and "why not".
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.models import ApprovalRequest, Complaint, Recusal
from organisations.models import Institution, Membership
from organisations.permissions import ancestor_paths

K = ApprovalRequest.Kind
Role = Membership.Role
MANAGERS = (Role.MANAGER, Role.SENIOR_MANAGER)
# Steps a manager of the case's institution or above approves (Measures art. 18
# for the first extension; the one refusal; answering by an earlier decision and
# a routing for "other" reasons, which would otherwise close a case unheard).
BRANCH_MANAGER_KINDS = (K.EXTENSION_1, K.DECLINE, K.ALREADY_DECIDED, K.ROUTE_OTHER)

WHO_APPROVES = {
    K.EXTENSION_1: _("a manager of the case's institution or above"),
    K.EXTENSION_2: _(
        "a manager of the upper-level institution, or a senior manager at head office"
    ),
    K.DECLINE: _("a manager of the case's institution or above"),
    K.ALREADY_DECIDED: _("a manager of the case's institution or above"),
    K.ROUTE_OTHER: _("a manager of the case's institution or above"),
    K.REFUSE_MEDIATION: _("a compliance officer of the case's institution or above"),
}
OWN_REQUEST = _(
    "You filed this request: it is decided by someone else (%(who)s), never by "
    "the requester."
)
NOT_ELIGIBLE = _("This request is approved by %(who)s; your roles do not include that.")
CONFLICTED = _(
    "You have a conflict of interest in this complaint (declared, or you are the "
    "staff member complained about): you approve nothing on it."
)


def _held(user: Any, roles: Iterable[str]) -> list[Institution]:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return []
    return [
        m.institution
        for m in Membership.objects.filter(user=user, role__in=list(roles))
        .select_related("institution")
        .order_by()
    ]


def _covers(held: Institution, target: Institution) -> bool:
    return target.path.startswith(held.path)


def is_eligible(user: Any, kind: str, complaint: Complaint) -> bool:
    """Whether `user`'s roles make them an approver of `kind` on `complaint`
    (their own request and conflicts aside: see `decide_problem`)."""
    inst = complaint.institution
    if kind in BRANCH_MANAGER_KINDS:
        return any(_covers(h, inst) for h in _held(user, MANAGERS))
    if kind == K.EXTENSION_2:
        # Measures art. 18: approved by the upper-level institution or by a
        # senior manager of head office. A manager at the case's own institution
        # is not upper-level; a senior_manager role held below head office is
        # neither (nor is it a manager role of the upper level).
        upper = _held(user, [Role.MANAGER])
        if any(_covers(h, inst) and h.path != inst.path for h in upper):
            return True
        return any(
            h.parent_id is None and _covers(h, inst)
            for h in _held(user, [Role.SENIOR_MANAGER])
        )
    if kind == K.REFUSE_MEDIATION:
        # 2022 consumer-protection Measures art. 16: compliance approves.
        return any(_covers(h, inst) for h in _held(user, [Role.COMPLIANCE]))
    return False


def is_conflicted(user: Any, complaint: Complaint) -> bool:
    """The one test of services._common (recusal, the staff member
    complained about by record or by name)."""
    from complaints.services._common import is_subject

    return (
        is_subject(complaint, user)
        or Recusal.objects.filter(complaint=complaint, user=user).exists()
    )


def decide_problem(user: Any, request: ApprovalRequest) -> str:
    """Why `user` may not decide `request`, or ""."""
    who = WHO_APPROVES[K(request.kind)]
    if request.requested_by_id == user.pk:
        return str(OWN_REQUEST % {"who": who})
    if not is_eligible(user, request.kind, request.complaint):
        return str(NOT_ELIGIBLE % {"who": who})
    if is_conflicted(user, request.complaint):
        return str(CONFLICTED)
    return ""


def _under(paths: Iterable[str], *, strictly: bool = False) -> Q | None:
    parts = []
    for path in paths:
        q = Q(complaint__institution__path__startswith=path)
        if strictly:
            q &= ~Q(complaint__institution__path=path)
        parts.append(q)
    return reduce(or_, parts) if parts else None


def pending_for(user: Any) -> QuerySet[ApprovalRequest]:
    """The pending requests `user` may decide: in their subtree, of the kinds
    their roles approve, not their own, not on a case they are conflicted in."""
    managers = [h.path for h in _held(user, MANAGERS)]
    upper_managers = [h.path for h in _held(user, [Role.MANAGER])]
    head_seniors = [
        h.path for h in _held(user, [Role.SENIOR_MANAGER]) if h.parent_id is None
    ]
    compliance = [h.path for h in _held(user, [Role.COMPLIANCE])]
    wanted: list[Q] = []
    for kinds, paths, strictly in (
        (BRANCH_MANAGER_KINDS, managers, False),
        ((K.EXTENSION_2,), upper_managers, True),
        ((K.EXTENSION_2,), head_seniors, False),
        ((K.REFUSE_MEDIATION,), compliance, False),
    ):
        under = _under(paths, strictly=strictly)
        if under is not None:
            wanted.append(Q(kind__in=kinds) & under)
    qs = ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING)
    if not wanted:
        return qs.none()
    recused = Recusal.objects.filter(complaint=OuterRef("complaint"), user=user)
    return (
        qs.filter(reduce(or_, wanted))
        .exclude(requested_by=user)
        .exclude(complaint__subject_staff_user=user)
        .exclude(Exists(recused))
        .select_related(
            "complaint", "complaint__institution", "requested_by", "routing"
        )
        .order_by("requested_at", "pk")
    )


def eligible_approvers(request: ApprovalRequest) -> QuerySet[Any]:
    """Everyone who may decide `request` now (whom to notify of it)."""
    inst = request.complaint.institution
    above = ancestor_paths(inst.path)
    kind = request.kind
    if kind in BRANCH_MANAGER_KINDS:
        q = Q(role__in=MANAGERS, institution__path__in=above)
    elif kind == K.EXTENSION_2:
        q = Q(role=Role.MANAGER, institution__path__in=above[:-1]) | Q(
            role=Role.SENIOR_MANAGER, institution__parent__isnull=True
        )
    else:
        q = Q(role=Role.COMPLIANCE, institution__path__in=above)
    users = Membership.objects.filter(q).values("user_id")
    c = request.complaint
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, pk__in=users)
        .exclude(pk=request.requested_by_id)
        .exclude(pk=c.subject_staff_user_id or 0)
        .exclude(pk__in=Recusal.objects.filter(complaint=c).values("user_id"))
        .order_by("pk")
    )
