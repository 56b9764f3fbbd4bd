"""Who sees which institutions: each role at each level sees exactly its subtree."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from organisations import permissions
from organisations.models import (
    Institution,
    InstitutionGroupObjectPermission,
    Membership,
)
from organisations.services import membership_grant, membership_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GZ_SUBTREE = {"GDGZ", "GDGZTH", "GDGZYX", "GDGZTH01"}
GD_SUBTREE = GZ_SUBTREE | {"GD", "GDFS", "GDFSCC", "GDFSNH", "GD01"}
ZJ_SUBTREE = {"ZJ", "ZJHZ", "ZJNB", "ZJHZXH", "ZJHZYH", "ZJNBYZ", "ZJNBHS", "ZJHZXH01"}
EVERYTHING = GD_SUBTREE | ZJ_SUBTREE | {"HO"}

R = Membership.Role
# (role, institution, permission) -> the codes visible with that permission.
MATRIX = [
    (R.HANDLER, "GDGZTH", permissions.VIEW, {"GDGZTH", "GDGZTH01"}),
    (R.HANDLER, "GDGZ", permissions.HANDLE, GZ_SUBTREE),
    (R.HANDLER, "GDGZ", permissions.APPROVE, set()),
    (R.MANAGER, "GDGZ", permissions.APPROVE, GZ_SUBTREE),
    (R.MANAGER, "GD", permissions.VIEW, GD_SUBTREE),
    (R.MANAGER, "GD", permissions.APPROVE_FURTHER, set()),
    (R.REVIEWER, "GD", permissions.REVIEW, GD_SUBTREE),
    (R.REVIEWER, "GD", permissions.HANDLE, set()),
    (R.SENIOR_MANAGER, "HO", permissions.APPROVE_FURTHER, EVERYTHING),
    (R.COMPLIANCE, "HO", permissions.EXPORT, EVERYTHING),
    (R.COMPLIANCE, "GD", permissions.EXPORT, GD_SUBTREE),
    (R.COMPLIANCE, "GD", permissions.IMPORT, GD_SUBTREE),
    (R.COMPLIANCE, "GD", permissions.HANDLE, set()),
    (R.MANAGER, "GD", permissions.IMPORT, set()),
    (R.VIEWER, "ZJ", permissions.VIEW, ZJ_SUBTREE),
    (R.VIEWER, "ZJ", permissions.PERSONAL_DATA, set()),
]


@pytest.mark.parametrize(("role", "code", "perm", "expected"), MATRIX)
def test_each_role_sees_exactly_its_subtree(
    tree: dict[str, Institution], role: str, code: str, perm: str, expected: set[str]
) -> None:
    user = UserFactory()
    membership_grant(user=user, institution=tree[code], role=role)

    visible = set(
        permissions.institutions_for(user, perm).values_list("code", flat=True)
    )
    scoped = permissions.scope(Institution.objects.all(), user, perm, via="")

    assert visible == expected
    assert set(scoped.values_list("code", flat=True)) == expected
    for other in EVERYTHING:
        assert permissions.has(user, perm, tree[other]) == (other in expected)


def test_outsider_sees_nothing(tree: dict[str, Institution], outsider: Any) -> None:
    assert outsider.is_staff
    assert not permissions.institutions_for(outsider, permissions.VIEW).exists()
    assert not permissions.has(outsider, permissions.VIEW, tree["HO"])
    with pytest.raises(permissions.NotFound):
        permissions.require(outsider, permissions.VIEW, tree["GD"])


def test_superuser_sees_all(tree: dict[str, Institution]) -> None:
    root = UserFactory(is_superuser=True)
    assert permissions.institutions_for(
        root, permissions.APPROVE_FURTHER
    ).count() == len(EVERYTHING)


def test_inactive_user_sees_nothing(
    tree: dict[str, Institution], gd_manager: Any
) -> None:
    gd_manager.is_active = False
    gd_manager.save()
    assert not permissions.institutions_for(gd_manager, permissions.VIEW).exists()


def test_several_memberships_add_up(tree: dict[str, Institution]) -> None:
    user = UserFactory()
    membership_grant(user=user, institution=tree["GDGZTH"], role=R.HANDLER)
    membership_grant(user=user, institution=tree["ZJNB"], role=R.VIEWER)
    visible = set(
        permissions.institutions_for(user, permissions.VIEW).values_list(
            "code", flat=True
        )
    )
    assert visible == {"GDGZTH", "GDGZTH01", "ZJNB", "ZJNBYZ", "ZJNBHS"}
    assert permissions.has(user, permissions.HANDLE, tree["GDGZTH"])
    assert not permissions.has(user, permissions.HANDLE, tree["ZJNB"])


def test_require_distinguishes_hidden_from_forbidden(
    tree: dict[str, Institution], tianhe_handler: Any
) -> None:
    with pytest.raises(permissions.NotFound):
        permissions.require(tianhe_handler, permissions.APPROVE, tree["ZJHZXH"])
    with pytest.raises(PermissionDenied) as excinfo:
        permissions.require(tianhe_handler, permissions.APPROVE, tree["GDGZTH"])
    assert not isinstance(excinfo.value, permissions.NotFound)
    permissions.require(tianhe_handler, permissions.HANDLE, tree["GDGZTH"])


def test_revoking_removes_the_scope(tree: dict[str, Institution]) -> None:
    user = UserFactory()
    membership = membership_grant(user=user, institution=tree["GD"], role=R.MANAGER)
    membership_revoke(membership=membership)
    fresh = type(user).objects.get(pk=user.pk)
    assert not permissions.institutions_for(fresh, permissions.VIEW).exists()
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_grant_is_idempotent_and_audited(tree: dict[str, Institution]) -> None:
    user = UserFactory()
    admin = UserFactory(is_superuser=True)
    first = membership_grant(
        user=user, institution=tree["GD"], role=R.MANAGER, actor=admin
    )
    again = membership_grant(user=user, institution=tree["GD"], role=R.MANAGER)
    assert first.pk == again.pk
    history = first.history.all()
    assert history.count() == 1
    assert history[0].history_user == admin
    assert history[0].history_type == "+"


def test_users_with_finds_ancestor_grants(
    tree: dict[str, Institution], gz_manager: Any, gd_manager: Any, xihu_handler: Any
) -> None:
    approvers = set(permissions.users_with(permissions.APPROVE, tree["GDGZTH"]))
    assert approvers == {gz_manager, gd_manager}


def test_scope_through_a_foreign_key(
    tree: dict[str, Institution], gz_manager: Any, make_member: Any
) -> None:
    make_member("someone_in_zj", R.HANDLER, "ZJHZ")
    qs = permissions.scope(Membership.objects.all(), gz_manager, permissions.VIEW)
    assert {m.institution.code for m in qs} == {"GDGZ"}


def test_grants_are_read_once_per_request(
    tree: dict[str, Institution], gd_manager: Any, django_assert_num_queries: Any
) -> None:
    fresh = type(gd_manager).objects.get(pk=gd_manager.pk)
    # One query for the grants (cached on the user), then one per listing.
    with django_assert_num_queries(3):
        list(permissions.institutions_for(fresh, permissions.VIEW))
        list(permissions.institutions_for(fresh, permissions.VIEW))
        assert permissions.has(fresh, permissions.VIEW, tree["GDFSNH"])


def test_sync_role_groups_brings_old_groups_up_to_date(
    tree: dict[str, Institution],
) -> None:
    """A permission added to a role later (e.g. IMPORT for compliance) reaches the
    groups created before it, and a permission taken away leaves them."""
    user = UserFactory()
    membership_grant(user=user, institution=tree["GD"], role=R.COMPLIANCE)
    group = permissions.role_group(tree["GD"], R.COMPLIANCE)
    InstitutionGroupObjectPermission.objects.filter(
        group=group, permission__codename=permissions.IMPORT
    ).delete()
    stray = Permission.objects.get(codename=permissions.HANDLE)
    InstitutionGroupObjectPermission.objects.create(
        group=group, content_object=tree["GD"], permission=stray
    )
    stale = type(user).objects.get(pk=user.pk)
    assert not permissions.has(stale, permissions.IMPORT, tree["GD"])

    assert permissions.sync_role_groups() == 2
    assert permissions.sync_role_groups() == 0
    fresh = type(user).objects.get(pk=user.pk)
    assert permissions.has(fresh, permissions.IMPORT, tree["GDGZ"])
    assert not permissions.has(fresh, permissions.HANDLE, tree["GD"])


def test_model_permissions_come_with_the_grants_and_agree_with_django(
    tree: dict[str, Institution], django_assert_num_queries: Any
) -> None:
    """The grants query also fills Django's model-permission cache: the same
    answers as the stock backend, no second query."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Group

    user = UserFactory()
    membership_grant(user=user, institution=tree["GD"], role="handler")
    group = Group.objects.create(name="auditors")
    group.permissions.add(Permission.objects.get(codename="view_group"))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="view_permission"))
    fresh = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert permissions.granted_paths(fresh, permissions.VIEW) == ["/HO/GD/"]
        assert fresh.has_perm("auth.view_group")
        assert fresh.has_perm("auth.view_permission")
        assert not fresh.has_perm("auth.change_group")
    stock = ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))
    assert {"auth.view_group", "auth.view_permission"} <= stock
    assert fresh.get_all_permissions() == stock
