"""Root causes and rectification steps in the admin: every refusal of the
service is a message on the form, with what was typed kept, never a 500, and
nothing is half-written."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from complaints.models import Complaint
from reporting.models import ComplaintRootCause, Rectification, RootCause
from reporting.services import EVIDENCE_REQUIRED, rectification_create
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
ADMIN = "/admin/reporting"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))


def errors_of(response: Any) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {k: [str(e) for e in v] for k, v in form.errors.items()}


def rectification_form(tree: Any, **over: Any) -> dict[str, Any]:
    data = {
        "title": "规范理赔定损",
        "root_cause": RootCause.objects.get(code="claims_standard").pk,
        "owner_institution": tree["GDGZ"].pk,
        "owner_department": "理赔部",
        "measure": "统一定损标准并抽检",
        "due_on": "2026-12-31",
        "status": "open",
        "evidence": "",
        "completed_on": "",
        "add_complaints": "",
    }
    data.update(over)
    return data


# --- Root cause -------------------------------------------------------------------
def test_a_root_cause_on_an_undecided_complaint_is_a_form_message(
    client: Any, quarter: dict[str, Complaint], gd_handler: Any
) -> None:
    client.force_login(gd_handler)
    response = client.post(
        f"{ADMIN}/complaintrootcause/add/",
        {
            "number": quarter["K"].number,  # still open
            "root_cause": RootCause.objects.get(code="claims_standard").pk,
            "note": "定损标准不一",
        },
    )
    assert response.status_code == 200
    assert errors_of(response)["__all__"] == [
        "Only a decided or closed complaint can be linked to a root cause or a "
        f"rectification: {quarter['K'].number}."
    ]
    # What was typed is kept.
    assert "定损标准不一" in response.content.decode()
    assert not ComplaintRootCause.objects.exists()


def test_the_root_cause_message_is_in_chinese(
    client: Any, quarter: dict[str, Complaint], gd_handler: Any
) -> None:
    client.force_login(gd_handler)
    response = client.post(
        f"{ADMIN}/complaintrootcause/add/",
        {
            "number": quarter["K"].number,
            "root_cause": RootCause.objects.get(code="claims_standard").pk,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "只有已作出处理决定或已办结的投诉" in errors_of(response)["__all__"][0]


# --- Rectification ----------------------------------------------------------------
def test_done_without_evidence_is_a_form_message_and_nothing_is_written(
    client: Any, tree: Any, gd_manager: Any
) -> None:
    client.force_login(gd_manager)
    response = client.post(
        f"{ADMIN}/rectification/add/", rectification_form(tree, status="done")
    )
    assert response.status_code == 200
    assert errors_of(response)["evidence"] == [str(EVIDENCE_REQUIRED)]
    assert "统一定损标准并抽检" in response.content.decode()
    assert not Rectification.objects.exists()  # not even the item without status


def test_marking_an_item_done_asks_for_evidence_then_records_the_day(
    client: Any, tree: Any, gd_manager: Any
) -> None:
    item = rectification_create(
        actor=gd_manager,
        owner_institution=tree["GDGZ"],
        title="规范理赔定损",
        measure="统一定损标准并抽检",
        due_on=date(2026, 12, 31),
    )
    before = item.history.count()
    client.force_login(gd_manager)
    url = f"{ADMIN}/rectification/{item.pk}/change/"
    data = rectification_form(tree, status="done")
    del data["owner_institution"]  # shown, not offered, once opened
    response = client.post(url, data)
    assert response.status_code == 200
    assert errors_of(response)["evidence"] == [str(EVIDENCE_REQUIRED)]
    item.refresh_from_db()
    assert (item.status, item.history.count()) == ("open", before)

    future = client.post(
        url, {**data, "evidence": "已下发通知", "completed_on": "2026-11-03"}
    )
    assert errors_of(future)["completed_on"] == [
        "A day that has not come yet cannot be recorded."
    ]
    done = client.post(
        url, {**data, "evidence": "已下发通知并完成培训", "completed_on": "2026-10-30"}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.completed_on) == ("done", date(2026, 10, 30))


def test_the_owner_is_not_editable_once_opened(
    client: Any, tree: Any, gd_manager: Any
) -> None:
    item = rectification_create(
        actor=gd_manager,
        owner_institution=tree["GDGZ"],
        title="规范理赔定损",
        measure="统一定损标准并抽检",
        due_on=date(2026, 12, 31),
    )
    client.force_login(gd_manager)
    url = f"{ADMIN}/rectification/{item.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert "owner_institution" not in form.fields
    client.post(url, rectification_form(tree, owner_institution=tree["GDFS"].pk))
    item.refresh_from_db()
    assert item.owner_institution == tree["GDGZ"]


def test_covering_an_undecided_complaint_is_a_form_message(
    client: Any, quarter: dict[str, Complaint], tree: Any, gd_manager: Any
) -> None:
    client.force_login(gd_manager)
    response = client.post(
        f"{ADMIN}/rectification/add/",
        rectification_form(tree, add_complaints=quarter["K"].number),
    )
    assert response.status_code == 200
    assert (
        "Only a decided or closed complaint" in errors_of(response)["add_complaints"][0]
    )
    assert not Rectification.objects.exists()
