"""First load of an insurer's organisation: institutions and memberships files."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from complaints.models import ImportRecord
from organisations import org_import
from organisations import permissions as P
from organisations.models import Institution, Membership, level_error
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
INST_URL = "/admin/complaints/complaint/import-organisation/institutions/"
MEMB_URL = "/admin/complaints/complaint/import-organisation/memberships/"
INST_HEADER = list(org_import.INSTITUTION_COLUMNS)
MEMB_HEADER = list(org_import.MEMBERSHIP_COLUMNS)

GOOD = [
    ["GDSZ", "深圳中心支公司", "中心支公司", "GD", "深圳", "0755-95500"],  # 2
    ["GDSZFT", "福田支公司", "4", "GDSZ", "深圳", ""],  # 3
    ["GD", "广东分公司", "省级分公司", "HO", "广东", ""],  # 4: unchanged
]
BAD = [
    ["GDXX", "某支公司", "4", "NOPE", "", ""],  # 5
    ["GDYY", "某机构", "六级", "GD", "", ""],  # 6
    ["GDZZ", "某支公司", "支公司", "GD", "", ""],  # 7: skips a level
    ["GDSZ", "深圳中心支公司", "3", "GD", "", ""],  # 8: duplicate of line 2
    ["GDGZ", "广州支公司", "3", "GD", "", ""],  # 9: existing, renamed
    ["AA", "甲", "4", "BB", "", ""],  # 10: cycle
    ["BB", "乙", "3", "AA", "", ""],  # 11: cycle
]


def expected() -> set[tuple[int, str, str]]:
    sub_under_provincial = level_error(
        parent=Institution(level=Institution.Level.PROVINCIAL),
        level=Institution.Level.SUB_BRANCH,
    )
    return {
        (
            5,
            "上级机构代码",
            "No institution has the code NOPE, in the file or on file.",
        ),
        (6, "层级", "“六级” is not a level (1-5 or 总公司, 省级分公司, …)."),
        (7, "层级", sub_under_provincial),
        (8, "机构代码", "The code GDSZ is already on line 2."),
        (9, "机构代码", "The institution GDGZ already exists with different data."),
        (10, "上级机构代码", "The parent BB on line 11 is invalid."),
        (11, "上级机构代码", "The parent chain of BB loops back to itself."),
    }


def gbk_csv(header: list[str], rows: list[list[Any]], encoding: str = "gbk") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    book.active.append(header)
    for r in rows:
        book.active.append([int(c) if c.isdigit() else c for c in r])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def sysadmin(tree: Any) -> Any:
    return UserFactory(username="sysadmin", is_superuser=True)


@pytest.fixture(autouse=True)
def _no_level_skip(settings: Any) -> None:
    settings.INSTITUTION_ALLOW_LEVEL_SKIP = False


def upload(client: Any, url: str, name: str, content: bytes) -> Any:
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def institutions() -> list[tuple[str, str]]:
    return list(Institution.objects.values_list("code", "path"))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tree.csv", gbk_csv(INST_HEADER, GOOD + BAD)),
        ("tree.xlsx", xlsx(INST_HEADER, GOOD + BAD)),
    ],
)
def test_bad_institution_rows_are_listed_and_nothing_is_written(
    client: Any, sysadmin: Any, name: str, content: bytes
) -> None:
    before = institutions()
    client.force_login(sysadmin)
    response = upload(client, INST_URL, name, content)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert {(p.line, p.column, p.message) for p in preview.problems} == expected()
    assert (preview.new, preview.unchanged, preview.invalid) == (2, 1, 7)
    assert b'name="confirm"' not in response.content
    assert "The institution GDGZ already exists" in response.content.decode()
    assert client.post(INST_URL, {"confirm": "1"}).status_code == 302  # no spool
    _, record = org_import.organisation_import(
        actor=sysadmin, kind="institutions", filename=name, content=content
    )
    assert (record.committed, record.invalid, record.kind) == (False, 7, "organisation")
    assert institutions() == before


def test_valid_tree_out_of_order_is_created_then_unchanged(
    client: Any, sysadmin: Any
) -> None:
    rows = [
        ["GDSZFT01", "福田营业部", "营业部", "GDSZFT", "深圳", ""],
        ["GDSZFT", "福田支公司", "支公司", "gdsz", "深圳", ""],
        ["GDSZ", "深圳中心支公司", "3", "GD", "深圳", "0755-95500"],
        ["GD", "广东分公司", "2", "HO", "广东", ""],
    ]
    client.force_login(sysadmin)
    response = upload(client, INST_URL, "tree.csv", gbk_csv(INST_HEADER, rows))
    assert (response.context["preview"].new, response.context["preview"].unchanged) == (
        3,
        1,
    )
    response = client.post(INST_URL, {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/organisations/institution/"
    office = Institution.objects.get(code="GDSZFT01")
    assert office.path == "/HO/GD/GDSZ/GDSZFT/GDSZFT01/"
    assert office.level == Institution.Level.OFFICE
    assert Institution.objects.get(code="GDSZ").phone == "0755-95500"
    assert office.history.get().history_user == sysadmin
    record = ImportRecord.objects.get()
    assert (record.user, record.new, record.unchanged, record.committed) == (
        sysadmin,
        3,
        1,
        True,
    )

    before = institutions()
    upload(client, INST_URL, "tree.xlsx", xlsx(INST_HEADER, rows))
    client.post(INST_URL, {"confirm": "1"})
    assert institutions() == before
    second = ImportRecord.objects.order_by("-pk").first()
    assert second is not None
    assert (second.new, second.unchanged, second.committed) == (0, 4, True)


def test_first_load_into_an_empty_database(db: Any) -> None:
    admin = UserFactory(username="root", is_superuser=True)
    rows = [
        ["GD", "广东分公司", "2", "HO", "", ""],
        ["HO", "总公司", "总公司", "", "", ""],
    ]
    preview, record = org_import.organisation_import(
        actor=admin,
        kind="institutions",
        filename="t.csv",
        content=gbk_csv(INST_HEADER, rows),
    )
    assert record.committed
    assert preview.new == 2
    assert Institution.objects.get(code="GD").path == "/HO/GD/"


MEMBERS = [
    ["lin.xy", "林小雨", "lin@example.com", "投诉处理人员", "GDGZTH"],
    ["chen", "陈大文", "chen@example.com", "manager", "gdgz"],
    ["lin.xy", "林小雨", "lin@example.com", "消保/合规人员", "GD"],
    ["gd_manager", "", "", "机构负责人", "GD"],  # held already: unchanged
]
BAD_MEMBERS = [
    ["wang", "王", "wang@example.com", "老板", "GD"],
    ["zhao", "赵", "not-an-email", "只读用户", "NOPE"],
    ["chen", "陈大文", "chen@example.com", "机构负责人", "GDGZ"],
]


def test_memberships_create_users_and_grant_roles(
    client: Any, sysadmin: Any, gd_manager: Any
) -> None:
    client.force_login(sysadmin)
    response = upload(
        client, MEMB_URL, "staff.csv", gbk_csv(MEMB_HEADER, MEMBERS + BAD_MEMBERS)
    )
    preview = response.context["preview"]
    assert {(p.line, p.column, p.message) for p in preview.problems} == {
        (6, "角色", "“老板” is not a role."),
        (7, "电子邮箱", "“not-an-email” is not an e-mail address."),
        (7, "机构代码", "No institution has the code NOPE."),
        (8, "用户名", "The same membership is already on line 3."),
    }
    assert not get_user_model().objects.filter(username="lin.xy").exists()

    content = gbk_csv(MEMB_HEADER, MEMBERS, encoding="utf-8-sig")
    response = upload(client, MEMB_URL, "staff.csv", content)
    assert (response.context["preview"].new, response.context["preview"].unchanged) == (
        3,
        1,
    )
    assert client.post(MEMB_URL, {"confirm": "1"}).status_code == 302
    lin = get_user_model().objects.get(username="lin.xy")
    assert (lin.first_name, lin.email, lin.is_staff) == (
        "林小雨",
        "lin@example.com",
        True,
    )
    assert not lin.has_usable_password()
    tree = {i.code: i for i in Institution.objects.all()}
    assert P.has(lin, P.HANDLE, tree["GDGZTH"])
    assert P.has(lin, P.IMPORT, tree["GDFS"])
    chen = get_user_model().objects.get(username="chen")
    assert P.has(chen, P.APPROVE, tree["GDGZYX"])
    assert not P.has(chen, P.APPROVE, tree["GDFS"])
    assert Membership.objects.filter(user=gd_manager).count() == 1
    _, record = org_import.organisation_import(
        actor=sysadmin, kind="memberships", filename="again.csv", content=content
    )
    assert (record.new, record.unchanged, record.committed) == (0, 4, True)


def test_only_system_administrators_import_the_organisation(
    client: Any, sysadmin: Any, ho_compliance: Any, gd_manager: Any
) -> None:
    for user in (ho_compliance, gd_manager):
        client.force_login(user)
        assert client.get(INST_URL).status_code == 403
        assert client.get(MEMB_URL).status_code == 403
        page = client.get("/admin/organisations/institution/")
        assert b"import-organisation" not in page.content
    with pytest.raises(org_import.ImportFileError):
        org_import.organisation_import(
            actor=gd_manager, kind="institutions", filename="a.csv", content=b"x"
        )
    client.force_login(sysadmin)
    assert client.get(INST_URL).status_code == 200
    assert (
        client.get("/admin/complaints/complaint/import-organisation/x/").status_code
        == 403
    )
    for url in (
        "/admin/organisations/institution/",
        "/admin/organisations/membership/",
    ):
        assert b'id="import-organisation"' in client.get(url).content
    # The model permission alone (a non-superuser system administrator) opens it.
    admin = UserFactory(username="orgadmin")
    admin.user_permissions.add(*P.Permission.objects.filter(codename="add_institution"))
    client.force_login(admin)
    assert client.get(MEMB_URL).status_code == 200


# --- A change between the preview and the confirmation (issue 20 point 2) ------
ENGLISH_DB_TEXT = ("constraint", "unique", "duplicate key", "integrity", "Error", "'")


def test_code_created_meanwhile_names_line_and_column(db: Any, sysadmin: Any) -> None:
    """Someone creates the same code between the preview and the write: the
    message names the line and the column, never the constraint."""
    content = gbk_csv(INST_HEADER, GOOD[:2])
    preview = org_import.organisation_preview(
        kind="institutions",
        rows=org_import.read_rows(filename="t.csv", content=content),
    )
    assert preview.new == 2
    real_preview = org_import.organisation_preview
    from organisations.services import institution_create

    def racing(*, kind: str, rows: Any) -> Any:
        result = real_preview(kind=kind, rows=rows)
        institution_create(
            actor=sysadmin,
            code="GDSZFT",
            name="别人建的",
            level=Institution.Level.SUB_BRANCH,
            parent=Institution.objects.get(code="GDGZ"),
        )
        return result

    org_import.organisation_preview = racing  # type: ignore[assignment]
    try:
        with pytest.raises(org_import.ImportFileError) as caught:
            org_import.organisation_import(
                actor=sysadmin, kind="institutions", filename="t.csv", content=content
            )
    finally:
        org_import.organisation_preview = real_preview  # type: ignore[assignment]
    text = " ".join(caught.value.messages)
    assert text.startswith("Line 3, column 机构代码:"), text
    assert not Institution.objects.filter(code="GDSZ").exists()  # all or nothing


@pytest.mark.parametrize("kind", ["institutions", "memberships"])
def test_database_refusal_never_reaches_the_user(
    db: Any, sysadmin: Any, monkeypatch: Any, kind: str
) -> None:
    """A constraint the preview could not foresee: a translated message with
    the line and the column, no constraint name and no Python text."""
    from django.db import IntegrityError

    def refuse(**kwargs: Any) -> Any:
        raise IntegrityError(
            'duplicate key value violates unique constraint "organisations_x_uniq"'
        )

    if kind == "institutions":
        monkeypatch.setattr(org_import, "institution_create", refuse)
        content, column = gbk_csv(INST_HEADER, GOOD[:1]), "机构代码"
    else:
        monkeypatch.setattr(org_import, "membership_grant", refuse)
        content, column = gbk_csv(MEMB_HEADER, MEMBERS[:1]), "角色"
    with pytest.raises(org_import.ImportFileError) as caught:
        org_import.organisation_import(
            actor=sysadmin, kind=kind, filename="t.csv", content=content
        )
    text = " ".join(caught.value.messages)
    assert text.startswith(f"Line 2, column {column}:"), text
    assert "changed by someone else" in text
    for fragment in ENGLISH_DB_TEXT:
        assert fragment not in text
    record = ImportRecord.objects.get()
    assert record.committed is False
