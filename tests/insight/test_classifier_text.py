"""Personal data is removed from text before any model reads it (insight.text)."""

from __future__ import annotations

import pytest

from insight import text


@pytest.mark.parametrize(
    ("raw", "gone"),
    [
        ("请打13800138000联系我", "13800138000"),
        ("电话 +86 138-0013-8000", "138-0013-8000"),
        ("座机020-83331234", "83331234"),
        ("身份证号440106199001011235", "440106199001011235"),
        ("证件尾号X：44010619900101123X", "44010619900101123X"),
        ("护照E12345678", "E12345678"),
        ("邮箱lin@example.com", "lin@example.com"),
        ("卡号6222020200112233445", "6222020200112233445"),
    ],
)
def test_identifiers_are_removed(raw: str, gone: str) -> None:
    assert gone not in text.scrub(raw)


def test_names_of_the_people_in_the_case_are_removed_whole_and_given_name() -> None:
    out = text.case_text(
        {
            "request": "林小雨要求赔付",
            "facts": "小雨称业务员王大明承诺收益",
            "complainant_name": "林小雨",
            "agent_name": "王大明",
        }
    )
    assert "林小雨" not in out
    assert "小雨" not in out
    assert "王大明" not in out
    assert text.NAME in out
    assert "要求赔付" in out


def test_amounts_and_dates_stay() -> None:
    out = text.scrub("2026年3月6日要求退还保费12000元")
    assert out == "2026年3月6日要求退还保费12000元"


def test_normalise_folds_full_width_and_spaces() -> None:
    assert text.normalise("ＡＢＣ１２３  要求\n赔付") == "abc123 要求 赔付"
