"""The deadline badge and flags every complaint page shows (complaints.badges)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from complaints.badges import deadline_badge, flags
from complaints.selectors import Deadline


def _d(**kw: object) -> Deadline:
    base: dict[str, object] = {
        "due": date(2026, 12, 1),
        "state": "green",
        "working_days_left": 5,
        "calendar_days_left": 7,
        "provisional": False,
        "paused": False,
    }
    return Deadline(**{**base, **kw})  # type: ignore[arg-type]


def test_each_state_reads_as_the_handler_expects() -> None:
    with translation.override("en"):
        assert deadline_badge(_d()) == (
            '<span class="cd-deadline" title="7 calendar days left">'
            '<span class="cd-badge cd-green">2026-12-01</span>'
            '<span class="cd-left cd-left-green">5 working days left</span></span>'
        )
        red = deadline_badge(
            _d(state="red", working_days_left=None, calendar_days_left=-1)
        )
        assert 'title="1 calendar day overdue"' in red
        assert ">overdue 1 day<" in red
        assert ">due today<" in deadline_badge(_d(state="amber", working_days_left=0))
        assert ">clock paused<" in deadline_badge(_d(state="grey", paused=True))
        assert ">clock stopped<" in deadline_badge(_d(state="grey"))
        none = deadline_badge(_d(due=None, provisional=True))
        assert none.startswith('<span class="cd-badge cd-none">—</span>')
        assert ">calendar missing<" in none
    with translation.override("zh-hans"):
        red = deadline_badge(
            _d(state="red", working_days_left=None, calendar_days_left=-3)
        )
        assert "已超期 3 个自然日" in red
        assert "超期 3 天" in red


def _c(**kw: object) -> SimpleNamespace:
    base: dict[str, object] = {
        "regulator_reference": "",
        "regulator_office": "",
        **dict.fromkeys(
            ["is_major", "is_group", "is_vulnerable", "media_risk", "is_repeat"],
            False,
        ),
    }
    return SimpleNamespace(**{**base, **kw})


def test_flags_in_order_and_escaped() -> None:
    assert flags(_c()) == ""
    with translation.override("en"):
        shown = flags(
            _c(
                regulator_reference="JG<1>",
                regulator_office='"Office"',
                is_repeat=True,
                is_major=True,
            )
        )
    assert shown == (
        '<span class="cd-flag cd-flag-regulator" '
        'title="&quot;Office&quot; JG&lt;1&gt;">Regulator</span>'
        '<span class="cd-flag cd-flag-major">Major</span>'
        '<span class="cd-flag">Repeat</span>'
    )


def test_the_templates_show_the_same() -> None:
    d, c = _d(state="amber", working_days_left=2), _c(is_group=True)
    page = Template(
        '{% include "admin/complaints/complaint/deadline_badge.html" with d=d %}'
        '{% include "admin/complaints/complaint/flags.html" with c=c %}'
    ).render(Context({"d": d, "c": c}))
    # each include ends with its file's newline
    assert page.replace("\n", "") == deadline_badge(d) + flags(c)
