"""Identifiers are checked at every door that takes them (the registration
service behind the admin form, the intake API and the regulator-transfer
import), stored in one form, and then found again: by the duplicate check, the
search, the SMS notices and the status lookup. Existing data is reported by
`check_identifiers`, never changed."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper

from complaints.exceptions import ComplaintError
from complaints.exchange import imports
from complaints.models import Complaint, Notification
from complaints.services import complaint_accept
from complaints.workbench import selectors
from intake.selectors import complaint_for_lookup
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_import_regulator import HEADER, gbk_csv, line
from tests.complaints.test_views import ADD, registration
from tests.intake.conftest import API, codes, payload
from tests.intake.conftest import make_client as make_client  # noqa: F401
from tests.intake.conftest import website as website  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


# --- The service: every door's last word ----------------------------------------
def test_the_service_stores_one_form_and_refuses_the_rest(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(
        tianhe_handler,
        phone="+86 138-0013-8000",
        id_type="",
        id_number="440106900101123",
        agent_phone="(020) 8765 4321 转 8001",
        agent_id_type=Complaint.IdType.PASSPORT,
        agent_id_number="e 1234 5678",
    )
    assert (c.phone, c.id_type, c.id_number) == (
        "13800138000",
        "resident_id",
        "440106199001011235",
    )
    assert (c.agent_phone, c.agent_id_number) == ("020-87654321-8001", "E12345678")
    with pytest.raises(ComplaintError) as refused:
        register(tianhe_handler, phone="1380013800", id_number="44010619900101123")
    assert set(refused.value.message_dict) == {"phone", "id_number"}
    assert Complaint.objects.count() == 1


# --- The admin's registration form ------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "1380013800", "Phone: not a valid phone number."),
        ("id_number", "440106199001011234", "ID number: the check digit is wrong"),
        ("id_number", "44010619900101123", "ID number: a resident ID number has 18"),
        ("credit_code", "91330100716105852G", "Unified social credit code: the check"),
        ("agent_phone", "12800138000", "Agent / heir phone: not a valid phone"),
    ],
)
def test_the_form_shows_each_error_under_its_field_and_registers_nothing(
    client: Any, tree: Any, tianhe_handler: Any, field: str, value: str, message: str
) -> None:
    client.force_login(tianhe_handler)
    response = client.post(ADD, registration(tree, **{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(e.startswith(message) for e in errors[field]), errors
    assert not Complaint.objects.exists()


def test_the_form_registers_the_stored_form(
    client: Any, tree: Any, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    response = client.post(
        ADD,
        registration(
            tree, phone="０２０－８７６５ ４３２１", id_number="110105491231002"
        ),
    )
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert (c.phone, c.id_number) == ("020-87654321", "11010519491231002X")


def test_the_duplicate_check_finds_the_person_however_the_number_is_typed(
    client: Any, tree: Any, register: Any, tianhe_handler: Any
) -> None:
    earlier = register(tianhe_handler, phone="13700137000", id_number="")
    by_id = register(tianhe_handler, phone="", id_number="11010519491231002X")
    client.force_login(tianhe_handler)
    response = client.post(
        ADD,
        registration(tree, phone="+86 137 0013 7000", id_number="110105491231002"),
    )
    page = response.content.decode()
    assert 'id="possible-duplicates"' in page
    assert earlier.number in page
    assert by_id.number in page
    assert Complaint.objects.count() == 2


def test_the_search_finds_a_landline_typed_without_its_hyphen(
    client: Any, register: Any, tianhe_handler: Any
) -> None:
    wanted = register(tianhe_handler, phone="020-87654321")
    register(tianhe_handler, phone="13900139000", id_number="11010519491231002X")
    client.force_login(tianhe_handler)
    for term in ("02087654321", "020-87654321", "+86-20-87654321"):
        found = client.get("/admin/complaints/complaint/", {"q": term})
        numbers = {c.number for c in found.context["cl"].result_list}
        assert numbers == {wanted.number}, term


# --- The intake API ---------------------------------------------------------------
def test_the_api_names_the_field_and_the_rule(website: Any) -> None:
    response = website.post(
        f"{API}/complaints/",
        payload(phone="1380013800", id_number="440106199001011234"),
        format="json",
    )
    assert response.status_code == 400
    assert set(codes(response)) == {("phone", "phone"), ("id_number", "id_check_digit")}
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["id_number"].startswith("ID number: the check digit is wrong")
    assert not Complaint.objects.exists()


def test_the_api_speaks_chinese(website: Any) -> None:
    response = website.post(
        f"{API}/complaints/",
        payload(credit_code="91330100716105852G"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    message = response.json()["errors"][0]["message"]
    assert message.startswith("统一社会信用代码：")
    assert "GB 32100" in message


def test_the_api_stores_the_normalised_form(website: Any) -> None:
    response = website.post(
        f"{API}/complaints/",
        payload(
            phone="0086 138 0013 8000",
            agent_name="林大山",
            representation="agent",
            agent_id_type="hmt",
            agent_id_number="h12345678",
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    c = Complaint.objects.get()
    assert (c.phone, c.agent_id_type, c.agent_id_number) == (
        "13800138000",
        "hmt",
        "H12345678",
    )


# --- The regulator-transfer import -----------------------------------------------
@pytest.fixture
def importer(make_member: Any) -> Any:
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


def preview_of(importer: Any, rows: list[list[str]]) -> Any:
    return imports.regulator_transfers_preview(actor=importer, rows=[HEADER, *rows])


def test_the_import_lists_each_bad_identifier_with_line_and_column(
    importer: Any,
) -> None:
    preview = preview_of(
        importer,
        [
            line("YJ-1", 证件号码="440106199001011234"),
            line("YJ-2", 联系电话="8765432"),
            line("YJ-3", 证件类型="护照", 证件号码="ABCDEFGH"),
            line("YJ-4", 证件类型="驾驶证"),
        ],
    )
    problems = {(p.line, p.column): p.message for p in preview.problems}
    assert set(problems) == {
        (2, "证件号码"),
        (3, "联系电话"),
        (4, "证件号码"),
        (5, "证件类型"),
    }
    assert problems[(2, "证件号码")].startswith("证件号码: the check digit is wrong")
    assert problems[(3, "联系电话")].startswith("联系电话: not a valid phone")
    assert problems[(4, "证件号码")].startswith("证件号码: a passport number")
    assert "居民身份证（resident_id）" in problems[(5, "证件类型")]


def test_the_import_registers_the_stored_forms(client: Any, importer: Any) -> None:
    rows = [
        line("YJ-1", 证件号码="440106900101123", 联系电话="020 8765 4321"),
        line(
            "YJ-2", 证件类型="台胞证", 证件号码="12345678", 联系电话="+886 912 345 678"
        ),
    ]
    client.force_login(importer)
    url = "/admin/complaints/complaint/import-regulator/"
    client.post(url, {"file": SimpleUploadedFile("t.csv", gbk_csv(rows))})
    assert client.post(url, {"confirm": "1"}).status_code == 302
    first, second = Complaint.objects.order_by("regulator_reference")
    assert (first.id_type, first.id_number, first.phone) == (
        "resident_id",
        "440106199001011235",
        "020-87654321",
    )
    assert (second.id_type, second.id_number, second.phone) == (
        "tw",
        "12345678",
        "+886912345678",
    )


# --- Finding the person again -------------------------------------------------------
def test_sms_notices_reach_mobiles_only(register: Any, tianhe_handler: Any) -> None:
    landline = register(tianhe_handler, phone="020-87654321", email="")
    complaint_accept(complaint=landline, actor=tianhe_handler)
    sent = Notification.objects.filter(complaint=landline, kind="acceptance")
    assert list(sent.values_list("channel", "address")) == [("letter", "")]

    legacy = register(tianhe_handler, email="")
    # A phone stored before the checks existed, in its own form.
    Complaint.objects.filter(pk=legacy.pk).update(phone="+86 138-0013-8000")
    complaint_accept(
        complaint=Complaint.objects.get(pk=legacy.pk), actor=tianhe_handler
    )
    sent = Notification.objects.filter(complaint=legacy, kind="acceptance")
    assert list(sent.values_list("channel", "address")) == [("sms", "13800138000")]


def test_the_status_lookup_asks_for_the_number_not_the_extension(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler, phone="020-87654321-8001")
    assert complaint_for_lookup(number=c.number, phone_last4="4321") == c
    assert complaint_for_lookup(number=c.number, phone_last4="8001") is None


def test_duplicates_selector_normalises_what_it_is_asked(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler)
    found = selectors.complaint_possible_duplicates(
        user=tianhe_handler, phone="+86 138 0013 8000"
    )
    assert list(found) == [c]


# --- Existing data is reported, not changed ----------------------------------
def run_check(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("check_identifiers", *args, stdout=OutputWrapper(out))
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


def test_check_identifiers_reports_and_changes_nothing(
    register: Any, tianhe_handler: Any
) -> None:
    good = register(tianhe_handler)
    bad = register(tianhe_handler)
    legacy = register(tianhe_handler)
    # Rows written before the checks (as the issue found them).
    Complaint.objects.filter(pk=bad.pk).update(
        phone="1380013800", id_number="440106199001011234"
    )
    Complaint.objects.filter(pk=legacy.pk).update(phone="138-0013-8000")
    history = Complaint.history.count()

    text, status = run_check()
    assert status == 1
    assert f"{bad.number} phone “138****3800”: Phone: not a valid phone" in text
    assert f"{bad.number} id_number “4401**********1234”: ID number: the check" in text
    assert (
        f"{legacy.number} phone “138****8000”: valid, in the stored form “138****8000”."
    ) in text
    assert good.number not in text
    assert (
        "Identifiers: 3 complaints checked, 2 values fail a check, 1 are valid in "
        "another form. Nothing was changed."
    ) in text
    assert Complaint.objects.get(pk=bad.pk).phone == "1380013800"
    assert Complaint.objects.get(pk=legacy.pk).phone == "138-0013-8000"
    assert Complaint.history.count() == history

    shown, _status = run_check("--show-values")
    assert "“440106199001011234”" in shown


def test_check_identifiers_passes_clean_data(
    register: Any, tianhe_handler: Any
) -> None:
    register(tianhe_handler)
    text, status = run_check()
    assert status == 0
    assert "1 complaints checked, 0 values fail a check" in text
