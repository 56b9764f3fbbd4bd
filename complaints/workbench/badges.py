"""The deadline badge and the flags of a complaint, as HTML.

Python rather than a template: the complaint list shows a hundred of each,
and rendering a template per row was a third of the page's time. The change
form, the action pages and "My work" use the same functions through the
complaint_badges template tags, so every page shows the same badge.
"""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext

from complaints.timing import deadline_terms as terms
from complaints.workbench.selectors import Deadline
from config.html import format_html


def deadline_badge(d: Deadline) -> SafeString:
    """The clock's state, then both dates, each with its label
    (complaints.timing.deadline_terms): the same words on every page."""
    provisional = provisional_badge() if d.provisional else ""
    if not (d.due or d.legal):
        return format_html('<span class="cd-badge cd-none">—</span>{}', provisional)
    return format_html(
        '<span class="cd-deadline" title="{}"><span class="cd-badge cd-{}">{}</span>'
        '<span class="cd-dates">{}</span></span>{}',
        _title(d),
        d.state,
        _left(d),
        dates(d),
        provisional,
    )


def provisional_badge() -> SafeString:
    """The warning that a due date crosses a year with no calendar loaded."""
    return format_html(
        '<span class="cd-badge cd-provisional" title="{}">⚠ {}</span>',
        gettext(
            "The due date crosses a year whose calendar is not loaded; it may move."
        ),
        gettext("calendar missing"),
    )


def dates(d: Deadline) -> SafeString:
    """法定期限 2026-10-26 · 内部时限 2026-10-23 (the internal target only when
    the insurer keeps one)."""
    legal, internal, note = _date_parts()
    shown = legal + (d.legal.isoformat() if d.legal else "—")
    if d.regulator_binds:
        shown += note
    shown += "</span>"
    if d.internal:
        shown += internal + d.internal.isoformat() + "</span>"
    return mark_safe(shown)  # noqa: S308 (escaped parts and ISO dates)


# The labelled, translated frame of each date, built once per language: a
# hundred rows translated the same words a hundred times (issue 19).
_DATE_PARTS: dict[str | None, tuple[str, str, str]] = {}


def _date_parts() -> tuple[str, str, str]:
    language = get_language()
    parts = _DATE_PARTS.get(language)
    if parts is None:
        frame = (
            '<span class="cd-date cd-date-{}" title="{}">'
            '<span class="cd-date-label">{}</span> '
        )
        parts = (
            format_html(
                frame,
                "legal",
                terms.LEGAL_DEADLINE_HELP,
                capfirst(terms.LEGAL_DEADLINE),
            ),
            format_html(
                frame,
                "internal",
                terms.INTERNAL_TARGET_HELP,
                capfirst(terms.INTERNAL_TARGET),
            ),
            format_html(
                ' <span class="cd-date-note">{}</span>',
                gettext("regulator's feedback date"),
            ),
        )
        _DATE_PARTS[language] = parts
    return parts


def _title(d: Deadline) -> str:
    if d.state == "red":
        days = d.overdue_days
        return ngettext(
            "%(days)s calendar day past the legal deadline",
            "%(days)s calendar days past the legal deadline",
            days,
        ) % {"days": days}
    if d.past_internal:
        days = d.internal_overdue_days
        return ngettext(
            "%(days)s calendar day past the internal target",
            "%(days)s calendar days past the internal target",
            days,
        ) % {"days": days}
    if d.calendar_days_left is not None:
        days = d.calendar_days_left
        return ngettext(
            "%(days)s calendar day left", "%(days)s calendar days left", days
        ) % {"days": days}
    return ""


def _left(d: Deadline) -> str:
    if d.state == "red":
        days = d.overdue_days
        return ngettext("overdue %(days)s day", "overdue %(days)s days", days) % {
            "days": days
        }
    if d.past_internal:
        days = d.internal_overdue_days
        return ngettext(
            "past the internal target by %(days)s day",
            "past the internal target by %(days)s days",
            days,
        ) % {"days": days}
    if d.state == "grey":
        return gettext("clock paused") if d.paused else gettext("clock stopped")
    if d.working_days_left == 0:
        return gettext("due today")
    days = d.working_days_left or 0
    return ngettext("%(days)s working day left", "%(days)s working days left", days) % {
        "days": days
    }


def flags(c: Any) -> SafeString:
    """The flags of complaint `c`: regulator, major, group, vulnerable, media
    risk, repeat (in that order)."""
    shown: list[tuple[str, str, str]] = []
    if c.regulator_reference:
        title = f"{c.regulator_office} {c.regulator_reference}"
        shown.append(("cd-flag cd-flag-regulator", title, gettext("Regulator")))
    if c.is_major:
        shown.append(("cd-flag cd-flag-major", "", gettext("Major")))
    if c.is_group:
        shown.append(("cd-flag", "", gettext("Group")))
    if c.is_vulnerable:
        shown.append(("cd-flag", "", gettext("Vulnerable")))
    if c.media_risk:
        shown.append(("cd-flag cd-flag-media", "", gettext("Media risk")))
    if c.is_repeat:
        shown.append(("cd-flag", "", gettext("Repeat")))
    if not shown:
        return mark_safe("")  # noqa: S308 (an empty string)
    return mark_safe(  # noqa: S308 (each part escaped by format_html)
        "".join(
            format_html(
                '<span class="{}"{}>{}</span>',
                css,
                format_html(' title="{}"', title) if title else "",
                label,
            )
            for css, title, label in shown
        )
    )
