"""The auditor's history page, readable: translated headers and values, empty
foreign keys as "—", no raw codes or True/False/None, local time to the
minute, people by name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.complaints.case_file import at, full_case


@pytest.fixture
def case(register: Any, persona: Any, time_machine: Any) -> Any:
    c = full_case(register, persona, time_machine.move_to)
    time_machine.move_to(at(18, 17))
    return c


def _table(client: Any, case: Any, language: str) -> str:
    url = reverse("admin:complaints_complaint_history", args=[case.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="change-history"')
    table = html[start : html.index("</table>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["变更内容", "修改人", "调查核实中", "待审批"]),
        ("en", ["What changed", "Changed by", "Investigating", "Awaiting approval"]),
    ],
)
def test_history_reads_in_words(
    client: Any,
    case: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    language: str,
    words: list[str],
) -> None:
    client.force_login(tianhe_handler)
    text = _table(client, case, language)
    for word in words:
        assert word in text, word
    for raw in ("investigating", "awaiting_approval", "partly", "pk=None", "Deleted"):
        assert raw not in text, raw
    assert not re.search(r"\b(True|False|None)\b", text)
    assert "CHANGES" not in text
    assert "Changes" not in text
    assert "—" in text  # an empty foreign key (approved by, on rework)
    # Local time to the minute: the approval at 15:00 Shanghai, no seconds.
    assert "2026-03-16 15:00" in text
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text)
    # People by name, never by account.
    assert f"{gz_manager.last_name}{gz_manager.first_name}" in text
    assert "tianhe_handler" not in text
    assert "gz_manager" not in text
