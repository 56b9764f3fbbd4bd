"""complaints.rules.identifiers: every identifier a complainant gives, checked and put
in one stored form. Table-driven with real-format values: correct and wrong
check digits, real dates and impossible ones."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from complaints.models import Complaint
from complaints.rules import identifiers as I

TODAY = date(2026, 3, 17)


def refusal(check: Any, *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        check(*args, **kwargs)
    return raised.value


# --- Phones ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),  # full width, as an IME types
        ("\u200b13800138000\u200e", "13800138000"),  # invisible marks pasted along
        ("19912345678", "19912345678"),
        ("16612345678", "16612345678"),
        ("020-87654321", "020-87654321"),
        ("02087654321", "020-87654321"),
        ("(020) 8765 4321", "020-87654321"),
        ("（020）87654321", "020-87654321"),
        ("010-62345678", "010-62345678"),
        ("0755-26543210", "0755-26543210"),
        ("0571 8765432", "0571-8765432"),  # a 7-digit local number
        ("020-87654321-8001", "020-87654321-8001"),
        ("020-87654321 转 8001", "020-87654321-8001"),
        ("020 87654321 ext. 8001", "020-87654321-8001"),
        ("+86 20 8765 4321", "020-87654321"),
        ("0086 755 26543210", "0755-26543210"),
        ("+852 9123 4567", "+85291234567"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_valid_phones_are_stored_in_one_form(given: str, stored: str) -> None:
    assert I.normalise_phone(given, field="联系电话") == stored


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("1380013800", "phone"),  # 10 digits: the case
        ("138001380001", "phone"),  # 12 digits
        ("12800138000", "phone"),  # no mobile number starts with 12
        ("23800138000", "phone"),
        ("87654321", "phone"),  # a landline without its area code
        ("020-1234567", "phone"),  # a local number never starts with 1
        ("020-876543210", "phone"),  # 9-digit local number
        ("0755-12345678", "phone"),
        ("020-87654321-1234567", "phone"),  # extension too long
        ("13800138000-12", "phone"),
        ("138 0013 800O", "phone"),  # letter O for zero
        ("+852 12", "phone"),  # too short for any country
        ("+0 1234 5678", "phone"),
        ("电话13800138000", "phone"),
        ("13800138000 转 12", "phone_extension"),  # a mobile has no extension
    ],
)
def test_invalid_phones_are_refused_with_the_rule(given: str, code: str) -> None:
    error = refusal(I.normalise_phone, given, field="联系电话")
    assert error.code == code
    assert I.message(error).startswith("联系电话: ")


@pytest.mark.parametrize(
    ("stored", "mobile", "sms", "lookup"),
    [
        ("13800138000", True, "13800138000", "13800138000"),
        ("+86 138-0013-8000", False, "13800138000", "13800138000"),  # legacy row
        ("020-87654321", False, "", "02087654321"),
        ("020-87654321-8001", False, "", "02087654321"),  # without the extension
        ("+85291234567", False, "", "85291234567"),
        ("1380013800", False, "", "1380013800"),
        ("", False, "", ""),
    ],
)
def test_what_a_stored_phone_reaches(
    stored: str, mobile: bool, sms: str, lookup: str
) -> None:
    assert I.is_mainland_mobile(stored) is mobile
    assert I.sms_number(stored) == sms
    assert I.phone_lookup_digits(stored) == lookup


# --- Resident identity card (GB 11643) -------------------------------------------
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("11010519491231002X", "11010519491231002X"),  # GB 11643's own example
        ("11010519491231002x", "11010519491231002X"),
        ("440106199001011235", "440106199001011235"),
        ("44010619900101118X", "44010619900101118X"),
        (" 4401 0619 9001 0112 35 ", "440106199001011235"),
        ("４４０１０６１９９００１０１１２３５", "440106199001011235"),
        ("65010220000229001X", "65010220000229001X"),  # born on a leap day
        # First generation (15 digits): century 19 inserted, check computed.
        ("110105491231002", "11010519491231002X"),
        ("440106900101123", "440106199001011235"),
        ("", ""),
    ],
)
def test_valid_resident_ids_are_stored_in_18_characters(
    given: str, stored: str
) -> None:
    assert I.normalise_resident_id(given, field="证件号码", today=TODAY) == stored


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("440106199001011234", "id_check_digit"),  # the wrong check digit
        ("11010519491231002Y", "id_format"),
        ("110105194912310021", "id_check_digit"),
        ("44010619900101123", "id_format"),  # 17 digits: the case
        ("4401061990010112355", "id_format"),  # 19
        ("44010619900101123X5", "id_format"),
        ("4401061990010112", "id_format"),
        ("440106199002301230", "id_birth_date"),  # 30 February
        ("440106199013011230", "id_birth_date"),  # month 13
        ("440106203001011230", "id_birth_date"),  # born in 2030
        ("440106189901011230", "id_birth_date"),  # before 1900
        ("440106490230123", "id_birth_date"),  # 15 digits, 30 February 1949
        ("990106199001011235", "id_region"),  # no province 99
        ("710106199001011235", "id_region"),  # Taiwan: a residence permit's code
        ("810000199001010019", "id_region"),  # a residence permit, wrong type
    ],
)
def test_invalid_resident_ids_are_refused_with_the_rule(given: str, code: str) -> None:
    error = refusal(I.normalise_resident_id, given, field="证件号码", today=TODAY)
    assert error.code == code
    assert I.message(error).startswith("证件号码: ")


def test_the_check_character_is_iso_7064_mod_11_2() -> None:
    # Sum of digit x weight (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) mod 11 -> 1 0 X
    # 9 8 7 6 5 4 3 2.
    assert I.id_check_character("11010519491231002") == "X"
    assert I.id_check_character("44010619900101123") == "5"
    assert I.id_check_character("00000000000000000") == "1"


def test_a_residence_permit_message_names_the_right_type() -> None:
    error = refusal(I.normalise_resident_id, "810000199001010019", field="证件号码")
    assert "residence permit" in I.message(error)


# --- The other document types -------------------------------------------------------
@pytest.mark.parametrize(
    ("id_type", "given", "stored"),
    [
        (I.HMT_RESIDENCE_PERMIT, "810000199001010019", "810000199001010019"),
        (I.HMT_RESIDENCE_PERMIT, "820000198512120006", "820000198512120006"),
        (I.HMT_RESIDENCE_PERMIT, "830000197703030019", "830000197703030019"),
        (I.HK_MACAO_PERMIT, "H12345678", "H12345678"),
        (I.HK_MACAO_PERMIT, "m87654321", "M87654321"),
        (I.HK_MACAO_PERMIT, "H1234567801", "H1234567801"),  # the old booklet
        (I.TAIWAN_PERMIT, "12345678", "12345678"),
        (I.TAIWAN_PERMIT, "1234567801", "1234567801"),
        (I.TAIWAN_PERMIT, "1234567801(b)", "1234567801(B)"),
        (I.PASSPORT, "E12345678", "E12345678"),
        (I.PASSPORT, "ea1234567", "EA1234567"),
        (I.PASSPORT, "G 1234 5678", "G12345678"),
        (I.PASSPORT, "K1234567", "K1234567"),
        (I.PASSPORT, "533380006", "533380006"),  # a foreign passport, digits only
        (I.OTHER, "军字第123456号", "军字第123456号"),
        ("", "440106199001011235", "440106199001011235"),  # no type: resident ID
    ],
)
def test_each_document_type_has_its_own_format(
    id_type: str, given: str, stored: str
) -> None:
    assert I.normalise_document(id_type, given, field="证件号码", today=TODAY) == stored


@pytest.mark.parametrize(
    ("id_type", "given", "code"),
    [
        (I.HMT_RESIDENCE_PERMIT, "440106199001011235", "id_format"),
        (I.HMT_RESIDENCE_PERMIT, "810000199001010010", "id_check_digit"),
        (I.HMT_RESIDENCE_PERMIT, "810000199002300019", "id_birth_date"),
        (I.HK_MACAO_PERMIT, "H1234567", "id_format"),
        (I.HK_MACAO_PERMIT, "C12345678", "id_format"),  # a mainland resident's permit
        (I.HK_MACAO_PERMIT, "12345678", "id_format"),
        (I.TAIWAN_PERMIT, "1234567", "id_format"),
        (I.TAIWAN_PERMIT, "T12345678", "id_format"),
        (I.PASSPORT, "ABCDEFGH", "id_format"),  # no digit
        (I.PASSPORT, "E12", "id_format"),
        (I.PASSPORT, "E1234567890123456789", "id_format"),
        (I.PASSPORT, "E1234-5678", "id_format"),
        (I.OTHER, "x" * 41, "id_format"),
        (I.OTHER, "12\x0034", "id_format"),
        ("driving_licence", "440106199001011235", "id_type"),
    ],
)
def test_each_document_type_refuses_what_it_cannot_be(
    id_type: str, given: str, code: str
) -> None:
    error = refusal(I.normalise_document, id_type, given, field="证件号码", today=TODAY)
    assert error.code == code


def test_the_document_types_are_the_models() -> None:
    assert set(Complaint.IdType.values) == set(I.DOCUMENT_TYPES)


# --- Unified social credit code (GB 32100) ----------------------------------------
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("91350100M000100Y43", "91350100M000100Y43"),  # GB 32100's example
        ("914403001922038216", "914403001922038216"),
        ("91330100716105852F", "91330100716105852F"),
        ("91110000600037341L", "91110000600037341L"),
        ("9144030071526726XG", "9144030071526726XG"),
        ("91330100716105852f", "91330100716105852F"),
        ("9133 0100 7161 0585 2F", "91330100716105852F"),
        ("", ""),
    ],
)
def test_valid_credit_codes(given: str, stored: str) -> None:
    assert I.normalise_credit_code(given, field="统一社会信用代码") == stored


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("91330100716105852G", "credit_code_check"),  # wrong check character
        ("914403001922038217", "credit_code_check"),
        ("91350100M000100Y44", "credit_code_check"),
        ("9133010071610585", "credit_code_format"),  # 16 characters
        ("91330100716105852FF", "credit_code_format"),  # 19
        ("91330100716105852I", "credit_code_format"),  # I is not in the set
        ("9133010071610585OF", "credit_code_format"),  # nor O
        ("91330100Z16105852F", "credit_code_format"),  # nor Z
        ("91330100S16105852F", "credit_code_format"),  # nor S
        ("91330100V16105852F", "credit_code_format"),  # nor V
        ("91ABCDEF716105852F", "credit_code_format"),  # places 3-8 are digits
    ],
)
def test_invalid_credit_codes(given: str, code: str) -> None:
    error = refusal(I.normalise_credit_code, given, field="统一社会信用代码")
    assert error.code == code


def test_the_check_character_is_mod_31() -> None:
    # Weights 3^i mod 31; check = 31 - (sum mod 31), 31 read as 0.
    assert I.credit_code_check_character("91350100M000100Y4") == "3"
    assert I.credit_code_check_character("00000000000000000") == "0"


# --- Several fields at once, with their names ---------------------------------------
def test_normalise_fields_names_each_field_and_infers_the_resident_id() -> None:
    clean, errors = I.normalise_fields(
        {
            "phone": "+86 138-0013-8000",
            "id_type": "",
            "id_number": "110105491231002",
            "agent_phone": "1380013800",
            "agent_id_type": I.PASSPORT,
            "agent_id_number": "E12345678",
            "credit_code": "91330100716105852G",
        },
        labels={"agent_phone": "代理人电话", "credit_code": "统一社会信用代码"},
        today=TODAY,
    )
    assert clean == {
        "phone": "13800138000",
        "id_number": "11010519491231002X",
        "id_type": I.RESIDENT_ID,
        "agent_id_number": "E12345678",
    }
    assert set(errors) == {"agent_phone", "credit_code"}
    assert I.message(errors["agent_phone"]).startswith("代理人电话: not a valid phone")


def test_messages_are_translated_and_name_field_and_rule() -> None:
    with translation.override("zh-hans"):
        phone = I.message(refusal(I.normalise_phone, "1380013800", field="联系电话"))
        check = I.message(
            refusal(I.normalise_resident_id, "440106199001011234", field="证件号码")
        )
        credit = I.message(
            refusal(I.normalise_credit_code, "91330100716105852G", field="信用代码")
        )
    assert phone.startswith("联系电话：")
    assert "手机号" in phone
    assert check.startswith("证件号码：")
    assert "GB 11643" in check
    assert "校验码" in check
    assert credit.startswith("信用代码：")
    assert "GB 32100" in credit


def test_a_document_type_without_its_number_is_dropped() -> None:
    clean, errors = I.normalise_fields(
        {"id_type": I.PASSPORT, "id_number": "  "}, labels={}, today=TODAY
    )
    assert (clean, errors) == ({"id_number": "", "id_type": ""}, {})
