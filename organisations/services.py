"""Writes to the organisation: the tree and who holds which role where."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations import permissions
from organisations.models import PATH_SEPARATOR, Institution, Membership

logger = logging.getLogger(__name__)


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


# --- Two-factor sign-in (django-otp TOTP) -------------------------------------
TWO_FACTOR_ALREADY_ON = gettext_lazy("Two-factor authentication is already on.")
TWO_FACTOR_NOTHING_TO_CONFIRM = gettext_lazy(
    "Open the two-factor page again to get a new QR code."
)
TWO_FACTOR_INVALID_CODE = gettext_lazy(
    "That code is not valid. Check the time on your phone and enter the newest code."
)
TWO_FACTOR_TOO_MANY_CODES = gettext_lazy(
    "Too many wrong codes in a row. Wait %(seconds)d seconds and try again."
)


def _verify_code(device: TOTPDevice, code: str) -> str:
    """Check `code` against `device` (its throttle counters are written either
    way); the reason it was refused, or "" when accepted."""
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        until = (extra or {}).get("locked_until") or timezone.now()
        seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
        return str(TWO_FACTOR_TOO_MANY_CODES % {"seconds": seconds})
    if not device.verify_token(code.strip().replace(" ", "")):
        return str(TWO_FACTOR_INVALID_CODE)
    return ""


@transaction.atomic
def two_factor_enrol(*, user: Any) -> TOTPDevice:
    """The device to show on the enrolment page: created when the user starts
    (a POST) and kept until confirmed, so reloading the page does not change
    the QR code."""
    if TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():
        raise ValidationError(TWO_FACTOR_ALREADY_ON, code="already_on")
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user_id=user.pk, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        device = TOTPDevice(user=user, name=_("Authenticator app"), confirmed=False)
        device.full_clean()
        device.save()
    return device


def two_factor_pending(*, user: Any) -> TOTPDevice | None:
    """The device set up and not yet confirmed, if any (a read: no write)."""
    return (
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=False)
        .order_by("pk")
        .first()
    )


def two_factor_confirm(*, user: Any, code: str) -> TOTPDevice:
    """Turn two-factor on once `code` from the new device is right."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError(TWO_FACTOR_NOTHING_TO_CONFIRM, code="no_device")
        # A refusal is raised after the block, so the throttle counter that
        # verify_token wrote is committed, not rolled back with the error.
        refusal = _verify_code(device, code)
        if not refusal:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
            logger.info("Two-factor authentication turned on for user %s", user.pk)
    if refusal:
        raise ValidationError(refusal, code="invalid_code")
    return device


def two_factor_verify(*, user: Any, code: str) -> TOTPDevice:
    """The second step of a sign-in: the device that accepted `code`."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError(TWO_FACTOR_NOTHING_TO_CONFIRM, code="no_device")
        refusal = _verify_code(device, code)
    if refusal:
        raise ValidationError(refusal, code="invalid_code")
    return device


@transaction.atomic
def two_factor_reset(*, user: Any, actor: Any) -> int:
    """Remove every authenticator device of `user` (a lost phone); the next
    sign-in needs the password only, or enrolment where it is required.
    Sessions verified with a removed device lose their verification at once."""
    deleted, _by_model = TOTPDevice.objects.filter(user_id=user.pk).delete()
    logger.warning(
        "Two-factor authentication reset for user %s by user %s",
        user.pk,
        getattr(actor, "pk", None),
    )
    return deleted


@transaction.atomic
def department_save(*, department: Any, actor: Any = None) -> Any:
    """Create or change a department (system administrators, in the admin)."""
    department._history_user = actor
    department._change_reason = (
        _("Department changed") if department.pk else _("Department created")
    )
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def department_set_members(*, department: Any, members: Any, actor: Any = None) -> None:
    """Who receives the department's investigation tasks (history: who changed
    the membership, through the department's m2m history)."""
    department._history_user = actor
    department.members.set(members)
