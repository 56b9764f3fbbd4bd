"""PlainSelect writes the select Django's template would, but faster."""

from __future__ import annotations

import re

import pytest
from django import forms

from reporting.widgets import PlainSelect

CHOICES = [("HO", "总公司"), ("GD", '\u3000广东 <&> "分"'), ("7", "七")]


def _html(widget: type[forms.Select] | None, data: dict[str, str] | None) -> str:
    class Form(forms.Form):
        institution = forms.ChoiceField(
            choices=CHOICES, **({"widget": widget} if widget else {})
        )

    html = str(Form(data)["institution"])
    return re.sub(r">\s+<", "><", html)


@pytest.mark.parametrize("data", [None, {"institution": "GD"}, {"institution": "7"},
                                  {"institution": "nowhere"}])  # fmt: skip
def test_the_same_html_as_django_writes(data: dict[str, str] | None) -> None:
    assert _html(PlainSelect, data) == _html(None, data)
    assert "&lt;&amp;&gt;" in _html(PlainSelect, data)


def test_the_dashboards_filter_uses_it() -> None:
    from reporting.views import FilterForm

    assert isinstance(FilterForm.base_fields["institution"].widget, PlainSelect)


def test_boolean_attributes_as_django_writes_them() -> None:
    attrs = {"disabled": True, "hidden": False, "class": 'a "b"'}
    mine = PlainSelect(attrs=attrs, choices=CHOICES).render("x", "HO")
    django = forms.Select(attrs=attrs, choices=CHOICES).render("x", "HO")
    assert re.sub(r">\s+<", "><", mine) == re.sub(r">\s+<", "><", django)
    assert " disabled" in mine
    assert "hidden" not in mine
