"""History pages of the audited admins (organisations.admin.AuditedHistoryAdmin).

simple-history rebuilds an object that the admin's queryset hides from its
historical rows; outside the reader's scope that must answer exactly like a
missing object, while the history of a deleted object stays readable for
those who read every row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from organisations.models import Institution, Membership
from organisations.services import membership_grant, membership_revoke
from reporting.models import Rectification
from reporting.services import rectification_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
R = Membership.Role


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def history(model: str, pk: int, version: int | None = None) -> str:
    base = f"/admin/{model}/{pk}/history/"
    return f"{base}{version}/" if version else base


@pytest.fixture
def rectifications(
    tree: dict[str, Institution], make_member: Callable[..., Any]
) -> dict[str, Rectification]:
    """One rectification item per province, by its own compliance officer."""
    items = {}
    for code in ("GD", "ZJ"):
        officer = make_member(f"compliance_{code}", R.COMPLIANCE, code)
        items[code] = rectification_create(
            actor=officer,
            owner_institution=tree[code],
            title=f"{code} 整改",
            measure="复核流程",
            due_on=date(2026, 12, 31),
        )
    return items


def test_history_outside_scope_answers_like_a_missing_object(
    rectifications: dict[str, Rectification], gd_manager: Any
) -> None:
    client = client_for(gd_manager)
    own, other = rectifications["GD"], rectifications["ZJ"]
    version = other.history.latest().history_id
    model = "reporting/rectification"

    assert client.get(history(model, own.pk)).status_code == 200
    hidden = client.get(history(model, other.pk))
    missing = client.get(history(model, 999999))
    assert hidden.status_code == missing.status_code == 404
    assert other.title not in hidden.content.decode()
    hidden_version = client.get(history(model, other.pk, version))
    missing_version = client.get(history(model, 999999, version))
    assert hidden_version.status_code == missing_version.status_code == 404


def test_history_without_any_access_is_refused_alike(
    rectifications: dict[str, Rectification], tianhe_handler: Any
) -> None:
    """A handler reads no reports: every id answers 403, existing or not."""
    client = client_for(tianhe_handler)
    model = "reporting/rectification"
    assert client.get(history(model, rectifications["GD"].pk)).status_code == 403
    assert client.get(history(model, 999999)).status_code == 403


def test_deleted_object_history_is_for_those_who_read_every_row(
    tree: dict[str, Institution], gd_manager: Any
) -> None:
    user = UserFactory(username="leaver")
    membership = membership_grant(user=user, institution=tree["GDGZTH"], role=R.VIEWER)
    url = history("organisations/membership", membership.pk)
    membership_revoke(membership=membership)

    root = UserFactory(username="root", is_superuser=True)
    assert client_for(root).get(url).status_code == 200
    assert client_for(gd_manager).get(url).status_code == 404
