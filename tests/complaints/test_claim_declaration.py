"""Taking a case is declaring no conflict of interest in it (issue 14 point 3,
DOMAIN.md §2 回避, C12), enforced by the service `complaint_assign` itself, so
every door that claims (the case page's form, the list's one-click claim, the
bulk claim, a manager assigning to themself in bulk) must carry the person's
own declaration. A manager giving the case to someone else declares nothing
for them, but the assignee must not be conflicted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.utils import translation

from complaints import services as svc
from complaints.exceptions import HANDLER_IS_SUBJECT, HANDLER_RECUSED
from complaints.models import Complaint
from complaints.services.lifecycle import E_DECLARE_NO_CONFLICT
from complaints.workbench.selectors import person_name
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_people_and_time import trace

pytestmark = pytest.mark.django_db
LIST = "/admin/complaints/complaint/"
ZH_REFUSAL = "认领本投诉须声明您与本投诉不存在利害关系（回避）"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def free(register: Any, tianhe_handler: Any, gz_manager: Any) -> Complaint:
    """An accepted 天河 complaint nobody has taken."""
    return svc.complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)


@pytest.fixture
def client(client: Any) -> Any:
    """The pages in Chinese, the default language users see."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_refusal_reads_in_chinese() -> None:
    with translation.override("zh-hans"):
        text = str(E_DECLARE_NO_CONFLICT)
    assert text.startswith(ZH_REFUSAL)
    assert "申明回避" in text  # and what to do instead


@pytest.mark.parametrize("declaration", [None, False])
def test_the_service_refuses_a_claim_without_the_declaration(
    free: Complaint, tianhe_handler: Any, declaration: Any
) -> None:
    before = trace(free)
    with pytest.raises(ValidationError) as refused:
        svc.complaint_assign(
            complaint=free,
            actor=tianhe_handler,
            handler=tianhe_handler,
            declares_no_conflict=declaration,
        )
    assert refused.value.message_dict == {
        "declares_no_conflict": [str(E_DECLARE_NO_CONFLICT)]
    }
    assert trace(free) == before
    assert free.handler_id is None


def test_a_manager_taking_the_case_declares_too(
    free: Complaint, gz_manager: Any
) -> None:
    before = trace(free)
    with pytest.raises(ValidationError):
        svc.complaint_assign(complaint=free, actor=gz_manager, handler=gz_manager)
    assert trace(free) == before
    c = svc.complaint_assign(
        complaint=free, actor=gz_manager, handler=gz_manager, declares_no_conflict=True
    )
    reason = c.history.latest().history_change_reason
    assert "declared no conflict of interest" in reason


def test_a_manager_assigning_someone_else_declares_nothing_for_them(
    free: Complaint, gz_manager: Any, tianhe_handler: Any
) -> None:
    c = svc.complaint_assign(complaint=free, actor=gz_manager, handler=tianhe_handler)
    assert c.handler == tianhe_handler
    # The history says it was an assignment, not the assignee's declaration.
    reason = c.history.latest().history_change_reason
    assert "declared" not in reason
    assert c.history.latest().history_user == gz_manager


@pytest.mark.parametrize("conflict", ["recused", "subject", "named"])
def test_a_manager_cannot_give_the_case_to_a_conflicted_person(
    register: Any, tianhe_handler: Any, gz_manager: Any, conflict: str
) -> None:
    fields: dict[str, Any] = {}
    if conflict == "subject":
        fields = {"subject_staff_user": tianhe_handler, "subject_staff": "某员工"}
    if conflict == "named":  # no staff record linked: matched on the name given
        fields = {"subject_staff": person_name(tianhe_handler)}
    c = svc.complaint_accept(complaint=register(gz_manager, **fields), actor=gz_manager)
    if conflict == "recused":
        svc.recusal_declare(
            complaint=c, actor=tianhe_handler, user=tianhe_handler, reason="亲属"
        )
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        svc.complaint_assign(complaint=c, actor=gz_manager, handler=tianhe_handler)
    message = HANDLER_RECUSED if conflict == "recused" else HANDLER_IS_SUBJECT
    assert refused.value.message_dict["handler"] == [
        str(message)
        % {"user": person_name(tianhe_handler), "institution": c.institution}
    ]
    assert trace(c) == before


def test_the_case_page_form_refuses_an_undeclared_claim_in_chinese(
    client: Any, free: Complaint, tianhe_handler: Any
) -> None:
    from tests.complaints.test_admin_transitions import act

    client.force_login(tianhe_handler)
    before = trace(free)
    response = act(client, free, "assign", handler=tianhe_handler.pk)
    assert response.status_code == 200
    assert ZH_REFUSAL in response.content.decode()
    assert trace(free) == before


def test_one_click_claim_without_the_declaration_is_refused(
    client: Any, free: Complaint, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(LIST).content.decode()
    # The button itself carries the declaration, and says so.
    assert f'id="claim-{free.pk}"' in page
    button = page.split(f'id="claim-{free.pk}"')[1].split("</button>")[0]
    assert 'name="declares_no_conflict" value="1"' in button
    assert "无利益冲突" in button
    before = trace(free)
    response = client.post(f"{LIST}{free.pk}/claim/", follow=True)
    assert any(ZH_REFUSAL in m for m in said(response))
    assert trace(free) == before
    response = client.post(
        f"{LIST}{free.pk}/claim/", {"declares_no_conflict": "1"}, follow=True
    )
    free.refresh_from_db()
    assert free.handler == tianhe_handler


def test_bulk_claim_asks_for_the_declaration_first(
    client: Any, free: Complaint, register: Any, gz_manager: Any, tianhe_handler: Any
) -> None:
    other = svc.complaint_accept(complaint=register(tianhe_handler), actor=gz_manager)
    cases = [free, other]
    client.force_login(tianhe_handler)
    before = [trace(c) for c in cases]
    post = {"action": "claim_selected", "_selected_action": [c.pk for c in cases]}
    # Choosing the action opens the declaration; nothing is taken yet.
    page = client.post(LIST, post)
    assert 'id="bulk-claim-form"' in page.content.decode()
    assert [trace(c) for c in cases] == before
    # Confirming without ticking it: refused with the rule, nothing taken.
    page = client.post(LIST, {**post, "confirm": "1"})
    assert ZH_REFUSAL in page.content.decode()
    assert [trace(c) for c in cases] == before
    # Ticked: both taken, each with the declaration in its history.
    client.post(LIST, {**post, "confirm": "1", "declares_no_conflict": "on"})
    for c in cases:
        c.refresh_from_db()
        assert c.handler == tianhe_handler
        assert "声明" in c.history.latest().history_change_reason


def test_bulk_assign_to_oneself_needs_the_declaration(
    client: Any, free: Complaint, gz_manager: Any, tianhe_handler: Any
) -> None:
    client.force_login(gz_manager)
    post = {"action": "assign_selected", "_selected_action": [free.pk]}
    before = trace(free)
    response = client.post(LIST, {**post, "handler": gz_manager.pk}, follow=True)
    assert any(ZH_REFUSAL in m for m in said(response))
    assert trace(free) == before
    client.post(LIST, {**post, "handler": gz_manager.pk, "declares_no_conflict": "on"})
    free.refresh_from_db()
    assert free.handler == gz_manager
