"""The complaint workbench in the admin: scope, changelist, change form, history,
registration."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.admin.filters import HandlerFilter, InstitutionSubtreeFilter
from complaints.models import Complaint
from complaints.services import complaint_accept, complaint_assign
from complaints.workbench.selectors import person_name
from tests.complaints.conftest import SHANGHAI, code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/complaints/complaint/"
ADD = "/admin/complaints/complaint/add/"


def change_url(pk: Any) -> str:
    return f"/admin/complaints/complaint/{pk}/change/"


def numbers(response: Any) -> set[str]:
    return {c.number for c in response.context["cl"].result_list}


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def three(
    register: Any, tianhe_handler: Any, gz_handler: Any, xihu_handler: Any
) -> dict[str, Complaint]:
    return {
        "tianhe": register(tianhe_handler),
        "gz": register(gz_handler, institution="GDGZ"),
        "xihu": register(xihu_handler, institution="ZJHZXH"),
    }


def without_csrf(response: Any) -> str:
    """The page without its CSRF token (masked afresh on every page the admin
    draws, the 404 page in the admin's frame included)."""
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()
    )


# --- Scope --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("tianhe_handler", {"tianhe"}),
        ("gz_manager", {"tianhe", "gz"}),
        ("gd_reviewer", {"tianhe", "gz"}),
        ("xihu_handler", {"xihu"}),
        ("zj_viewer", {"xihu"}),
        ("senior", {"tianhe", "gz", "xihu"}),
        ("admin_user", {"tianhe", "gz", "xihu"}),
    ],
)
def test_changelist_is_scoped(
    client: Any, request: Any, three: dict[str, Complaint], persona: str, visible: Any
) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.get(LIST)
    assert response.status_code == 200
    assert numbers(response) == {three[k].number for k in visible}


def test_outsider_gets_the_no_permission_page(
    client: Any, three: Any, outsider: Any
) -> None:
    client.force_login(outsider)
    assert client.get(LIST).status_code == 403
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/complaints/complaint/" not in index.content.decode()


@pytest.mark.parametrize("persona", ["tianhe_handler", "senior"])
def test_changelist_query_count_is_fixed(
    client: Any,
    request: Any,
    register: Any,
    tianhe_handler: Any,
    django_assert_max_num_queries: Any,
    persona: str,
) -> None:
    client.force_login(request.getfixturevalue(persona))
    client.get(LIST)  # a session's first page also runs its once-a-minute checks
    counts = []
    for total in (5, 50):
        while Complaint.objects.count() < total:
            c = register(tianhe_handler)
            if c.pk % 3 == 0:  # some rows with a handler, so that join is exercised
                c = complaint_accept(complaint=c, actor=tianhe_handler)
                complaint_assign(
                    complaint=c,
                    actor=tianhe_handler,
                    handler=tianhe_handler,
                    declares_no_conflict=True,
                )
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST)
        assert len(response.context["cl"].result_list) == total
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[1]):
        client.get(LIST)


def test_changelist_masks_personal_data_without_the_permission(
    client: Any, three: Any, senior: Any, tianhe_handler: Any
) -> None:
    client.force_login(senior)
    page = client.get(LIST).content.decode()
    assert "138****8000" in page
    assert "13800138000" not in page
    assert "林*雨" in page
    client.force_login(tianhe_handler)
    assert "13800138000" in client.get(LIST).content.decode()


def test_changelist_shows_deadline_badge_and_flags(
    client: Any, register: Any, tianhe_handler: Any
) -> None:
    register(tianhe_handler, is_vulnerable=True)  # received 03-06, due 03-20
    client.force_login(tianhe_handler)
    page = client.get(LIST).content.decode()
    assert 'class="cd-badge cd-amber"' in page
    assert "2026-03-20" in page
    assert "cd-flag" in page
    assert "complaints/admin.css" in page


def test_changelist_sorts_by_deadline(
    client: Any, register: Any, tianhe_handler: Any
) -> None:
    late = register(tianhe_handler)
    early = register(
        tianhe_handler, received_at=datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    )
    client.force_login(tianhe_handler)
    # The deadline column, ascending (column 0 is the bulk actions' checkbox).
    response = client.get(LIST, {"o": "6"})
    assert [c.pk for c in response.context["cl"].result_list] == [early.pk, late.pk]
    assert 'class="sortable column-deadline' in response.content.decode()
    response = client.get(LIST, {"o": "-6"})
    assert [c.pk for c in response.context["cl"].result_list] == [late.pk, early.pk]


# --- Search ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "term",
    ["NUMBER", "王五", "1390000", "11010119800101015X", "PXYZ20260001"],
)
def test_search_by_each_field(
    client: Any, register: Any, tianhe_handler: Any, term: str
) -> None:
    register(tianhe_handler)
    wanted = register(
        tianhe_handler,
        complainant_name="王五",
        phone="13900001111",
        id_number="11010119800101015X",
        policy_number="PXYZ20260001",
    )
    client.force_login(tianhe_handler)
    q = wanted.number if term == "NUMBER" else term
    assert numbers(client.get(LIST, {"q": q})) == {wanted.number}


# --- Filters --------------------------------------------------------------------
def test_each_filter(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any, tree: Any
) -> None:
    overdue = register(
        gz_manager, received_at=datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
    )  # legal deadline 03-16 (internal target 03-15): overdue on 03-17
    this_week = register(gz_manager)  # received 03-06, due 03-20
    later = register(
        gz_manager,
        institution="GDGZ",
        received_at=datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI),
        channel=code("channel", "regulator"),
        regulator_reference="粤金投诉〔2026〕12号",
        category=code("category", "sales"),
        is_group=True,
    )
    mine = complaint_accept(complaint=this_week, actor=gz_manager)
    complaint_assign(
        complaint=mine, actor=gz_manager, handler=gz_manager, declares_no_conflict=True
    )
    client.force_login(gz_manager)
    cases = {
        "status__exact=investigating": {this_week},
        "mine=1": {this_week},
        "mine=open": {this_week},
        "due=week": {this_week},
        "due=overdue": {overdue},
        f"institution={tree['GDGZTH'].pk}": {overdue, this_week},
        f"institution={tree['GDGZ'].pk}": {overdue, this_week, later},
        f"institution={tree['ZJ'].pk}": set(),  # out of scope: nothing, no leak
        f"handler={gz_manager.pk}": {this_week},
        "handler=none": {overdue, later},
        f"channel__id__exact={code('channel', 'regulator').pk}": {later},
        f"category__id__exact={code('category', 'sales').pk}": {later},
        "flag=regulator": {later},
        "flag=group": {later},
        "flag=vulnerable": set(),
    }
    for query, expected in cases.items():
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, query
        assert numbers(response) == {c.number for c in expected}, query


def spec_choices(response: Any, cls: type) -> list[str]:
    spec = next(s for s in response.context["cl"].filter_specs if isinstance(s, cls))
    return [str(label) for _value, label in spec.lookup_choices]


def test_filter_choices_are_scoped(
    client: Any, three: Any, xihu_handler: Any, gz_manager: Any, tianhe_handler: Any
) -> None:
    client.force_login(xihu_handler)
    response = client.get(LIST)
    institutions = spec_choices(response, InstitutionSubtreeFilter)
    assert [i.strip() for i in institutions] == ["西湖支公司", "西湖营业部"]
    handlers = spec_choices(response, HandlerFilter)
    assert person_name(gz_manager) not in handlers
    assert person_name(tianhe_handler) not in handlers
    assert person_name(xihu_handler) in handlers


def test_handler_filter_lists_the_chosen_institutions_handlers(
    client: Any,
    three: Any,
    admin_user: Any,
    tianhe_handler: Any,
    gz_handler: Any,
    xihu_handler: Any,
    tree: Any,
    monkeypatch: Any,
) -> None:
    """Too many handlers in scope for a sidebar: they are listed once an
    institution is chosen, only that subtree's."""
    from complaints.admin import filters

    client.force_login(admin_user)
    everyone = spec_choices(client.get(LIST), HandlerFilter)
    assert person_name(xihu_handler) in everyone
    monkeypatch.setattr(filters, "HANDLER_CHOICES_MAX", 2)
    response = client.get(LIST)
    assert spec_choices(response, HandlerFilter) == ["Not assigned"]
    assert "choose an institution" in response.content.decode()
    chosen = client.get(f"{LIST}?institution={tree['GDGZTH'].pk}")
    assert spec_choices(chosen, HandlerFilter) == [
        "Not assigned",
        person_name(tianhe_handler),
    ]
    assert numbers(chosen) == {three["tianhe"].number}


def test_autocomplete_shows_nothing_out_of_scope(
    client: Any, three: Any, xihu_handler: Any
) -> None:
    client.force_login(xihu_handler)
    base = "/admin/autocomplete/?app_label=complaints&model_name=complaint"
    institutions = client.get(f"{base}&field_name=institution&term=")
    assert institutions.status_code == 200
    names = [r["text"] for r in institutions.json()["results"]]
    assert names
    assert all("西湖" in n for n in names)
    assert client.get(f"{base}&field_name=institution&term=广").json()["results"] == []
    handlers = client.get(f"{base}&field_name=handler&term=gz")
    assert handlers.status_code == 403  # people are not listed to handlers at all
    merge = f"{base}&field_name=merged_into&term="
    assert client.get(merge + three["tianhe"].number).json()["results"] == []
    assert client.get(merge + three["xihu"].number).json()["results"] == [
        {"id": str(three["xihu"].pk), "text": three["xihu"].number}
    ]


# --- Change form ------------------------------------------------------------------
def test_change_view_out_of_scope_answers_like_missing(
    client: Any, three: Any, xihu_handler: Any
) -> None:
    client.force_login(xihu_handler)
    hidden = client.get(change_url(three["tianhe"].pk))
    missing = client.get(change_url(999999))
    garbage = client.get(change_url("abc"))
    assert hidden.status_code == missing.status_code == garbage.status_code == 404
    assert without_csrf(hidden) == without_csrf(missing)
    assert client.get(change_url(three["xihu"].pk)).status_code == 200


def test_change_view_is_read_only_with_action_buttons(
    client: Any, three: Any, tianhe_handler: Any
) -> None:
    c = three["tianhe"]
    client.force_login(tianhe_handler)
    response = client.get(change_url(c.pk))
    page = response.content.decode()
    assert response.context["adminform"].form.fields == {}
    for action in ("accept", "decline", "route", "withdraw", "extend", "pause"):
        assert f'id="action-{action}"' in page
    assert 'id="action-approve"' not in page
    assert 'name="_save"' not in page
    assert 'id="case-file-actions"' in page
    status_before = c.status
    assert client.post(change_url(c.pk), {"status": "closed"}).status_code == 405
    c.refresh_from_db()
    assert c.status == status_before
    assert c.history.count() == 1


def test_change_view_for_a_viewer_masks_and_offers_no_transition(
    client: Any, three: Any, senior: Any, zj_viewer: Any
) -> None:
    client.force_login(senior)
    page = client.get(change_url(three["tianhe"].pk)).content.decode()
    assert "138****8000" in page
    assert "13800138000" not in page
    assert "440106199001011235" not in page
    client.force_login(zj_viewer)
    page = client.get(change_url(three["xihu"].pk)).content.decode()
    assert 'id="action-accept"' not in page
    assert 'id="case-file-actions"' not in page


def test_nobody_deletes_a_complaint(client: Any, three: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    url = f"/admin/complaints/complaint/{three['tianhe'].pk}/delete/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Complaint.objects.filter(pk=three["tianhe"].pk).exists()


# --- History ------------------------------------------------------------------------
def test_history_readable_in_scope_404_outside_never_reverted(
    client: Any, three: Any, tianhe_handler: Any, xihu_handler: Any
) -> None:
    c = three["tianhe"]
    version = c.history.latest().history_id
    history = f"/admin/complaints/complaint/{c.pk}/history/"
    version_url = f"{history}{version}/"
    client.force_login(tianhe_handler)
    response = client.get(history)
    assert response.status_code == 200
    # Changed by: the person's name (姓名), not the account name.
    assert tianhe_handler.last_name + tianhe_handler.first_name in (
        response.content.decode()
    )
    assert client.get(version_url).status_code == 200
    assert client.post(version_url, {}).status_code == 403
    c.refresh_from_db()
    assert c.history.count() == 1

    client.force_login(xihu_handler)
    missing = client.get("/admin/complaints/complaint/999999/history/")
    hidden = client.get(history)
    assert hidden.status_code == missing.status_code == 404
    assert without_csrf(hidden) == without_csrf(missing)
    assert client.get(version_url).status_code == 404
    assert client.post(version_url, {}).status_code == 404


def test_history_names_the_people_changed_with_no_query_per_change(
    client: Any, three: Any, tianhe_handler: Any, gz_handler: Any, gz_manager: Any
) -> None:
    """The changes name the old and new handler; the objects they name are read
    once per model (organisations.history_related), not per change."""
    c = complaint_accept(complaint=three["tianhe"], actor=tianhe_handler)
    url = f"/admin/complaints/complaint/{c.pk}/history/"
    client.force_login(gz_manager)

    def page_after(handlers: list[Any]) -> tuple[str, int]:
        nonlocal c
        for handler in handlers:
            c = complaint_assign(complaint=c, actor=gz_manager, handler=handler)
        client.get(url)  # the first request of a session reads more (its device)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    page, few = page_after([gz_handler, tianhe_handler])
    # the change names the new handler by name (姓名), not by account
    assert gz_handler.last_name + gz_handler.first_name in page
    _page, many = page_after([gz_handler, tianhe_handler, gz_handler, tianhe_handler])
    assert many == few


def test_my_work_page(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    client.force_login(tianhe_handler)
    assert "my-work" in client.get(LIST).content.decode()
    page = client.get("/admin/complaints/complaint/my-work/").content.decode()
    assert f'id="work-{c.pk}"' in page
    client.force_login(gz_manager)
    page = client.get("/admin/complaints/complaint/my-work/").content.decode()
    assert f'id="work-{c.pk}"' not in page
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/admin/complaints/complaint/my-work/").status_code == 403
