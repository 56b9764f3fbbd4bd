"""Checking and normalising the identifiers a complainant gives (pure: no database).

Every door that takes a phone, an identity document or an organisation's code
(the admin's registration form, the intake API, the regulator-transfer import,
the registration service behind them all) calls these functions, so one value
has one stored form whichever door it came through, and the duplicate check,
the search and the SMS notices find the person again.

Stored forms:
- mainland mobile: 11 digits, ``13800138000`` (a +86/0086/86 prefix, spaces
  and hyphens dropped);
- mainland landline: area code, hyphen, number, ``020-87654321``, and an
  extension after a second hyphen, ``020-87654321-8001``;
- a number outside the mainland: ``+`` and the digits with the country or
  region code (E.164), ``+85291234567``;
- resident identity card (GB 11643-1999): 18 characters, the check letter as
  a capital ``X``; a 15-digit number of the first generation is converted to
  its 18-digit form (century 19 inserted, check digit computed);
- unified social credit code (GB 32100-2015): 18 capitals and digits;
- passports and the Hong Kong/Macao/Taiwan documents: capitals and digits as
  printed, spaces dropped.

Each refusal is a ValidationError whose message names the field (the label
the caller passes) and the rule it breaks, translated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.text import visible

# --- Document types (the values of Complaint.IdType) ---------------------------
RESIDENT_ID = "resident_id"
HK_MACAO_PERMIT = "hmt"  # 港澳居民来往内地通行证 (the value predates the split)
TAIWAN_PERMIT = "tw"  # 台湾居民来往大陆通行证
HMT_RESIDENCE_PERMIT = "hmt_res"  # 港澳台居民居住证
PASSPORT = "passport"
OTHER = "other"

# --- Messages ------------------------------------------------------------------
PHONE_INVALID = _(
    "%(field)s: not a valid phone number. A mainland mobile number has 11 digits "
    "and starts with 1; a landline needs its area code (e.g. 020-87654321, an "
    "extension after it: 020-87654321-8001); a number outside the mainland "
    "starts with + and its country or region code."
)
MOBILE_EXTENSION = _("%(field)s: a mobile number has no extension.")
ID_FORMAT = _(
    "%(field)s: a resident ID number has 18 characters, 17 digits and a last "
    "digit or X (GB 11643); a first-generation number has 15 digits."
)
ID_REGION = _(
    "%(field)s: the first two digits %(region)s are not a mainland province's "
    "code (GB 11643, GB/T 2260)."
)
ID_REGION_PERMIT = _(
    "%(field)s: a number starting with %(region)s is a Hong Kong/Macao/Taiwan "
    "residence permit; choose that document type."
)
ID_BIRTH_DATE = _(
    "%(field)s: digits %(first)d–%(last)d are not a valid date of birth (GB 11643)."
)
ID_CHECK_DIGIT = _(
    "%(field)s: the check digit is wrong (GB 11643, ISO 7064 MOD 11-2); "
    "check every digit against the card."
)
RESIDENCE_PERMIT_FORMAT = _(
    "%(field)s: a Hong Kong/Macao/Taiwan residence permit number starts with "
    "810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan); otherwise it follows "
    "the resident ID rules (18 characters, GB 11643)."
)
HK_MACAO_FORMAT = _(
    "%(field)s: a Mainland Travel Permit for Hong Kong and Macao Residents is H "
    "or M followed by 8 digits (10 digits on the old booklet), e.g. H12345678."
)
TAIWAN_FORMAT = _(
    "%(field)s: a Mainland Travel Permit for Taiwan Residents has 8 digits (the "
    "old booklet: 10 digits, maybe followed by a letter in brackets)."
)
PASSPORT_FORMAT = _(
    "%(field)s: a passport number has 5 to 17 letters and digits, at least one "
    "of them a digit (a Chinese passport: E12345678)."
)
OTHER_FORMAT = _("%(field)s: at most %(max)d characters, without control characters.")
CREDIT_CODE_FORMAT = _(
    "%(field)s: a unified social credit code has 18 characters: digits and "
    "capital letters except I, O, Z, S and V, with digits in places 3–8 "
    "(GB 32100)."
)
CREDIT_CODE_CHECK = _(
    "%(field)s: the check character is wrong (GB 32100, MOD 31); check every "
    "character against the business licence."
)
ID_TYPE_UNKNOWN = _("%(field)s: unknown document type “%(value)s”.")

# --- Phones ----------------------------------------------------------------------
# Mainland mobile numbers: 1, then 3-9, then 9 digits (MIIT numbering plan).
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Landline: area code 010 or 02x (3 digits) or 0 + 3 digits, then a local
# number of 7 or 8 digits that does not start with 0 or 1.
_AREA_3 = re.compile(r"0(10|2\d)")
_AREA_4 = re.compile(r"0[3-9]\d\d")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_EXTENSION_MARK = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-().·/]+")
# E.164: at most 15 digits after the +, country codes never start with 0.
_INTERNATIONAL = re.compile(r"[1-9]\d{6,14}")
_MAINLAND_PREFIXES = ("0086", "86")


def _clean(value: Any) -> str:
    """NFKC (full-width digits and brackets become ASCII), invisible format
    characters (zero-width spaces, bidi marks) dropped, ends stripped."""
    # Invisible characters first: NFKC would turn a Hangul filler into
    # another filler, not into nothing (organisations.text, the one rule).
    text = unicodedata.normalize("NFKC", visible(str(value or "")))
    return visible(text).strip()


def _error(message: Any, code: str, field: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params={"field": field, **params})


def _landline(digits: str) -> tuple[str, str] | None:
    """(area code, local number) of a landline written as digits, or None."""
    for area in (_AREA_3, _AREA_4):
        match = area.match(digits)
        if match and _LOCAL.fullmatch(digits[match.end() :]):
            return match.group(0), digits[match.end() :]
    return None


def normalise_phone(value: Any, *, field: str = "") -> str:
    """The stored form of a phone number ("" for an empty one), or ValidationError."""
    text = _clean(value)
    if not text:
        return ""
    extension = ""
    marked = _EXTENSION_MARK.search(text)
    if marked:
        extension, text = marked.group(1), text[: marked.start()]
    international = text.startswith("+")
    parts = [p for p in _SEPARATORS.split(text.lstrip("+")) if p]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):
        raise _error(PHONE_INVALID, "phone", field)
    digits = "".join(parts)
    if international:
        if not digits.startswith("86"):
            if extension or not _INTERNATIONAL.fullmatch(digits):
                raise _error(PHONE_INVALID, "phone", field)
            return f"+{digits}"
        digits = digits[2:]
        if not digits.startswith(("0", "1")):
            digits = "0" + digits  # +86 20 8765 4321: the trunk 0 is dropped abroad
    else:
        # 0086 or 86 before a mobile number, or before an area code without
        # its trunk 0 (a mainland landline always starts with 0 itself).
        for prefix in _MAINLAND_PREFIXES:
            rest = digits[len(prefix) :]
            if not digits.startswith(prefix):
                continue
            if _MOBILE.fullmatch(rest) or _landline(rest):
                digits = rest
            elif _landline("0" + rest):
                digits = "0" + rest
            else:
                continue
            break
    if _MOBILE.fullmatch(digits):
        if extension:
            raise _error(MOBILE_EXTENSION, "phone_extension", field)
        return digits
    landline = _landline(digits)
    if landline is None and not extension and len(parts) >= 2:
        # "020-87654321-8001": the last group is the extension.
        head, tail = "".join(parts[:-1]), parts[-1]
        if len(tail) <= 6 and not international:
            for prefix in ("", *_MAINLAND_PREFIXES):
                if head.startswith(prefix) and _landline(head[len(prefix) :]):
                    landline, extension = _landline(head[len(prefix) :]), tail
                    break
    if landline is None:
        raise _error(PHONE_INVALID, "phone", field)
    area, local = landline
    return f"{area}-{local}" + (f"-{extension}" if extension else "")


def is_mainland_mobile(value: str) -> bool:
    """Whether a stored phone can receive an SMS (a mainland mobile number)."""
    return bool(_MOBILE.fullmatch(value or ""))


def sms_number(value: str) -> str:
    """The mobile number an SMS goes to: the stored phone when it is a mainland
    mobile, also when stored before normalisation ("+86 138-0013-8000");
    "" for a landline, a number abroad or a malformed value."""
    try:
        phone = normalise_phone(value)
    except ValidationError:
        return ""
    return phone if is_mainland_mobile(phone) else ""


def lenient_phone(value: Any) -> str:
    """A phone in its stored form when it has one, else as given (stripped):
    for lookups, which must not refuse what they are asked."""
    try:
        return normalise_phone(value)
    except ValidationError:
        return _clean(value)


def phone_lookup_digits(value: str) -> str:
    """The digits a complainant knows as their number: the stored phone's
    digits without an extension (a status lookup asks for the last four)."""
    try:
        phone = normalise_phone(value)
    except ValidationError:
        phone = value or ""
    if phone.count("-") == 2:
        phone = phone.rsplit("-", 1)[0]
    return "".join(ch for ch in phone if ch.isdigit())


# --- Resident identity card (GB 11643-1999) -----------------------------------
# ISO 7064 MOD 11-2: weight of position i (1-based from the left) is
# 2^(18-i) mod 11; the check character for sum mod 11 = k is _ID_CHECK[k].
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 that resident ID numbers start with
# (31 mainland provinces, autonomous regions and municipalities).
# fmt: off
MAINLAND_PROVINCES = frozenset({
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
})
# fmt: on
# Residence permits for Hong Kong, Macao and Taiwan residents (2018) use the
# resident ID layout with these address codes.
RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")
OLDEST_BIRTH_YEAR = 1900
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")


def id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_date(digits: str, today: date) -> date | None:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return born if born.year >= OLDEST_BIRTH_YEAR and born <= today else None


def _compact(value: Any) -> str:
    return re.sub(r"\s+", "", _clean(value)).upper()


def _resident_layout(
    number: str, field: str, today: date, *, message: Any = ID_FORMAT
) -> str:
    """An 18-character (or 15-digit legacy) number checked against GB 11643."""
    if _ID15.fullmatch(number):
        if _birth_date("19" + number[6:12], today) is None:
            raise _error(ID_BIRTH_DATE, "id_birth_date", field, first=7, last=12)
        number = number[:6] + "19" + number[6:]
        number += id_check_character(number)
    if not _ID18.fullmatch(number):
        raise _error(message, "id_format", field)
    if _birth_date(number[6:14], today) is None:
        raise _error(ID_BIRTH_DATE, "id_birth_date", field, first=7, last=14)
    if id_check_character(number[:17]) != number[17]:
        raise _error(ID_CHECK_DIGIT, "id_check_digit", field)
    return number


def normalise_resident_id(
    value: Any, *, field: str = "", today: date | None = None
) -> str:
    """A resident ID number in its 18-character form, or ValidationError."""
    number = _compact(value)
    if not number:
        return ""
    today = today or timezone.localdate()
    region = number[:2]
    if number.startswith(RESIDENCE_PERMIT_PREFIXES):
        raise _error(ID_REGION_PERMIT, "id_region", field, region=number[:6])
    if (_ID18.fullmatch(number) or _ID15.fullmatch(number)) and (
        region not in MAINLAND_PROVINCES
    ):
        raise _error(ID_REGION, "id_region", field, region=region)
    return _resident_layout(number, field, today)


def normalise_residence_permit(
    value: Any, *, field: str = "", today: date | None = None
) -> str:
    number = _compact(value)
    if not number:
        return ""
    if not number.startswith(RESIDENCE_PERMIT_PREFIXES) or len(number) != 18:
        raise _error(RESIDENCE_PERMIT_FORMAT, "id_format", field)
    return _resident_layout(
        number, field, today or timezone.localdate(), message=RESIDENCE_PERMIT_FORMAT
    )


_HK_MACAO = re.compile(r"[HM](\d{8}|\d{10})")
_TAIWAN = re.compile(r"\d{8}|\d{10}(\([A-Z0-9]\))?")
_PASSPORT = re.compile(r"(?=.*\d)[A-Z0-9]{5,17}")
_OTHER = re.compile(r"[^\x00-\x1f\x7f]{1,40}")
OTHER_MAX = 40


def _by_pattern(pattern: re.Pattern[str], message: Any, **params: Any) -> Any:
    def check(value: Any, *, field: str = "", today: date | None = None) -> str:
        number = _compact(value)
        if number and not pattern.fullmatch(number):
            raise _error(message, "id_format", field, **params)
        return number

    return check


_CHECKS = {
    RESIDENT_ID: normalise_resident_id,
    HMT_RESIDENCE_PERMIT: normalise_residence_permit,
    HK_MACAO_PERMIT: _by_pattern(_HK_MACAO, HK_MACAO_FORMAT),
    TAIWAN_PERMIT: _by_pattern(_TAIWAN, TAIWAN_FORMAT),
    PASSPORT: _by_pattern(_PASSPORT, PASSPORT_FORMAT),
    OTHER: _by_pattern(_OTHER, OTHER_FORMAT, max=OTHER_MAX),
}
DOCUMENT_TYPES = tuple(_CHECKS)


def normalise_document(
    id_type: str, value: Any, *, field: str = "", today: date | None = None
) -> str:
    """The stored form of an identity document's number under its type."""
    check = _CHECKS.get(id_type or RESIDENT_ID)
    if check is None:
        raise _error(ID_TYPE_UNKNOWN, "id_type", field, value=id_type)
    return str(check(value, field=field, today=today))


def lenient_document(value: Any, id_type: str = "") -> str:
    """A document number in its stored form when it is valid under `id_type`
    (a resident ID when empty: a 15-digit number is found under its 18-digit
    form), else compacted and in capitals: for lookups."""
    try:
        return normalise_document(id_type, value)
    except ValidationError:
        return _compact(value)


# --- Unified social credit code (GB 32100-2015) --------------------------------
# 31 characters: the digits and the capitals without I, O, Z, S, V (too easily
# read as 1, 0, 2, 5, U); a character's value is its index here.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (0-based) is 3^i mod 31.
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_CHAR = f"[{CREDIT_CODE_CHARSET}]"
_CREDIT = re.compile(rf"{_CREDIT_CHAR}{{2}}\d{{6}}{_CREDIT_CHAR}{{10}}")


def credit_code_check_character(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * w
        for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(value: Any, *, field: str = "") -> str:
    code = _compact(value)
    if not code:
        return ""
    if not _CREDIT.fullmatch(code):
        raise _error(CREDIT_CODE_FORMAT, "credit_code_format", field)
    if credit_code_check_character(code[:17]) != code[17]:
        raise _error(CREDIT_CODE_CHECK, "credit_code_check", field)
    return code


# --- Vehicle plates (GA 36-2018) ---------------------------------------------------
# A province's one-character abbreviation, the issuing office's letter, then 5
# characters (6 for new-energy vehicles); the last may be 挂/学/警/港/澳.
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"[{PLATE_PROVINCES}][A-Z][A-Z0-9]{{4,5}}[A-Z0-9挂学警港澳]")
PLATE_FORMAT = _(
    "%(field)s: a province's abbreviation, a letter and 5 or 6 letters or digits "
    "(粤A12345, 粤AD12345)."
)


def normalise_plate(value: Any, *, field: str = "") -> str:
    """'粤a·123 45' -> '粤A12345': capitals, no spaces, dots or hyphens."""
    plate = _SEPARATORS.sub("", _clean(value)).replace("•", "").upper()
    if not plate:
        return ""
    if not _PLATE.fullmatch(plate):
        raise _error(PLATE_FORMAT, "plate_format", field)
    return plate


def lenient_plate(value: Any) -> str:
    """A plate in its stored form when it is one, else "" (for lookups)."""
    try:
        return normalise_plate(value)
    except ValidationError:
        return ""


# --- A complainant's identifiers at once ----------------------------------------
PHONE_FIELDS = ("phone", "agent_phone")
# number field -> its document-type field
DOCUMENT_FIELDS = {"id_number": "id_type", "agent_id_number": "agent_id_type"}
CREDIT_CODE_FIELDS = ("credit_code",)
PLATE_FIELDS = ("plate_number",)
IDENTIFIER_FIELDS = (
    *PHONE_FIELDS,
    *DOCUMENT_FIELDS,
    *CREDIT_CODE_FIELDS,
    *PLATE_FIELDS,
)


def normalise_fields(
    values: Mapping[str, Any],
    *,
    labels: Mapping[str, Any],
    today: date | None = None,
) -> tuple[dict[str, str], dict[str, ValidationError]]:
    """Check every identifier present in `values` (field name -> value).

    Returns the normalised values (an ID number given without its type gets
    the resident ID type, the usual case, and is checked as one; a type given
    without a number is dropped) and the errors by field name; `labels` gives
    each field's name in the messages.
    """
    today = today or timezone.localdate()
    clean: dict[str, str] = {}
    errors: dict[str, ValidationError] = {}

    def label(name: str) -> str:
        return str(labels.get(name, name))

    for name in PHONE_FIELDS:
        if name in values:
            try:
                clean[name] = normalise_phone(values[name], field=label(name))
            except ValidationError as exc:
                errors[name] = exc
    for name, type_name in DOCUMENT_FIELDS.items():
        if name not in values:
            continue
        id_type = str(values.get(type_name) or "")
        try:
            number = normalise_document(
                id_type, values[name], field=label(name), today=today
            )
        except ValidationError as exc:
            errors[name] = exc
            continue
        clean[name] = number
        if number and not id_type:
            clean[type_name] = RESIDENT_ID
        elif not number and id_type:
            clean[type_name] = ""  # a type without its number says nothing
    for name in CREDIT_CODE_FIELDS:
        if name in values:
            try:
                clean[name] = normalise_credit_code(values[name], field=label(name))
            except ValidationError as exc:
                errors[name] = exc
    for name in PLATE_FIELDS:
        if name in values:
            try:
                clean[name] = normalise_plate(values[name], field=label(name))
            except ValidationError as exc:
                errors[name] = exc
    return clean, errors


def message(error: ValidationError) -> str:
    """The one translated sentence of an identifier's ValidationError."""
    return "; ".join(error.messages)
