"""Who did what is never erased (issue 14 point 6; DOMAIN.md C21).

A staff account that appears in any history (as the person who made a change,
or named in a complaint's history as its handler, drafter, approver...) is
never deleted: it is deactivated instead, so every history row keeps its
person. Deleting it would also rewrite sealed history rows (their user set to
NULL), which `verify_audit` would then report as tampering.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _

IN_HISTORY = _(
    "%(user)s appears in the history of the records and cannot be deleted, so "
    "that who did what is never erased: deactivate the account instead."
)


def _history_models() -> list[type[Model]]:
    return [
        m
        for m in apps.get_models()
        if m._meta.model_name.startswith("historical")  # type: ignore[union-attr]
        and any(f.name == "history_user" for f in m._meta.fields)
    ]


def user_in_history(user: Any) -> bool:
    """Whether `user` made or is named in any history row."""
    for model in _history_models():
        names = ["history_user"] + [
            f.name
            for f in model._meta.fields
            if f.is_relation
            and f.related_model is get_user_model()
            and f.name != "history_user"
        ]
        for name in names:
            if model._default_manager.filter(**{f"{name}_id": user.pk}).exists():
                return True
    return False


@transaction.atomic
def staff_account_remove(*, user: Any) -> bool:
    """Delete `user`, or deactivate them when they appear in any history.
    True when the account was deleted."""
    if user_in_history(user):
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        return False
    user.delete()
    return True


def refuse_deleting_people_in_history(
    sender: Any, instance: Any, **kwargs: Any
) -> None:
    """The last line for every door (shell, command, a cascade): refuse."""
    if instance.pk is not None and user_in_history(instance):
        raise ProtectedError(str(IN_HISTORY % {"user": instance}), {instance})


def connect() -> None:
    pre_delete.connect(
        refuse_deleting_people_in_history,
        sender=get_user_model(),
        dispatch_uid="complaints.integrity.staff_accounts.refuse_delete",
    )
