"""Links from any dashboard number to the complaints behind it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def drill(context: Any, metric: str, **dims: Any) -> str:
    """URL of the drill-down list for `metric` in the page's subtree and period;
    `period=` overrides the period (a month of the trend), other keywords are
    dimension filters (channel=, category=, cause=, product_line=, institution=)."""
    # A dashboard has some 600 of these links: the address and the subtree's
    # part are composed once per template rendered (render_context's scope),
    # and again only if the page's root or period is another object.
    root, period = context["root"], context["period"]
    cached = context.render_context.get("reporting_tags.drill")
    if cached is None or cached[0] is not root or cached[1] is not period:
        start = f"{reverse('admin:reporting_drilldown')}?" + urlencode(
            {"institution": root.code}
        )
        cached = (root, period, start, str(period))
        context.render_context["reporting_tags.drill"] = cached
    start, period_text = cached[2], cached[3]
    params = {
        "period": str(dims.pop("period")) if "period" in dims else period_text,
        "metric": metric,
    }
    params.update({k: "" if v is None else str(v) for k, v in dims.items()})
    return f"{start}&{urlencode(params)}"


@register.filter
def pct(value: Any) -> str:
    return "—" if value is None else f"{value}%"


@register.filter
def dash(value: Any) -> Any:
    return "—" if value is None else value


@register.simple_tag
def complaint_url(pk: int) -> str:
    """The complaint's change page in the workbench."""
    try:
        return reverse("admin:complaints_complaint_change", args=[pk])
    except NoReverseMatch:  # the workbench admin not registered (yet)
        return f"/admin/complaints/complaint/{pk}/change/"
