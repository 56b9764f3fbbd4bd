"""The spreadsheet headers are a contract with compliance officers' own sheets:
README documents them, and this test keeps code and README in step."""

from __future__ import annotations

import re
from pathlib import Path

from complaints.exchange.exports import COMPLAINT_HEADERS, CORRESPONDENCE_HEADERS
from complaints.exchange.imports import REGULATOR_COLUMNS, REQUIRED_COLUMNS

README = Path(__file__).resolve().parents[2] / "README.md"


def documented(title: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    line = text.split(title, 1)[1].strip().splitlines()[0]
    return re.findall(r"`([^`]+)`", line)


def test_export_headers_are_documented_in_order() -> None:
    assert documented("Complaint export:") == list(COMPLAINT_HEADERS)
    assert documented("Correspondence export:") == list(CORRESPONDENCE_HEADERS)


def test_import_columns_are_documented_with_the_required_ones_marked() -> None:
    expected = [c + ("*" if c in REQUIRED_COLUMNS else "") for c in REGULATOR_COLUMNS]
    assert documented("Regulator-transfer import (`*` required):") == expected
