"""Server-side SVG charts (pure: numbers in, markup out; no JavaScript).

Text is escaped here; the font stack names CJK fonts first so Chinese labels
render on the servers' and the staff's machines alike. Every chart sits above a
table with the same numbers (the table is the accessible version).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
PALETTE = ["#2f6ea5", "#e08a2c", "#3a9a5b", "#c0392b", "#7d5ba6"]
AXIS = "#888"
GRID = "#e3e3e3"
TEXT = "#333"

Number = int | float | Decimal | None


TICKS = 4


def nice_max(value: float) -> float:
    """Top of the axis: TICKS steps of 1, 2 or 5 x 10^k (so counts get whole
    ticks), the smallest at or above `value`."""
    if value <= TICKS:
        return float(TICKS)
    exp = 10 ** math.floor(math.log10(value / TICKS))
    for step in (1, 2, 5, 10):
        if step * exp * TICKS >= value:
            return float(step * exp * TICKS)
    return float(10 * exp * TICKS)  # pragma: no cover


def _fmt(value: Number, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float | Decimal) and value != int(value):
        return f"{float(value):.1f}{suffix}"
    return f"{int(value)}{suffix}"


def _text(x: float, y: float, content: str, **attrs: str | float) -> str:
    extra = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{escape(content)}</text>'


def _frame(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 (every text node is escaped by _text)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rpt-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{FONT}" font-size="13" fill="{TEXT}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        + _text(8, 20, title, font_size=15, font_weight="bold")
        + "".join(body)
        + "</svg>"
    )


def column_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    width: int = 680,
    height: int = 300,
    suffix: str = "",
    max_value: float | None = None,
) -> SafeString:
    """Vertical grouped columns: one group per category, one column per series."""
    left, right, top, bottom = 44, 12, 52, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v or 0) for _, vs in series for v in vs]
    top_value = max_value or nice_max(max(values, default=0))
    body: list[str] = []
    for i, (name, _values) in enumerate(series):  # legend
        lx = left + i * 150
        body.append(
            f'<rect x="{lx}" y="30" width="12" height="12" fill="{PALETTE[i % 5]}"/>'
        )
        body.append(_text(lx + 17, 41, name))
    for step in range(TICKS + 1):  # grid and y labels
        tick = top_value * step / TICKS
        y = top + plot_h - plot_h * step / TICKS
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{GRID if step else AXIS}"/>'
        )
        body.append(_text(left - 6, y + 4, _fmt(tick, suffix), text_anchor="end"))
    n = max(len(categories), 1)
    group_w = plot_w / n
    bar_w = min(36.0, group_w * 0.8 / max(len(series), 1))
    label_every = max(1, math.ceil(n * 48 / plot_w))
    for c, category in enumerate(categories):
        x0 = left + group_w * c + (group_w - bar_w * len(series)) / 2
        for s, (_name, vs) in enumerate(series):
            value = vs[c]
            h = plot_h * float(value or 0) / top_value
            x, y = x0 + bar_w * s, float(top + plot_h - h)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s % 5]}"/>'
            )
            if value is not None and n * len(series) <= 30:
                body.append(
                    _text(
                        x + bar_w / 2 - 1,
                        y - 4,
                        _fmt(value),
                        text_anchor="middle",
                        font_size=11,
                    )
                )
        if c % label_every == 0:
            body.append(
                _text(
                    left + group_w * (c + 0.5),
                    height - bottom + 18,
                    category,
                    text_anchor="middle",
                    font_size=12,
                )
            )
    return _frame(width, height, title, body)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[Number],
    width: int = 680,
    suffix: str = "",
    max_value: float | None = None,
    label_width: int = 170,
) -> SafeString:
    """Horizontal bars, one per label (institutions, categories, rates)."""
    top, row_h, right = 40, 28, 64
    height = top + row_h * max(len(labels), 1) + 12
    plot_w = width - label_width - right
    top_value = max_value or nice_max(max((float(v or 0) for v in values), default=0))
    body = [
        f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" '
        f'y2="{height - 8}" stroke="{AXIS}"/>'
    ]
    if not labels:
        body.append(_text(label_width + 8, top + 18, "—"))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = float(top + row_h * i)
        w = plot_w * float(value or 0) / top_value
        body.append(_text(label_width - 8, y + row_h / 2 + 4, label, text_anchor="end"))
        body.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{w:.1f}" '
            f'height="{row_h - 8}" fill="{PALETTE[0]}"/>'
        )
        body.append(_text(label_width + w + 6, y + row_h / 2 + 4, _fmt(value, suffix)))
    return _frame(width, height, title, body)
