"""Property tests of the intake API's payloads: registration, correspondence,
attachment metadata and the public status lookup.

Whatever the body, the answer is 2xx with a valid record, or 4xx in the API's
error shape ({"errors": [{"field", "code", "message"}]}) naming the field at
fault, with nothing written; never a 500. Each example runs in a transaction
that is rolled back. (tests/intake/test_fuzz.py fuzzes from the schema; these
aim hostile values at each field on top of a valid body.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from complaints.models import Attachment, Complaint, Correspondence
from intake.models import IntakeSubmission
from intake.serializers import ComplaintRegistrationSerializer
from tests.complaints.conftest import SHANGHAI
from tests.hostile import hostile_text
from tests.intake.conftest import API, complaint_url, payload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REGISTRATION_FIELDS = sorted(ComplaintRegistrationSerializer().fields)
# Signs of an exception's text shown to the client instead of a message.
RAW = re.compile(r"Traceback|<class |Error\(|object at 0x|\[<")


class Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    # The fixture's complaint is then TS2026-000001, the lookup's target.
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture(autouse=True)
def _no_limits(settings: Any) -> None:
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 10**9
    settings.INTAKE_STATUS_LOOKUP_PER_MINUTE = 10**9


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, hostile strings and wrong types included."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text(),
        st.sampled_from(
            ["2026-02-30", "2026-03-17T10:00:00+08:00", "9999-12-31T23:59:59Z"]
        ),
        st.sampled_from(["0001-01-01T00:00:00-12:00", "8600.00", "-1", "1e309"]),
        st.sampled_from(["motor", "claims", "GDGZTH", "GD", "phone", "evidence"]),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.text(max_size=5), inner, max_size=3),
        ),
        max_leaves=6,
    )


@st.composite
def spoilt(draw: st.DrawFn, base: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """`base` with one to three keys set to hostile values, dropped or added."""
    body = dict(base)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["set", "set", "drop", "extra"]))
        name = draw(st.sampled_from(names))
        if action == "set":
            body[name] = draw(json_values())
        elif action == "drop":
            body.pop(name, None)
        else:
            body[draw(st.text(min_size=1, max_size=10))] = draw(json_values())
    return body


def check_error_shape(response: Any, names: list[str]) -> None:
    errors = response.json()["errors"]
    assert errors
    for error in errors:
        assert set(error) == {"field", "code", "message"}
        assert error["field"] is None or isinstance(error["field"], str)
        if error["field"] is not None and response.status_code == 400:
            top = error["field"].split(".")[0].split("[")[0]
            assert top in names or top == "Idempotency-Key", error
        assert isinstance(error["code"], str)
        assert error["code"]
        assert isinstance(error["message"], str)
        assert error["message"]
        assert not RAW.search(error["message"]), error


def counts() -> tuple[int, ...]:
    return (
        Complaint.objects.count(),
        Complaint.history.count(),
        Correspondence.objects.count(),
        Attachment.objects.count(),
        IntakeSubmission.objects.count(),
    )


def post_json(api: APIClient, url: str, body: Any, **headers: Any) -> Any:
    # Sent as text: the client's own encoder would refuse NaN and odd keys.
    return api.post(
        url,
        data=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


# Idempotency keys: none, plausible, and hostile (headers are Latin-1 text).
KEYS = st.one_of(
    st.none(),
    st.uuids().map(str),
    st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=300),
    st.sampled_from(["k" * 255 + "\n", "k" * 256, " ", "a b", "\x7f"]),
)


# --- Registration ------------------------------------------------------------------
@given(body=spoilt(payload(), REGISTRATION_FIELDS), key=KEYS)
@example(body=payload(), key="k" * 255 + "\n")
@example(body=payload(complainant_name="林\x00小雨"), key=None)
@example(body=payload(complainant_name=["林小雨"]), key=None)
@example(body=payload(complainant_name={"zh": "林小雨"}), key=None)
@example(body=payload(complainant_name=True), key=None)
@example(body=payload(amount_in_dispute="NaN"), key=None)
@example(body=payload(amount_in_dispute="1e309"), key=None)
@example(body=payload(amount_in_dispute=8600.5), key=None)
@example(body=payload(regulator_due="2026-02-30"), key=None)
@example(body=payload(received_at="0001-01-01T00:00:00-12:00"), key=None)
@example(body=payload(complainant_count=10**30), key=None)
@example(
    body=payload(representatives="\n".join(["甲", "乙", "丙", "丁", "戊", "己"])),
    key=None,
)
@example(body=payload(institution="GD\u202e"), key=None)
@example(body=payload(request="x" * 20_001), key=None)
@example(body=payload(phone="１３８００１３８０００"), key=None)
def test_register_answers_a_complaint_or_named_errors(
    website: Any, body: dict[str, Any], key: str | None
) -> None:
    headers = {} if key is None else {"Idempotency-Key": key}
    with rolled_back():
        before = counts()
        response = post_json(website, f"{API}/complaints/", body, **headers)
        assert response.status_code in (201, 400, 413, 415, 422), response.content
        if response.status_code == 201:
            number = response.json()["number"]
            complaint = Complaint.objects.get(number=number)
            assert complaint.complainant_name == body["complainant_name"].strip()
            assert Complaint.objects.count() == before[0] + 1
        else:
            check_error_shape(response, REGISTRATION_FIELDS)
            assert counts() == before


@given(raw=st.one_of(st.binary(max_size=300), st.sampled_from([b"", b"[]", b"NaN"])))
@example(raw=b'{"complainant_name": NaN}')
@example(raw=b"[" * 100_000)
@example(raw=b'{"a": 1, "a": 2}')
@example(raw="\ufeff{}".encode())
@example(raw='{"complainant_name": "林"}'.encode("utf-16"))
def test_raw_bodies_answer_in_the_error_shape(website: Any, raw: bytes) -> None:
    with rolled_back():
        before = counts()
        response = website.post(
            f"{API}/complaints/", data=raw, content_type="application/json"
        )
        assert response.status_code in (400, 413, 415), response.content
        check_error_shape(response, REGISTRATION_FIELDS)
        assert counts() == before


def test_errors_are_translated(website: Any) -> None:
    body = payload(complainant_name="林\x00小雨", amount_in_dispute="NaN")
    with translation.override("zh-hans"):
        response = website.post(
            f"{API}/complaints/",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 400
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"complainant_name", "amount_in_dispute"}
    for message in fields.values():
        assert re.search(r"[\u4e00-\u9fff]", message), message


# --- Correspondence and attachments -------------------------------------------------
CORRESPONDENCE = {"summary": "投诉人补充了维修发票", "method": "phone"}


@given(body=spoilt(CORRESPONDENCE, ["summary", "occurred_at", "method"]))
@example(body={"summary": "\x00"})
@example(body={"summary": "补充", "occurred_at": "2026-02-30T10:00:00+08:00"})
@example(body={"summary": "补充", "method": ["phone"]})
def test_correspondence_answers_a_record_or_named_errors(
    website: Any, registered: dict[str, Any], body: dict[str, Any]
) -> None:
    url = complaint_url(registered["number"], "correspondence/")
    with rolled_back():
        before = counts()
        response = post_json(website, url, body)
        assert response.status_code in (201, 400, 413, 415, 422), response.content
        if response.status_code == 201:
            assert Correspondence.objects.count() == before[2] + 1
        else:
            check_error_shape(response, ["summary", "occurred_at", "method"])
            assert counts() == before


FILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "定损单.pdf",
            "a\x00.pdf",
            "\u202efdp.exe",
            "..\\..\\evil.pdf",
            "../../etc/passwd.pdf",
            "x" * 250 + ".pdf",
            ".pdf",
            "no-extension",
            "Ｆ.ＰＤＦ",
            "photo.JPG",
        ]
    ),
    st.text(
        # No lone surrogates: no client can encode them into a request.
        alphabet=st.characters(
            exclude_characters='"\r\n\\/', exclude_categories=("Cs",)
        ),
        min_size=1,
        max_size=40,
    ).map(lambda s: s + ".pdf"),
)


@given(
    name=FILE_NAMES,
    content=st.one_of(st.just(PDF), st.binary(max_size=64)),
    kind=st.one_of(
        st.sampled_from(["evidence", "notice", "", "EVIDENCE"]), hostile_text()
    ),
    description=hostile_text(),
)
@example(name="a\x00.pdf", content=PDF, kind="evidence", description="")
@example(name="定损单.pdf", content=PDF, kind="evidence", description="说明\x00")
@example(name="定损单.pdf", content=b"", kind="evidence", description="")
def test_attachment_answers_a_record_or_named_errors(
    website: Any,
    registered: dict[str, Any],
    name: str,
    content: bytes,
    kind: str,
    description: str,
) -> None:
    url = complaint_url(registered["number"], "attachments/")
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with rolled_back():
        before = counts()
        response = website.post(
            url,
            {"file": upload, "kind": kind, "description": description},
            format="multipart",
        )
        assert response.status_code in (201, 400, 413, 415, 422), response.content
        if response.status_code == 201:
            attachment = Attachment.objects.get(pk=response.json()["id"])
            assert "\x00" not in attachment.original_name
            assert "/" not in attachment.original_name
            assert attachment.size == len(content)
        else:
            check_error_shape(response, ["file", "kind", "description"])
            assert counts() == before


# --- Public status lookup -------------------------------------------------------------
@given(
    body=spoilt(
        {"number": "TS2026-000001", "phone_last4": "8000"}, ["number", "phone_last4"]
    )
)
@example(body={"number": "ts2026-000001", "phone_last4": "8000"})
@example(body={"number": "ß" * 20, "phone_last4": "8000"})
@example(body={"number": "ﬃ" * 20, "phone_last4": "8000"})
@example(body={"number": "TS2026-000001\x00", "phone_last4": "8000"})
@example(body={"number": "TS２０２６-０００００１", "phone_last4": "８０００"})
@example(body={"number": "TS2026-000001", "phone_last4": 8000})
@example(body={"number": "TS2026-000001", "phone_last4": "8000\n"})
def test_status_lookup_answers_a_status_or_not_found(
    registered: dict[str, Any], body: dict[str, Any]
) -> None:
    api = APIClient()
    with rolled_back():
        before = counts()
        response = post_json(api, f"{API}/status-lookup/", body)
        assert response.status_code in (200, 400, 404, 413, 415), response.content
        if response.status_code == 200:
            assert body["number"].strip().upper() == registered["number"]
            assert body["phone_last4"].strip() == "8000"  # trimmed, like every field
            assert set(response.json()) == {
                "status",
                "status_label",
                "received_on",
                "due_on",
                "decision_notified_on",
            }
        else:
            check_error_shape(response, ["number", "phone_last4"])
        assert counts() == before
