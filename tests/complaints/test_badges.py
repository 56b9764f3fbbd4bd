"""The deadline badge and flags every complaint page shows (workbench.badges)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from complaints.workbench.badges import deadline_badge, flags
from complaints.workbench.selectors import Deadline


def _d(**kw: object) -> Deadline:
    base: dict[str, object] = {
        "due": date(2026, 12, 1),
        "state": "green",
        "working_days_left": 5,
        "calendar_days_left": 7,
        "provisional": False,
        "paused": False,
        "legal": date(2026, 12, 4),
        "internal": date(2026, 12, 1),
        "legal_days_left": 10,
    }
    return Deadline(**{**base, **kw})  # type: ignore[arg-type]


def test_each_state_reads_as_the_handler_expects() -> None:
    with translation.override("en"):
        green = deadline_badge(_d())
        assert green.startswith(
            '<span class="cd-deadline" title="7 calendar days left">'
            '<span class="cd-badge cd-green">5 working days left</span>'
        )
        assert '<span class="cd-date-label">Legal deadline</span> 2026-12-04' in green
        assert '<span class="cd-date-label">Internal target</span> 2026-12-01' in green
        red = deadline_badge(
            _d(
                state="red",
                working_days_left=None,
                calendar_days_left=-4,
                legal_days_left=-1,
            )
        )
        assert 'title="1 calendar day past the legal deadline"' in red
        assert ">overdue 1 day<" in red
        past_target = deadline_badge(
            _d(state="amber", calendar_days_left=-2, legal_days_left=1)
        )
        assert ">past the internal target by 2 days<" in past_target
        assert "overdue" not in past_target
        assert ">due today<" in deadline_badge(_d(state="amber", working_days_left=0))
        assert ">clock paused<" in deadline_badge(_d(state="grey", paused=True))
        assert ">clock stopped<" in deadline_badge(_d(state="grey"))
        no_target = deadline_badge(_d(internal=None))
        assert "Internal target" not in no_target
        regulator = deadline_badge(_d(regulator_binds=True))
        assert "regulator&#x27;s feedback date" in regulator
        none = deadline_badge(_d(due=None, legal=None, provisional=True))
        assert none.startswith('<span class="cd-badge cd-none">—</span>')
        # A problem drawn as a warning, never a green tick.
        assert 'class="cd-badge cd-provisional"' in none
        assert "⚠ calendar missing<" in none
        assert "icon-yes" not in none
    with translation.override("zh-hans"):
        red = deadline_badge(
            _d(state="red", working_days_left=None, legal_days_left=-3)
        )
        assert "已超过法定期限 3 个自然日" in red
        assert "超期 3 天" in red
        assert '<span class="cd-date-label">法定期限</span> 2026-12-04' in red
        assert '<span class="cd-date-label">内部时限</span> 2026-12-01' in red
        past_target = deadline_badge(
            _d(state="amber", calendar_days_left=-2, legal_days_left=1)
        )
        assert "超内部时限 2 天" in past_target


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
