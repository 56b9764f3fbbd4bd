"""Tree operations: level rules, moving a subtree, audit of tree changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from organisations import permissions
from organisations.models import Institution
from organisations.services import institution_create, institution_move
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
L = Institution.Level


def test_paths_follow_the_tree(tree: dict[str, Institution]) -> None:
    assert tree["HO"].path == "/HO/"
    assert tree["GDGZTH01"].path == "/HO/GD/GDGZ/GDGZTH/GDGZTH01/"
    assert tree["GDGZTH01"].depth == 5


def test_subtree_is_one_prefix_query(
    tree: dict[str, Institution], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        codes = set(
            Institution.objects.filter(path__startswith=tree["GDGZ"].path).values_list(
                "code", flat=True
            )
        )
    assert codes == {"GDGZ", "GDGZTH", "GDGZYX", "GDGZTH01"}


@pytest.mark.parametrize(
    ("level", "parent_code", "ok"),
    [
        (L.PROVINCIAL, "HO", True),
        (L.CENTRAL_SUB_BRANCH, "GD", True),
        (L.SUB_BRANCH, "GDGZ", True),
        (L.SUB_BRANCH, "HO", False),  # not directly under head office
        (L.SUB_BRANCH, "GD", False),
        (L.CENTRAL_SUB_BRANCH, "GDGZ", False),  # not under its own level
        (L.PROVINCIAL, "GDGZTH", False),  # not under a lower level
        (L.OFFICE, "GD", True),  # a business office may sit under any level
        (L.OFFICE, "HO", True),
        (L.HEAD_OFFICE, "HO", False),
    ],
)
def test_level_rules(
    tree: dict[str, Institution], level: int, parent_code: str, ok: bool
) -> None:
    def create() -> Institution:
        return institution_create(
            code="NEW1", name="新机构", level=level, parent=tree[parent_code]
        )

    if ok:
        assert create().path == tree[parent_code].path + "NEW1/"
    else:
        with pytest.raises(ValidationError) as excinfo:
            create()
        assert "parent" in excinfo.value.message_dict


def test_level_skip_can_be_configured(
    tree: dict[str, Institution], settings: Any
) -> None:
    settings.INSTITUTION_ALLOW_LEVEL_SKIP = True
    node = institution_create(
        code="HOSUB", name="总公司直属支公司", level=L.SUB_BRANCH, parent=tree["HO"]
    )
    assert node.path == "/HO/HOSUB/"


def test_only_the_head_office_is_a_root(db: Any) -> None:
    with pytest.raises(ValidationError):
        institution_create(code="X", name="无上级", level=L.PROVINCIAL, parent=None)


def test_codes_are_unique_and_plain(tree: dict[str, Institution]) -> None:
    with pytest.raises(ValidationError):
        institution_create(code="GD", name="重复", level=L.OFFICE, parent=tree["ZJ"])
    with pytest.raises(ValidationError):
        institution_create(code="gd-2", name="小写", level=L.OFFICE, parent=tree["ZJ"])


def test_moving_a_node_moves_its_subtree(tree: dict[str, Institution]) -> None:
    actor = UserFactory(is_superuser=True)
    institution_move(institution=tree["GDGZTH"], new_parent=tree["GDFS"], actor=actor)

    moved = {
        i.code: i.path for i in Institution.objects.filter(code__startswith="GDGZTH")
    }
    assert moved == {
        "GDGZTH": "/HO/GD/GDFS/GDGZTH/",
        "GDGZTH01": "/HO/GD/GDFS/GDGZTH/GDGZTH01/",
    }
    assert Institution.objects.get(code="GDGZTH").parent.code == "GDFS"
    # Each moved node is audited, with who and why.
    last = Institution.history.filter(code="GDGZTH01").latest("history_date")
    assert last.history_user == actor
    assert "佛山中心支公司" in last.history_change_reason


def test_a_move_changes_who_sees_the_subtree(
    tree: dict[str, Institution], gz_manager: Any
) -> None:
    institution_move(institution=tree["GDGZTH"], new_parent=tree["GDFS"])
    fresh = type(gz_manager).objects.get(pk=gz_manager.pk)
    visible = set(
        permissions.institutions_for(fresh, permissions.VIEW).values_list(
            "code", flat=True
        )
    )
    assert visible == {"GDGZ", "GDGZYX"}


@pytest.mark.parametrize("target", ["GDGZTH", "GDGZTH01", "GDGZ"])
def test_cannot_move_under_own_subtree(
    tree: dict[str, Institution], target: str
) -> None:
    with pytest.raises(ValidationError):
        institution_move(institution=tree["GDGZ"], new_parent=tree[target])
    assert Institution.objects.get(code="GDGZ").path == "/HO/GD/GDGZ/"


def test_move_must_respect_levels(tree: dict[str, Institution]) -> None:
    with pytest.raises(ValidationError):
        institution_move(institution=tree["GDGZTH"], new_parent=tree["HO"])
