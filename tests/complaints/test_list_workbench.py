"""Lists that say what a case is about; bulk claim, assign and export through
the services, refused per row; one-click claim; saved views; the budget."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, ExportRecord, SavedView
from complaints.services import complaint_accept, complaint_assign, recusal_declare
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
LIST = "/admin/complaints/complaint/"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def bulk(client: Any, action: str, cases: list[Complaint], **extra: Any) -> Any:
    return client.post(
        LIST,
        {"action": action, "_selected_action": [c.pk for c in cases], **extra},
        follow=True,
    )


def test_the_list_and_my_work_say_what_a_case_is_about(
    client: Any, register: Any, tianhe_handler: Any, senior: Any
) -> None:
    tianhe_handler.last_name, tianhe_handler.first_name = "陈", "晓敏"
    tianhe_handler.save()
    c = complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    c = complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    client.force_login(tianhe_handler)
    for url in (LIST, "/admin/complaints/complaint/my-work/"):
        page = client.get(url).content.decode()
        assert "Claims" in page or "理赔纠纷" in page  # the category
        assert "要求按合同足额赔付车损" in page  # the request's first line
        assert "陈晓敏" in page  # the handler's name, never the username
        assert c.legal_due.isoformat() in page
        assert c.internal_due.isoformat() in page
    # Without the personal-data permission the complainant stays masked, and
    # the request reads as on the case page.
    client.force_login(senior)
    page = client.get(LIST).content.decode()
    assert "林小雨" not in page
    assert "要求按合同足额赔付车损" in page


def test_bulk_claim_goes_through_the_service_and_refuses_per_row(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    free = complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)
    registered = register(tianhe_handler)  # not accepted yet: cannot be given
    recused = complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)
    recusal_declare(
        complaint=recused, actor=gz_manager, user=tianhe_handler, reason="亲属"
    )
    client.force_login(tianhe_handler)
    response = bulk(
        client,
        "claim_selected",
        [free, registered, recused],
        confirm="1",
        declares_no_conflict="on",
    )
    messages = said(response)
    assert any("1 cases claimed" in m for m in messages)
    assert any(m.startswith(f"{registered.number}: refused.") for m in messages)
    assert any(m.startswith(f"{recused.number}: refused.") for m in messages)
    for c in (free, registered, recused):
        c.refresh_from_db()
    assert free.handler == tianhe_handler
    taken = free.history.latest("history_date")  # type: ignore[attr-defined]
    assert "declared no conflict of interest" in taken.history_change_reason
    # Refused rows: nothing written.
    assert registered.handler is None
    assert registered.status == "registered"
    assert recused.handler is None
    assert recused.history.filter(handler=tianhe_handler).count() == 0


def test_bulk_assign_is_a_managers_and_refuses_per_row(
    client: Any, register: Any, tianhe_handler: Any, gz_handler: Any, gz_manager: Any
) -> None:
    cases = [
        complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)
        for _i in range(3)
    ]
    recusal_declare(
        complaint=cases[2], actor=gz_manager, user=gz_handler, reason="利益相关"
    )
    # A handler is not offered the action, and posting it changes nothing.
    client.force_login(tianhe_handler)
    assert "assign_selected" not in client.get(LIST).content.decode()
    bulk(client, "assign_selected", cases, handler=gz_handler.pk)
    assert not Complaint.objects.filter(handler__isnull=False).exists()

    client.force_login(gz_manager)
    confirm = bulk(client, "assign_selected", cases)
    assert 'id="bulk-assign-form"' in confirm.content.decode()
    response = bulk(client, "assign_selected", cases, handler=gz_handler.pk)
    messages = said(response)
    assert any("2 cases assigned" in m for m in messages)
    assert any(m.startswith(f"{cases[2].number}: refused.") for m in messages)
    assigned = dict(
        Complaint.objects.filter(pk__in=[c.pk for c in cases]).values_list(
            "pk", "handler"
        )
    )
    assert assigned == {
        cases[0].pk: gz_handler.pk,
        cases[1].pk: gz_handler.pk,
        cases[2].pk: None,
    }


def test_export_the_selection_is_logged_and_scoped(
    client: Any, register: Any, tianhe_handler: Any, ho_compliance: Any
) -> None:
    cases = [register(tianhe_handler) for _i in range(2)]
    client.force_login(tianhe_handler)
    assert "export_selected" not in client.get(LIST).content.decode()
    client.force_login(ho_compliance)
    response = client.post(
        LIST, {"action": "export_selected", "_selected_action": [cases[0].pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    record = ExportRecord.objects.get()
    assert record.row_count == 1
    assert cases[0].number in record.filters


def test_one_click_claim(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any, xihu_handler: Any
) -> None:
    c = complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)
    client.force_login(tianhe_handler)
    page = client.get(LIST).content.decode()
    assert f'id="claim-{c.pk}"' in page
    response = client.post(
        f"{LIST}{c.pk}/claim/",
        {"next": LIST + "?q=x", "declares_no_conflict": "1"},
        follow=False,
    )
    assert response["Location"] == LIST + "?q=x"
    c.refresh_from_db()
    assert c.handler == tianhe_handler
    # The button says that claiming declares no conflict, and the history
    # records the declaration (issue 14: a handler declares when taking a case).
    assert "no conflict of interest" in page
    last = c.history.latest("history_date")  # type: ignore[attr-defined]
    assert "declared no conflict of interest" in last.history_change_reason
    assert f'id="claim-{c.pk}"' not in client.get(LIST).content.decode()
    # Outside the scope the case answers as missing.
    client.force_login(xihu_handler)
    assert client.post(f"{LIST}{c.pk}/claim/").status_code == 404


def test_saved_views_per_person_with_their_count(
    client: Any, register: Any, tianhe_handler: Any, gz_handler: Any
) -> None:
    for _i in range(2):
        register(tianhe_handler)
    complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    client.force_login(tianhe_handler)
    response = client.post(
        "/admin/complaints/complaint/saved-views/",
        {"name": "待受理", "query": "status__exact=registered&after=x"},
    )
    view = SavedView.objects.get()
    assert view.query == "status__exact=registered"
    assert response["Location"] == f"{LIST}?status__exact=registered"
    assert f'id="saved-view-{view.pk}"' in client.get(LIST).content.decode()
    landing = client.get("/admin/").content.decode()
    count = re.search(
        rf'id="saved-view-{view.pk}"><a href="[^"]+"><span class="cd-desk-n">(\d+)',
        landing,
    )
    assert count is not None
    assert count.group(1) == "2"
    listed = client.get(f"{LIST}?status__exact=registered")
    assert len(listed.context["cl"].result_list) == 2
    # Another person neither sees it nor can delete it.
    client.force_login(gz_handler)
    assert "待受理" not in client.get(LIST).content.decode()
    client.post("/admin/complaints/complaint/saved-views/", {"delete": view.pk})
    assert SavedView.objects.count() == 1
    client.post("/admin/complaints/complaint/saved-views/", {"name": " ", "query": ""})
    assert SavedView.objects.count() == 1


def test_the_list_keeps_its_query_budget(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    for _i in range(5):
        complaint_assign(
            complaint=complaint_accept(
                complaint=register(tianhe_handler), actor=gz_manager
            ),
            actor=gz_manager,
            handler=tianhe_handler,
        )
    client.force_login(tianhe_handler)
    client.post(
        "/admin/complaints/complaint/saved-views/", {"name": "全部", "query": ""}
    )
    client.get(LIST)  # a session's first page also runs its once-a-minute checks
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(LIST).content.decode()
    assert len(ctx.captured_queries) <= 10, [
        q["sql"][:80] for q in ctx.captured_queries
    ]
    assert 'id="notices-unread">5<' in page
    client.get("/admin/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/admin/complaints/complaint/my-work/?show=week")
    assert len(ctx.captured_queries) <= 12
