"""Writes to the organisation: the tree and who holds which role where."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from organisations import permissions
from organisations.models import PATH_SEPARATOR, Institution, Membership


def _path_for(*, parent: Institution | None, code: str) -> str:
    base = parent.path if parent else PATH_SEPARATOR
    return f"{base}{code}{PATH_SEPARATOR}"


@transaction.atomic
def institution_create(
    *,
    code: str,
    name: str,
    level: int,
    parent: Institution | None,
    actor: Any = None,
    **fields: Any,
) -> Institution:
    institution = Institution(
        code=code, name=name, level=level, parent=parent, **fields
    )
    institution.path = _path_for(parent=parent, code=code)
    institution._history_user = actor  # type: ignore[attr-defined]
    institution._change_reason = _("Institution created")  # type: ignore[attr-defined]
    institution.full_clean()
    institution.save()
    return institution


@transaction.atomic
def institution_move(
    *, institution: Institution, new_parent: Institution, actor: Any = None
) -> Institution:
    """Hang `institution` and its whole subtree under `new_parent`.

    Every moved node gets its own history row, so the tree's past shape stays
    reconstructable.
    """
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    new_parent = Institution.objects.get(pk=new_parent.pk)
    institution.parent = new_parent
    institution.full_clean()
    old_prefix = institution.path
    new_prefix = _path_for(parent=new_parent, code=institution.code)
    reason = _("Moved under %(parent)s") % {"parent": new_parent.name}
    subtree = Institution.objects.select_for_update().filter(
        path__startswith=old_prefix
    )
    for node in subtree.order_by("path"):
        if node.pk == institution.pk:
            node = institution
        node.path = new_prefix + node.path[len(old_prefix) :]
        node._history_user = actor  # type: ignore[attr-defined]
        node._change_reason = reason  # type: ignore[attr-defined]
        node.save()
    return institution


@transaction.atomic
def institution_rename(
    *, institution: Institution, actor: Any = None, **fields: Any
) -> Institution:
    """Change the descriptive fields of an institution (not its place or code)."""
    allowed = {"name", "region", "address", "phone", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        setattr(institution, key, value)
    institution._history_user = actor  # type: ignore[attr-defined]
    institution.full_clean()
    institution.save()
    return institution


@transaction.atomic
def membership_grant(
    *, user: Any, institution: Institution, role: str, actor: Any = None
) -> Membership:
    """Give `user` `role` on `institution` and its subtree; idempotent."""
    membership = Membership.objects.filter(
        user=user, institution=institution, role=role
    ).first()
    if membership is None:
        membership = Membership(user=user, institution=institution, role=role)
        membership._history_user = actor  # type: ignore[attr-defined]
        membership._change_reason = _("Role granted")  # type: ignore[attr-defined]
        membership.full_clean()
        membership.save()
    if not user.is_staff:
        # Staff status only opens the admin door; what is behind it is scoped.
        get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    permissions.grant(membership)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor: Any = None) -> None:
    permissions.revoke(membership)
    membership._history_user = actor  # type: ignore[attr-defined]
    membership._change_reason = _("Role revoked")  # type: ignore[attr-defined]
    membership.delete()
