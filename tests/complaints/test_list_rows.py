"""The list's lean row renderer (complaints.admin.list_rows) writes exactly
the HTML Django's admin wrote, for every persona and filter: masking, the
claim button, the labels and the links are the admin's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.templatetags.admin_list import admin_list_filter, results
from django.template.loader import get_template

from complaints.admin import list_rows
from complaints.admin.filters import PrerenderedChoices
from complaints.models import Complaint

pytestmark = pytest.mark.django_db
LIST = "/admin/complaints/complaint/"
S = Complaint.Status


@pytest.fixture
def varied(at: Any) -> list[Complaint]:
    return [
        at(S.REGISTERED),
        at(S.ACCEPTED, regulator_reference="粤金监转〔2026〕12号"),
        at(S.INVESTIGATING, is_major=True, phone="", request="  "),
        at(S.CLOSED, is_vulnerable=True),
    ]


@pytest.mark.parametrize(
    "who", ["tianhe_handler", "senior", "gz_manager", "ho_compliance"]
)
@pytest.mark.parametrize(
    "query", ["", "?due=overdue", "?status__exact=accepted&q=林小雨", "?o=-3.1"]
)
def test_rows_are_the_admins_own(
    client: Any, who: str, varied: list[Complaint], query: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST + query)
    assert response.status_code == 200
    cl = response.context["cl"]
    stock = ["<tr>" + "".join(r) + "</tr>" for r in results(cl)]
    lean = [str(row) for row in list_rows.rows(cl)]
    assert lean == stock
    page = response.content.decode()
    for row in lean:
        assert row in page


@pytest.mark.parametrize("who", ["tianhe_handler", "ho_compliance"])
@pytest.mark.parametrize(
    "query",
    [
        "?due=overdue&q=林小雨",
        "?mine=1&flag=group&p=2&o=-3",
        "?handler=none&q=a+b%26c%3D1&status__exact=accepted",
        "?category__isnull=True&after=2026-01-02T03:04:05%2B08:00~9",
        "?institution={GZ}&channel__id__exact=1",
        "?_facets=True&flag=group",
    ],
)
def test_filters_are_the_admins_own(
    client: Any,
    who: str,
    query: str,
    varied: list[Complaint],
    tree: dict[str, Any],
    request: Any,
) -> None:
    """The filters' HTML, each choice's query string composed once per
    filter (filters.QueryStrings), is the stock filter's for every kind
    of query: values to replace, to remove, to keep, to encode."""
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST + query.format(GZ=tree["GDGZ"].pk))
    assert response.status_code == 200
    cl = response.context["cl"]
    ours = [s for s in cl.filter_specs if isinstance(s, PrerenderedChoices)]
    assert len(ours) >= 5
    for spec in ours:
        stock_choices = list(super(PrerenderedChoices, spec).choices(cl))
        stock = get_template("admin/filter.html").render(
            {"title": spec.title, "choices": stock_choices, "spec": spec}
        )
        assert admin_list_filter(cl, spec) == stock
        assert stock in response.content.decode()
