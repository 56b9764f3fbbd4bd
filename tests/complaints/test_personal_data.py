"""Complainants' personal data on every surface that shows a complaint: masked
without the personal-data permission on the complaint's institution, shown and
logged (PersonalDataAccess) with it."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from complaints.models import Complaint, ExportRecord, PersonalDataAccess
from complaints.services import (
    complaint_accept,
    complaint_assign,
    correspondence_record,
    personal_data_exported,
)
from complaints.services._common import save
from organisations import permissions as P
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = PersonalDataAccess.Surface
BASE = "/admin/complaints/complaint/"
ADD = f"{BASE}add/"
PERSON = {
    "complainant_name": "林小雨",
    "id_number": "440106199001011235",
    "phone": "13800138000",
    "email": "lin@example.com",
    "address": "广州市天河区体育西路1号",
    "representation": Complaint.Representation.AGENT,
    "agent_name": "陈大文",
    "agent_id_number": "440106198502022341",
    "agent_phone": "13922223333",
    "authority_verified": True,
}
MASKED = ("林*雨", "4401**********1235", "138****8000", "陈*文", "139****3333")
SUMMARY = "林小雨来电称已于三月九日补交病历"


def assert_hidden(page: str) -> None:
    for field in ("complainant_name", "id_number", "phone", "email", "address"):
        assert PERSON[field] not in page, field
    for field in ("agent_name", "agent_id_number", "agent_phone"):
        assert PERSON[field] not in page, field


def logged(user: Any, surface: str) -> list[int]:
    rows = PersonalDataAccess.objects.filter(user=user, surface=surface)
    return sorted(rows.values_list("complaint_id", flat=True))


@pytest.fixture(autouse=True)
def _today(settings: Any, tmp_path: Path, time_machine: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def case(register: Any, tianhe_handler: Any) -> Complaint:
    return register(tianhe_handler, **PERSON)


@pytest.fixture
def gd_desk(make_member: Any, tree: Any) -> Any:
    """Handles 广东分公司's complaints without the personal-data permission (a
    role the defaults do not have: a viewer plus a direct handling grant)."""
    user = make_member("gd_desk", Membership.Role.VIEWER, "GD")
    assign_perm("organisations.handle_complaints", user, tree["GD"])
    P.forget(user)
    return user


def test_each_personal_field_has_its_mask() -> None:
    from complaints.workbench import selectors

    assert selectors.masked("representatives", "林小雨\n欧阳明月") == "林*雨\n欧**月"
    assert selectors.masked("legal_representative", "陈大文") == "陈*文"
    assert selectors.masked("agent_id_number", PERSON["agent_id_number"]) == (
        "4401**********2341"
    )
    assert selectors.masked("policy_number", "P123") == "P123"  # not personal
    assert selectors.masked("email", "") == ""


# --- The changelist and its search ---------------------------------------------------
def test_changelist_masks_without_and_logs_with_the_permission(
    client: Any, case: Complaint, senior: Any, tianhe_handler: Any, time_machine: Any
) -> None:
    client.force_login(senior)
    page = client.get(BASE).content.decode()
    assert case.number in page
    assert_hidden(page)
    assert "林*雨" in page
    assert "138****8000" in page
    assert not PersonalDataAccess.objects.exists()

    client.force_login(tianhe_handler)
    assert PERSON["phone"] in client.get(BASE).content.decode()
    client.get(BASE)  # the same list again, the same day: one row
    assert logged(tianhe_handler, S.CHANGELIST) == [case.pk]
    time_machine.shift(timedelta(days=1))
    client.force_login(tianhe_handler)  # the idle session has expired overnight
    client.get(BASE)
    assert logged(tianhe_handler, S.CHANGELIST) == [case.pk, case.pk]


@pytest.mark.parametrize(
    "term",
    ["13800138000", "440106199001011235", "440106199001011235".lower(), "林小雨"],
)
def test_search_by_a_full_value_works_without_the_permission(
    client: Any,
    case: Complaint,
    register: Any,
    tianhe_handler: Any,
    senior: Any,
    term: str,
) -> None:
    register(
        tianhe_handler,
        complainant_name="王五",
        phone="13900001111",
        id_number="110101198001010010",
    )
    client.force_login(senior)
    response = client.get(BASE, {"q": term})
    assert [c.number for c in response.context["cl"].result_list] == [case.number]
    # The term is in the search box and sort links (the user typed it): the
    # rows themselves show the match masked.
    page = response.content.decode()
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = rows.replace(f"q%3D{term}", "")  # the links keep the user's query
    assert_hidden(rows)
    assert "138****8000" in rows


@pytest.mark.parametrize("term", ["1380013", "林小", "4401061990"])
def test_partial_search_does_not_read_masked_values_back(
    client: Any, case: Complaint, senior: Any, tianhe_handler: Any, term: str
) -> None:
    client.force_login(senior)
    assert list(client.get(BASE, {"q": term}).context["cl"].result_list) == []
    client.force_login(tianhe_handler)  # with the permission, a prefix still finds
    if term != "4401061990":  # the ID number matches in full for everyone
        found = client.get(BASE, {"q": term}).context["cl"].result_list
        assert [c.number for c in found] == [case.number]


# --- The change view and its case file -----------------------------------------------
def test_change_view_masks_every_personal_field_and_correspondence(
    client: Any, case: Complaint, senior: Any, tianhe_handler: Any
) -> None:
    correspondence_record(
        complaint=case,
        actor=tianhe_handler,
        direction="in",
        method="phone",
        occurred_at=datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI),
        summary=SUMMARY,
    )
    url = f"{BASE}{case.pk}/change/"
    client.force_login(senior)
    page = client.get(url).content.decode()
    assert_hidden(page)
    assert SUMMARY not in page
    for value in MASKED:
        assert value in page
    assert not PersonalDataAccess.objects.exists()

    client.force_login(tianhe_handler)
    page = client.get(url).content.decode()
    for value in (*PERSON.values(), SUMMARY):
        if isinstance(value, str) and value != Complaint.Representation.AGENT:
            assert value in page
    client.get(url)
    assert logged(tianhe_handler, S.CHANGE) == [case.pk, case.pk]  # every view


# --- History: the list with its diffs, and an old version ----------------------------
@pytest.fixture
def corrected(case: Complaint, tianhe_handler: Any) -> Complaint:
    """The phone corrected after registration: a diff of personal data."""
    case.phone = "13900001111"
    return save(case, tianhe_handler, "更正联系电话")


def test_history_diffs_are_masked_without_the_permission(
    client: Any, corrected: Complaint, senior: Any, tianhe_handler: Any
) -> None:
    url = f"{BASE}{corrected.pk}/history/"
    client.force_login(senior)
    page = client.get(url).content.decode()
    assert "更正联系电话" in page
    assert "13900001111" not in page
    assert "13800138000" not in page
    assert "138****8000" in page
    assert "139****1111" in page
    assert not PersonalDataAccess.objects.exists()

    client.force_login(tianhe_handler)
    page = client.get(url).content.decode()
    assert "13800138000" in page
    assert "13900001111" in page
    assert logged(tianhe_handler, S.HISTORY) == [corrected.pk]


def test_an_old_version_is_masked_without_the_permission(
    client: Any, corrected: Complaint, senior: Any, tianhe_handler: Any
) -> None:
    first = corrected.history.earliest()
    url = f"{BASE}{corrected.pk}/history/{first.history_id}/"
    client.force_login(senior)
    response = client.get(url)
    assert response.status_code == 200
    assert_hidden(response.content.decode())
    assert "4401**********1235" in response.content.decode()

    client.force_login(tianhe_handler)
    page = client.get(url).content.decode()
    assert PERSON["id_number"] in page
    assert PERSON["phone"] in page
    row = PersonalDataAccess.objects.get(user=tianhe_handler)
    assert (row.surface, row.complaint_id) == (S.HISTORY_VERSION, corrected.pk)
    assert row.detail == str(first.history_id)


# --- My work and the duplicate check -------------------------------------------------
def test_my_work_masks_and_logs(
    client: Any, case: Complaint, gd_desk: Any, tianhe_handler: Any
) -> None:
    url = f"{BASE}my-work/"
    client.force_login(gd_desk)  # the complaint waits unassigned in its subtree
    page = client.get(url).content.decode()
    assert f'id="work-{case.pk}"' in page
    assert_hidden(page)
    assert "林*雨" in page
    assert not PersonalDataAccess.objects.exists()

    c = complaint_accept(complaint=case, actor=tianhe_handler)
    complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    client.force_login(tianhe_handler)
    assert PERSON["phone"] in client.get(url).content.decode()
    assert logged(tianhe_handler, S.MY_WORK) == [case.pk]


def test_duplicates_at_registration_are_masked_and_logged(
    client: Any, case: Complaint, gd_desk: Any, tianhe_handler: Any, tree: Any
) -> None:
    from tests.complaints.test_views import registration

    data = registration(tree, phone=PERSON["phone"])
    client.force_login(gd_desk)
    page = client.post(ADD, data).content.decode()
    assert 'id="possible-duplicates"' in page
    assert case.number in page
    assert "林*雨" in page
    assert "林小雨" not in page
    assert not PersonalDataAccess.objects.exists()

    client.force_login(tianhe_handler)
    assert "林小雨" in client.post(ADD, data).content.decode()
    assert logged(tianhe_handler, S.DUPLICATES) == [case.pk]


# --- Printable notices ---------------------------------------------------------------
def test_letter_is_masked_without_and_logged_with_the_permission(
    client: Any, case: Complaint, senior: Any, tianhe_handler: Any
) -> None:
    accepted = complaint_accept(complaint=case, actor=tianhe_handler)
    letter = accepted.letters.get(kind="acceptance")
    url = reverse("complaints:letter", args=[letter.pk])
    client.force_login(senior)
    page = client.get(url).content.decode()
    assert "林*雨：" in page
    assert "林小雨" not in page
    assert not PersonalDataAccess.objects.exists()

    client.force_login(tianhe_handler)
    assert "林小雨：" in client.get(url).content.decode()
    row = PersonalDataAccess.objects.get(user=tianhe_handler)
    assert (row.surface, row.detail) == (S.LETTER, "acceptance")


# --- The notification outbox ---------------------------------------------------------
def test_outbox_logs_and_masks_for_a_system_administrator(
    client: Any, case: Complaint, tianhe_handler: Any
) -> None:
    complaint_accept(complaint=case, actor=tianhe_handler)  # notices to the complainant
    url = reverse("admin:complaints_notification_changelist")
    client.force_login(tianhe_handler)
    assert PERSON["email"] in client.get(url).content.decode()
    assert logged(tianhe_handler, S.OUTBOX) == [case.pk]

    # Seeing the whole queue is not seeing the complainants' addresses.
    operator = UserFactory(username="operator")
    operator.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(operator)
    page = client.get(url).content.decode()
    assert case.number in page
    assert PERSON["email"] not in page
    assert PERSON["phone"] not in page
    notice = case.notifications.filter(audience="complainant").first()
    detail = client.get(
        reverse("admin:complaints_notification_change", args=[notice.pk])
    )
    assert PERSON["email"] not in detail.content.decode()
    assert not PersonalDataAccess.objects.filter(user=operator).exists()


# --- Exports -------------------------------------------------------------------------
def test_export_logs_each_unmasked_complaint_with_its_export(
    client: Any, case: Complaint, register: Any, xihu_handler: Any, ho_compliance: Any
) -> None:
    other = register(xihu_handler, "ZJHZXH")
    client.force_login(ho_compliance)
    response = client.get(f"{BASE}export/complaints.xlsx")
    content = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert PERSON["id_number"] in {r[7] for r in rows}
    rows = PersonalDataAccess.objects.filter(user=ho_compliance)
    assert sorted(rows.values_list("complaint_id", flat=True)) == sorted(
        [case.pk, other.pk]
    )
    assert {(r.surface, r.export.kind) for r in rows} == {(S.EXPORT, "complaints")}


def test_the_export_log_is_written_in_the_database_row_by_row(
    case: Complaint,
    register: Any,
    tianhe_handler: Any,
    xihu_handler: Any,
    make_member: Any,
    tree: Any,
    django_assert_num_queries: Any,
) -> None:
    """One row per complaint the user sees unmasked, each with every column
    the row-by-row insert wrote, in one INSERT ... SELECT."""
    other_gd = register(tianhe_handler, "GDGZTH")
    zj = register(xihu_handler, "ZJHZXH")
    user = make_member("mixed", Membership.Role.SENIOR_MANAGER, "HO")
    assign_perm("organisations.export_complaints", user, tree["HO"])
    assign_perm("organisations.view_personal_data", user, tree["GDGZTH"])
    P.forget(user)
    record = ExportRecord.objects.create(
        user=user, kind="complaints", file_format="csv", filters="", row_count=3
    )
    exported = P.scope(Complaint.objects.all(), user, P.EXPORT)
    with django_assert_num_queries(1):
        count = personal_data_exported(user=user, complaints=exported, export=record)
    rows = PersonalDataAccess.objects.order_by("complaint_id")
    assert count == 2
    assert list(rows.values_list("complaint_id", flat=True)) == sorted(
        [case.pk, other_gd.pk]
    )  # not 浙江's: masked for this user
    assert zj.pk not in {r.complaint_id for r in rows}
    started = timezone.now()
    for row in rows:
        assert (row.user, row.surface, row.export, row.detail) == (
            user,
            S.EXPORT,
            record,
            "",
        )
        assert row.day == timezone.localdate()
        assert started - timedelta(minutes=1) < row.accessed_at <= started


def test_the_export_log_keeps_the_search_term_masked(
    client: Any, case: Complaint, ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    for term in (PERSON["phone"], "林小雨", case.number):
        response = client.get(f"{BASE}export/complaints.csv", {"q": term})
        assert case.number in b"".join(response.streaming_content).decode("utf-8-sig")
    logged = list(ExportRecord.objects.order_by("pk").values_list("filters", flat=True))
    assert logged == [
        "q=1380%2A%2A%2A8000",
        "q=%E6%9E%97%2A%E9%9B%A8",  # 林*雨
        f"q={case.number}",
    ]


def test_a_masked_export_is_not_logged_as_access(
    client: Any, case: Complaint, make_member: Any, tree: Any
) -> None:
    exporter = make_member("gd_exporter", Membership.Role.SENIOR_MANAGER, "GD")
    assign_perm("organisations.export_complaints", exporter, tree["GD"])
    P.forget(exporter)
    client.force_login(exporter)
    response = client.get(f"{BASE}export/complaints.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert case.number in text
    assert_hidden(text)
    assert not PersonalDataAccess.objects.exists()


# --- Dashboards and drill-downs show no personal data to anyone ----------------------
def test_dashboards_and_drilldowns_carry_no_personal_data(
    client: Any, case: Complaint, gd_manager: Any, tianhe_handler: Any
) -> None:
    drill = (
        "/admin/reporting/dashboard/drilldown/"
        "?institution=GD&period=2026Q1&metric=received"
    )
    client.force_login(gd_manager)
    response = client.get(drill)
    assert response.status_code == 200
    assert case.number in response.content.decode()
    assert_hidden(response.content.decode())
    assert_hidden(
        client.get("/admin/reporting/dashboard/manager/?period=2026Q1").content.decode()
    )
    client.force_login(tianhe_handler)
    assert_hidden(client.get("/admin/reporting/dashboard/handler/").content.decode())


def test_the_log_takes_more_rows_than_one_statement_carries(
    case: Complaint, tianhe_handler: Any
) -> None:
    """One INSERT, no transaction, for a page's rows; beyond one statement's
    parameter limit (SQLite) the batches go in one transaction, none lost."""
    from complaints.services.privacy import _insert

    rows = 2000  # over SQLite's 999 parameters at six columns a row
    _insert(
        user_id=tianhe_handler.pk,
        complaint_ids=[case.pk] * rows,
        surface=PersonalDataAccess.Surface.CHANGE,
        detail="v2",
        ignore_conflicts=False,
    )
    saved = PersonalDataAccess.objects.filter(user=tianhe_handler, complaint=case)
    assert saved.count() == rows
    one = saved.first()
    assert one is not None
    assert (one.surface, one.detail, one.export_id) == ("change", "v2", None)
    assert one.day == timezone.localdate()
    assert abs((timezone.now() - one.accessed_at).total_seconds()) < 60
