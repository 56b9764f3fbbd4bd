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
    params = {
        "institution": context["root"].code,
        "period": str(dims.pop("period", context["period"])),
        "metric": metric,
    }
    params.update({k: "" if v is None else str(v) for k, v in dims.items()})
    return f"{reverse('admin:reporting_drilldown')}?{urlencode(params)}"


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
