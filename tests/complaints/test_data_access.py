"""A complainant's data-access request (PIPL art. 45) and the read-only
personal-data access log."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from complaints.admin.personal_data import NEED_ONE, NOTHING_CHOSEN, NOTHING_FOUND
from complaints.exchange.data_access import XLSX_NAME
from complaints.models import Complaint, ExportRecord, PersonalDataAccess
from complaints.services import (
    attachment_add,
    complaint_accept,
    correspondence_record,
)
from complaints.workbench.selectors import phone_digits
from organisations import permissions as P
from organisations.models import Membership
from organisations.services import membership_grant
from tests.complaints.conftest import SHANGHAI
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
R = Membership.Role
URL = "/admin/complaints/complaint/data-access/"
LOG = "/admin/complaints/personaldataaccess/"
ID_NUMBER, PHONE = "440106199001011235", "13800138000"
OTHER = {
    "complainant_name": "王五",
    "id_number": "110101198001010010",
    "phone": "13900001111",
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SUMMARY = "来电询问理赔进度"


@pytest.fixture(autouse=True)
def _today(settings: Any, tmp_path: Path, time_machine: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def person(
    register: Any, tianhe_handler: Any, xihu_handler: Any
) -> dict[str, Complaint]:
    """林小雨's complaints in 广东 and 浙江, one where she is 赵六's agent, and
    王五's complaint beside them."""
    gd = complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    correspondence_record(
        complaint=gd,
        actor=tianhe_handler,
        direction="in",
        method="phone",
        occurred_at=datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI),
        summary=SUMMARY,
    )
    attachment_add(
        complaint=gd,
        actor=tianhe_handler,
        upload=SimpleUploadedFile("病历.pdf", PDF, content_type="application/pdf"),
        kind="evidence",
    )
    return {
        "gd": gd,
        "zj": register(xihu_handler, "ZJHZXH", phone="13800000000"),
        "agent": register(
            tianhe_handler,
            complainant_name="赵六",
            id_number="440106198502023459",
            phone="13700137000",
            email="",
            representation=Complaint.Representation.AGENT,
            agent_name="林小雨",
            agent_id_number=ID_NUMBER,
            agent_phone=PHONE,
            authority_verified=True,
        ),
        "other": register(tianhe_handler, **OTHER),
    }


@pytest.fixture
def gd_compliance(make_member: Any) -> Any:
    return make_member("gd_compliance", R.COMPLIANCE, "GD")


@pytest.fixture
def zj_compliance(make_member: Any) -> Any:
    return make_member("zj_compliance", R.COMPLIANCE, "ZJ")


def search(client: Any, **data: str) -> Any:
    return client.post(URL, {"search": "1", **data})


def export(client: Any, fmt: str, complaints: list[Complaint], **data: str) -> Any:
    return client.post(
        URL, {"export": fmt, "complaint": [c.pk for c in complaints], **data}
    )


def workbook(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return {s.title: [tuple(r) for r in s.iter_rows(values_only=True)] for s in book}


def cells(sheets: dict[str, list[tuple[Any, ...]]]) -> set[str]:
    return {str(v) for rows in sheets.values() for row in rows for v in row if v}


def test_compliance_exports_everything_about_one_person_and_nobody_else(
    client: Any, person: dict[str, Complaint], ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    assert (
        'id="data-access-link"'
        in client.get("/admin/complaints/complaint/").content.decode()
    )
    assert client.get(URL).status_code == 200

    response = search(client, id_number=ID_NUMBER.lower())
    found = [c for c, _mine in response.context["rows"]]
    assert found == [person["gd"], person["zj"], person["agent"]]
    assert person["other"].number not in response.content.decode()
    searched = PersonalDataAccess.objects.filter(detail="search")
    assert sorted(searched.values_list("complaint_id", flat=True)) == sorted(
        c.pk for c in found
    )

    response = export(client, "xlsx", found, id_number=ID_NUMBER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = workbook(b"".join(response.streaming_content))
    assert list(sheets) == [
        "投诉",
        "处理决定与核查",
        "往来记录",
        "延期与中止",
        "附件",
        "告知记录",
        "变更记录",
        "作为代理人",
    ]
    own = {r[0] for r in sheets["投诉"][1:]}
    assert own == {person["gd"].number, person["zj"].number}
    assert [r[0] for r in sheets["作为代理人"][1:]] == [person["agent"].number]
    everything = cells(sheets)
    assert {ID_NUMBER, PHONE, "lin@example.com", SUMMARY, "病历.pdf"} <= everything
    assert "已受理" in everything  # values in Chinese, whatever the page's language
    # Nobody else's data: not 王五's, not 赵六's (whose agent she was).
    for value in (
        *OTHER.values(),
        person["other"].number,
        "赵六",
        "440106198502023459",
    ):
        assert value not in everything
    assert {r[0] for r in sheets["变更记录"][1:]} == own
    assert {r[2] for r in sheets["变更记录"][1:]} >= {"创建", "修改"}
    notices = sheets["告知记录"][1:]
    assert {r[0] for r in notices} == {person["gd"].number}
    assert "lin@example.com" in {r[3] for r in notices}

    record = ExportRecord.objects.get()
    assert (record.kind, record.file_format, record.row_count) == (
        "data_access",
        "xlsx",
        3,
    )
    assert ID_NUMBER not in record.filters
    assert "4401**********1235" in record.filters
    exported = PersonalDataAccess.objects.filter(export=record)
    assert sorted(exported.values_list("complaint_id", flat=True)) == sorted(
        c.pk for c in found
    )


def test_the_zip_holds_the_workbook_and_the_files(
    client: Any, person: dict[str, Complaint], ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    response = export(client, "zip", [person["gd"]], phone=PHONE)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    attachment = person["gd"].attachments.get()
    inside = f"附件/{person['gd'].number}/{attachment.pk}-病历.pdf"
    assert set(archive.namelist()) == {XLSX_NAME, inside}
    assert archive.read(inside) == PDF
    sheets = workbook(archive.read(XLSX_NAME))
    assert sheets["附件"][1][-1] == inside
    assert [r[0] for r in sheets["投诉"][1:]] == [person["gd"].number]
    assert ExportRecord.objects.get().file_format == "zip"


def test_a_branch_officer_gets_only_its_subtree(
    client: Any, person: dict[str, Complaint], gd_compliance: Any
) -> None:
    client.force_login(gd_compliance)
    found = [c for c, _ in search(client, id_number=ID_NUMBER).context["rows"]]
    assert found == [person["gd"], person["agent"]]
    both = [person["gd"], person["zj"]]  # the 浙江 one is posted but not found
    sheets = workbook(
        b"".join(export(client, "xlsx", both, id_number=ID_NUMBER).streaming_content)
    )
    assert [r[0] for r in sheets["投诉"][1:]] == [person["gd"].number]


def test_a_sibling_province_finds_nothing_and_exports_nothing(
    client: Any, person: dict[str, Complaint], zj_compliance: Any
) -> None:
    client.force_login(zj_compliance)
    response = search(client, phone=OTHER["phone"])
    assert response.context["rows"] == []
    assert str(NOTHING_FOUND) in response.content.decode()
    assert (
        export(client, "xlsx", [person["other"]], phone=OTHER["phone"]).status_code
        == 404
    )
    assert not ExportRecord.objects.exists()
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(
    "persona",
    ["tianhe_handler", "gd_manager", "senior", "zj_viewer", "outsider", "exporter"],
)
def test_without_both_permissions_the_page_is_refused(
    client: Any,
    person: dict[str, Complaint],
    request: Any,
    make_member: Any,
    tree: Any,
    persona: str,
) -> None:
    if persona == "exporter":  # EXPORT without the personal-data permission
        user = make_member("gd_exporter", R.SENIOR_MANAGER, "GD")
        assign_perm("organisations.export_complaints", user, tree["GD"])
        P.forget(user)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert search(client, id_number=ID_NUMBER).status_code == 403
    assert (
        export(client, "xlsx", [person["gd"]], id_number=ID_NUMBER).status_code == 403
    )
    page = client.get("/admin/complaints/complaint/").content.decode()
    assert 'id="data-access-link"' not in page
    assert not ExportRecord.objects.exists()


def test_a_posted_id_outside_the_search_is_ignored(
    client: Any, person: dict[str, Complaint], ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    response = export(client, "xlsx", [person["other"]], id_number=ID_NUMBER)
    assert response.status_code == 200
    assert str(NOTHING_CHOSEN) in response.content.decode()
    assert not ExportRecord.objects.exists()
    assert search(client).context["form"].non_field_errors() == [str(NEED_ONE)]
    assert export(client, "csv", [person["gd"]], id_number=ID_NUMBER).status_code == 403


def test_both_permissions_must_meet_on_one_institution(
    make_member: Any, tree: Any
) -> None:
    apart = make_member("apart", R.HANDLER, "GDGZTH")  # personal data in 天河 only
    assign_perm("organisations.export_complaints", apart, tree["ZJ"])
    above = make_member("above", R.HANDLER, "GD")  # personal data over 广东
    assign_perm("organisations.export_complaints", above, tree["GDGZTH"])
    for user in (apart, above):
        P.forget(user)
    assert not P.has_all_anywhere(apart, P.DATA_PROTECTION)
    assert P.has_all_anywhere(above, P.DATA_PROTECTION)
    assert P.has_all(above, P.DATA_PROTECTION, tree["GDGZTH"])
    assert not P.has_all(above, P.DATA_PROTECTION, tree["GDGZ"])


def test_personal_data_wherever_one_may_look(
    make_member: Any, tree: Any, tianhe_handler: Any, senior: Any
) -> None:
    assert P.has_wherever(tianhe_handler, P.PERSONAL_DATA)
    assert not P.has_wherever(senior, P.PERSONAL_DATA)
    mixed = make_member("mixed", R.VIEWER, "ZJ")
    membership_grant(user=mixed, institution=tree["GDGZTH"], role=R.HANDLER)
    P.forget(mixed)
    assert not P.has_wherever(mixed, P.PERSONAL_DATA)


@pytest.mark.parametrize(
    ("given", "digits"),
    [
        ("138-0013-8000", PHONE),
        ("+86 138 0013 8000", PHONE),
        ("0086-13800138000", PHONE),
        ("(020) 8888-0000", "02088880000"),
        ("", ""),
    ],
)
def test_phone_digits(given: str, digits: str) -> None:
    assert phone_digits(given) == digits


def test_phones_match_whatever_their_punctuation(
    client: Any, register: Any, tianhe_handler: Any, ho_compliance: Any
) -> None:
    dashed = register(tianhe_handler, phone="138-0013-8000", id_number="")
    spaced = register(tianhe_handler, phone="+86 138 0013 8000", id_number="")
    register(tianhe_handler, phone="13800138001", id_number="")
    client.force_login(ho_compliance)
    found = search(client, phone="8613800138000").context["rows"]
    assert found == [(dashed, True), (spaced, True)]


# --- The access log ------------------------------------------------------------------
def test_the_access_log_is_scoped_and_read_only(
    client: Any,
    person: dict[str, Complaint],
    tianhe_handler: Any,
    xihu_handler: Any,
    ho_compliance: Any,
    gd_compliance: Any,
    outsider: Any,
) -> None:
    for user, c in ((tianhe_handler, person["gd"]), (xihu_handler, person["zj"])):
        client.force_login(user)
        client.get(f"/admin/complaints/complaint/{c.pk}/change/")
    gd_row = PersonalDataAccess.objects.get(complaint=person["gd"])
    zj_row = PersonalDataAccess.objects.get(complaint=person["zj"])

    client.force_login(ho_compliance)
    listed = set(client.get(LOG).context["cl"].result_list)
    assert listed == {gd_row, zj_row}

    client.force_login(gd_compliance)
    assert set(client.get(LOG).context["cl"].result_list) == {gd_row}
    assert client.get(f"{LOG}{zj_row.pk}/change/").status_code in (302, 404)
    page = client.get(f"{LOG}{gd_row.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"{LOG}{gd_row.pk}/change/", {"detail": "x"}).status_code == 403
    assert client.post(f"{LOG}{gd_row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{LOG}add/").status_code == 403
    assert PersonalDataAccess.objects.filter(detail="").count() == 2

    for user in (tianhe_handler, outsider, UserFactory(username="nobody")):
        client.force_login(user)
        assert client.get(LOG).status_code == 403
        assert client.get(f"{LOG}{gd_row.pk}/change/").status_code in (302, 403, 404)
