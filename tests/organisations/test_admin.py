"""The organisation admin: system administrators manage it, members read their
subtree, outsiders see nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from organisations.models import Institution, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
L = Institution.Level


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sysadmin(db: Any) -> Any:
    return UserFactory(username="sysadmin", is_superuser=True)


def test_sysadmin_adds_an_institution_through_the_service(
    tree: dict[str, Institution], sysadmin: Any
) -> None:
    response = client_for(sysadmin).post(
        "/admin/organisations/institution/add/",
        {
            "code": "GDGZPY",
            "name": "番禺支公司",
            "level": L.SUB_BRANCH,
            "parent": tree["GDGZ"].pk,
            "region": "广州",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    node = Institution.objects.get(code="GDGZPY")
    assert node.path == "/HO/GD/GDGZ/GDGZPY/"
    assert node.history.get().history_user == sysadmin


def test_admin_refuses_a_bad_level_with_a_translated_error(
    tree: dict[str, Institution], sysadmin: Any
) -> None:
    response = client_for(sysadmin).post(
        "/admin/organisations/institution/add/",
        {
            "code": "BAD1",
            "name": "错层",
            "level": L.SUB_BRANCH,
            "parent": tree["HO"].pk,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "支公司不能直接隶属于总公司" in response.content.decode()
    assert not Institution.objects.filter(code="BAD1").exists()


def test_sysadmin_moves_a_subtree_by_changing_the_parent(
    tree: dict[str, Institution], sysadmin: Any
) -> None:
    node = tree["GDGZTH"]
    response = client_for(sysadmin).post(
        f"/admin/organisations/institution/{node.pk}/change/",
        {
            "name": node.name,
            "parent": tree["GDFS"].pk,
            "region": "广州",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert (
        Institution.objects.get(code="GDGZTH01").path == "/HO/GD/GDFS/GDGZTH/GDGZTH01/"
    )


def test_manager_reads_only_the_subtree(
    tree: dict[str, Institution], gz_manager: Any
) -> None:
    client = client_for(gz_manager)
    listing = client.get("/admin/organisations/institution/")
    assert listing.status_code == 200
    shown = {i.code for i in listing.context["cl"].result_list}
    assert shown == {"GDGZ", "GDGZTH", "GDGZYX", "GDGZTH01"}
    assert (
        client.get(
            f"/admin/organisations/institution/{tree['GDGZTH'].pk}/change/"
        ).status_code
        == 200
    )
    # Outside the subtree: answered like a missing object (redirect to the index).
    outside = client.get(f"/admin/organisations/institution/{tree['ZJ'].pk}/change/")
    assert outside.status_code == 302
    # Read-only: no adding, no saving.
    assert client.get("/admin/organisations/institution/add/").status_code == 403
    client.post(
        f"/admin/organisations/institution/{tree['GDGZTH'].pk}/change/",
        {"name": "改名", "parent": tree["GDGZ"].pk, "is_active": "on"},
    )
    assert Institution.objects.get(code="GDGZTH").name == "天河支公司"


def test_outsider_sees_no_organisation_data(
    tree: dict[str, Institution], outsider: Any
) -> None:
    client = client_for(outsider)
    assert client.get("/admin/organisations/institution/").status_code == 403
    assert client.get("/admin/organisations/membership/").status_code == 403
    assert client.get(
        f"/admin/organisations/institution/{tree['HO'].pk}/history/"
    ).status_code in {302, 403}


def test_memberships_are_granted_and_revoked_through_services(
    tree: dict[str, Institution], sysadmin: Any
) -> None:
    user = UserFactory(username="newcomer", is_staff=False)
    client = client_for(sysadmin)
    response = client.post(
        "/admin/organisations/membership/add/",
        {
            "user": user.pk,
            "institution": tree["GDFS"].pk,
            "role": Membership.Role.HANDLER,
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    user.refresh_from_db()
    assert user.is_staff  # a role opens the admin door
    assert user.groups.filter(name=f"org:{tree['GDFS'].pk}:handler").exists()

    response = client.post(
        f"/admin/organisations/membership/{membership.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not user.groups.exists()
    assert [
        h.history_type
        for h in Membership.history.filter(id=membership.pk).order_by("history_id")
    ] == ["+", "-"]


def test_membership_list_is_scoped_for_managers(
    tree: dict[str, Institution], gd_manager: Any, gz_handler: Any, xihu_handler: Any
) -> None:
    listing = client_for(gd_manager).get("/admin/organisations/membership/")
    users = {m.user.username for m in listing.context["cl"].result_list}
    assert users == {"gd_manager", "gz_handler"}


def test_history_revert_is_refused(tree: dict[str, Institution], sysadmin: Any) -> None:
    node = tree["GDGZ"]
    version = node.history.first()
    url = f"/admin/organisations/institution/{node.pk}/history/{version.history_id}/"
    client = client_for(sysadmin)
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "被还原"}).status_code == 403
