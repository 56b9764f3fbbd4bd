"""The complaint list at scale: a bounded count, continuing by key instead of
OFFSET, a fixed query budget, and search that each index can answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlencode

from complaints.admin import changelist
from complaints.admin.changelist import search_condition
from complaints.models import Complaint
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
LIST = "/admin/complaints/complaint/"
START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def seven(register: Any, tianhe_handler: Any) -> list[Complaint]:
    return [
        register(tianhe_handler, received_at=START + timedelta(hours=n))
        for n in range(7)
    ]


def shown(response: Any) -> list[str]:
    return [c.number for c in response.context["cl"].result_list]


def test_count_stops_at_the_cap_and_the_list_continues_by_key(
    client: Any, seven: list[Complaint], tianhe_handler: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(changelist, "COUNT_CAP", 3)
    monkeypatch.setattr("complaints.admin.complaint.ComplaintAdmin.list_per_page", 3)
    client.force_login(tianhe_handler)
    newest_first = [c.number for c in reversed(seven)]

    first = client.get(LIST)
    page = first.content.decode()
    assert "More than 3 complaints" in page
    assert shown(first) == newest_first[:3]
    seen = shown(first)
    url = first.context["cl"].continue_url()
    while url:
        response = client.get(LIST + url)
        assert response.status_code == 200
        seen += shown(response)
        url = response.context["cl"].continue_url()
    # Every complaint exactly once, in order: no gap, no repeat.
    assert seen == newest_first


@pytest.mark.parametrize("order", ["", "?o=1", "?status__exact=registered"])
def test_a_deep_page_reads_its_ids_first_and_shows_the_same_rows(
    client: Any,
    seven: list[Complaint],
    tianhe_handler: Any,
    monkeypatch: Any,
    order: str,
) -> None:
    """From IDS_FIRST_FROM rows on, a page reads its ids, then its rows: the
    same rows in the same order as OFFSET over the rows themselves."""
    monkeypatch.setattr("complaints.admin.complaint.ComplaintAdmin.list_per_page", 2)
    client.force_login(tianhe_handler)
    sep = "&" if order else "?"

    def pages() -> list[list[str]]:
        return [shown(client.get(f"{LIST}{order}{sep}p={n}")) for n in (1, 2, 3, 4)]

    monkeypatch.setattr(changelist, "IDS_FIRST_FROM", 10**9)
    direct = pages()
    assert sorted(sum(direct, [])) == sorted(c.number for c in seven)

    monkeypatch.setattr(changelist, "IDS_FIRST_FROM", 2)  # from page 2 on
    with CaptureQueriesContext(connection) as captured:
        assert pages() == direct
    ids_first = [
        q["sql"]
        for q in captured
        if q["sql"].startswith('SELECT "complaints_complaint"."id" AS "pk" FROM')
    ]
    assert len(ids_first) == 3  # pages 2, 3 and 4


def test_continuing_keeps_the_filters(
    client: Any, seven: list[Complaint], tianhe_handler: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(changelist, "COUNT_CAP", 1)
    monkeypatch.setattr("complaints.admin.complaint.ComplaintAdmin.list_per_page", 2)
    client.force_login(tianhe_handler)
    response = client.get(LIST + "?status__exact=registered")
    url = response.context["cl"].continue_url()
    assert "status__exact=registered" in url
    assert "after=" in url


def test_a_malformed_continue_key_is_ignored(
    client: Any, seven: list[Complaint], tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    response = client.get(LIST + "?" + urlencode({"after": "yesterday~x"}))
    assert response.status_code == 200
    assert len(shown(response)) == 7


def test_show_all_is_never_offered(
    client: Any, seven: list[Complaint], tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    response = client.get(LIST + "?all=")
    assert not response.context["cl"].can_show_all


@pytest.mark.parametrize("persona", ["tianhe_handler", "senior"])
def test_list_stays_within_ten_queries(
    client: Any, request: Any, seven: list[Complaint], persona: str
) -> None:
    client.force_login(request.getfixturevalue(persona))
    client.get(LIST)  # the session and permission caches of a warm browser
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST + "?due=overdue&institution=&q=")
    assert response.status_code == 200
    # Ten reads; the one write is the personal-data access log (PIPL), at most
    # one statement for the whole page.
    reads = [q["sql"] for q in ctx if "personaldataaccess" not in q["sql"]]
    assert len(reads) <= 10, "\n".join(sql[:150] for sql in reads)
    assert len(ctx.captured_queries) - len(reads) <= 1


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ts2026-000123", "number"),
        ("440106199001011235", "id_number__in"),
        ("44010619900101118X", "id_number__in"),
        ("020-87654321", "phone__startswith"),
        ("02087654321", "phone__startswith"),
        ("13800138000", "phone__startswith"),
        ("138001", "phone__startswith"),
        ("PDAA2026", "policy_number__startswith"),
        ("林小雨", "complainant_name__contains"),
        ("林小", "complainant_name__startswith"),
    ],
)
def test_each_kind_of_term_goes_to_its_own_lookup(term: str, expected: str) -> None:
    assert expected in lookups_of(search_condition(term))


def lookups_of(q: Any) -> set[str]:
    found: set[str] = set()
    for child in q.children:
        found |= lookups_of(child) if hasattr(child, "children") else {child[0]}
    return found


@pytest.mark.parametrize(
    "term",
    [
        "{number}",
        "13800138000",
        "１３８００１３８０００",  # full-width digits, as a Chinese IME may type
        "440106199001011235",
        "PDAA202644010000001234",
        "林小雨",
        "林小",
    ],
)
def test_search_finds_the_complaint(
    client: Any, register: Any, tianhe_handler: Any, term: str
) -> None:
    wanted = register(tianhe_handler)
    register(
        tianhe_handler,
        complainant_name="王大明",
        phone="13900000000",
        id_number="110101198001010010",
        policy_number="PZZZ1",
    )
    client.force_login(tianhe_handler)
    response = client.get(LIST, {"q": term.format(number=wanted.number)})
    assert shown(response) == [wanted.number]


def test_search_outside_the_scope_finds_nothing(
    client: Any, register: Any, tianhe_handler: Any, xihu_handler: Any
) -> None:
    register(tianhe_handler)
    client.force_login(xihu_handler)
    assert shown(client.get(LIST, {"q": "13800138000"})) == []


@pytest.mark.parametrize(
    "who",
    [
        "tianhe_handler",
        "gz_handler",
        "gd_manager",
        "xihu_handler",
        "zj_viewer",
        "ho_compliance",
    ],
)
def test_the_list_is_scoped_by_institution_ids(
    client: Any, request: Any, register: Any, who: str
) -> None:
    """The list's scope is the ids of the institutions in the user's scope,
    not a join on their paths (so PostgreSQL can read a sub-branch's page
    from complaint_inst_received): the same complaints P.scope's paths give,
    for every kind of user."""
    from organisations import permissions as P
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for code in ("GDGZTH", "GDGZTH01", "GDGZYX", "GDFS", "GD", "ZJHZXH", "HO"):
        register(root, institution=code)
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(LIST)
    assert response.status_code == 200
    cl = response.context["cl"]
    listed = sorted(c.pk for c in cl.result_list)
    expected = sorted(
        P.scope(Complaint.objects.all(), user, P.VIEW).values_list("pk", flat=True)
    )
    assert listed == expected
    assert listed, who
    where = str(cl.queryset.query).split(" WHERE ", 1)[1]
    assert "path" not in where
    assert "institution_id" in where
