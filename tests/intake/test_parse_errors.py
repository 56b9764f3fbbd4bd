"""A malformed body gets a translated message, never the parser's own English
text (issue 20: "errors end in English Python exception text")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.intake.conftest import API

pytestmark = pytest.mark.django_db

PYTHON_TEXT = ("Expecting", "line 1 column", "char ", "boundary", "Traceback", "Error")


def _messages(response: Any) -> str:
    return " ".join(e["message"] for e in response.json()["errors"])


@pytest.mark.parametrize(
    "body", [b"{", b"{'a': 1}", b"\xff\xfe{}", b'{"a": 1,}', b"[" * 5000]
)
def test_malformed_json_is_refused_in_the_rule_s_words(
    website: Any, body: bytes
) -> None:
    response = website.post(
        f"{API}/complaints/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-json",
    )
    assert response.status_code == 400
    text = _messages(response)
    assert "JSON" in text
    for fragment in PYTHON_TEXT:
        assert fragment not in text, text


def test_malformed_multipart_is_refused_in_the_rule_s_words(website: Any) -> None:
    from tests.intake.conftest import payload

    number = website.post(
        f"{API}/complaints/", payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-r"
    ).json()["number"]
    response = website.post(
        f"{API}/complaints/{number}/attachments/",
        b"--x\r\nnot a part",
        content_type="multipart/form-data; boundary=\x00",
        HTTP_IDEMPOTENCY_KEY="k-multipart",
    )
    assert response.status_code in (400, 415)
    text = _messages(response)
    for fragment in PYTHON_TEXT:
        assert fragment not in text, text


def test_malformed_json_message_is_translated(website: Any, settings: Any) -> None:
    response = website.post(
        f"{API}/complaints/",
        b"{",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-zh",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "JSON" in _messages(response)
    assert "request body" not in _messages(response)
