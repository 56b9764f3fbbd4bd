"""Investigation tasks and supervision (督办): through the services and the
admin, with the wrong person, the wrong date and the wrong order.

The complaint lives at 天河支公司 (GDGZTH); the claims department (理赔部) sits at
广州中心支公司 (GDGZ) and its member holds no role on complaints.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, InvestigationTask, Notification, Supervision
from complaints.services import casework
from complaints.services.letters import CASE_FILE_CLOSED
from complaints.workbench import worklists
from organisations.models import Department, Membership
from organisations.permissions import NotFound
from organisations.services import department_save, department_set_members
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = Complaint.Status
T = InvestigationTask


@pytest.fixture
def claims_clerk(db: Any) -> Any:
    return UserFactory(
        username="claims_clerk", first_name="立", last_name="赵", email="zhao@ins.cn"
    )


@pytest.fixture
def claims(tree: Any, claims_clerk: Any) -> Department:
    department = department_save(
        department=Department(
            institution=tree["GDGZ"], name="理赔部", email="claims@ins.cn"
        )
    )
    department_set_members(department=department, members=[claims_clerk])
    return department


@pytest.fixture
def case(at: Any) -> Complaint:
    return at(S.INVESTIGATING)


def later(days: int = 5) -> date:
    return timezone.localdate() + timedelta(days=days)


def send(case: Complaint, actor: Any, **fields: Any) -> InvestigationTask:
    values: dict[str, Any] = {
        "question": "请提供该案定损单及核损意见。",
        "due_on": later(),
    }
    values.update(fields)
    return services.task_send(complaint=case, actor=actor, **values)


def trace(case: Complaint) -> tuple[int, int, int, int]:
    """Tasks, supervisions, their history rows and the outbox: all that a
    refused call must leave as it was."""
    history = T.history.filter(complaint_id=case.pk).count()  # type: ignore[attr-defined]
    history += Supervision.history.filter(complaint_id=case.pk).count()  # type: ignore[attr-defined]
    return (
        T.objects.filter(complaint=case).count(),
        Supervision.objects.filter(complaint=case).count(),
        history,
        Notification.objects.filter(complaint=case).count(),
    )


# --- Task -> answer -> case ---------------------------------------------------------
def test_task_to_a_department_and_its_answer_come_back_into_the_case(
    client: Any,
    case: Complaint,
    tianhe_handler: Any,
    claims: Department,
    claims_clerk: Any,
) -> None:
    outbox = Notification.objects.filter(complaint=case).count()
    task = send(case, tianhe_handler, department=claims)

    assert (task.status, task.requested_by) == (T.Status.OPEN, tianhe_handler)
    row = task.history.get()
    assert (row.history_user, row.chain_seq is not None) == (tianhe_handler, True)
    mails = Notification.objects.filter(complaint=case, kind="task_sent")
    assert Notification.objects.filter(complaint=case).count() == outbox + 2
    assert sorted(mails.values_list("address", flat=True)) == [
        "claims@ins.cn",
        "zhao@ins.cn",
    ]
    assert all(m.audience == "staff" and case.number in m.subject for m in mails)

    # The clerk has no role on complaints: the task is on their desk, the
    # complaint is not theirs to open.
    assert list(worklists.tasks_to_answer(user=claims_clerk)) == [task]
    client.force_login(claims_clerk)
    desk = client.get(reverse("admin:complaints_complaint_my_work"))
    assert desk.status_code == 200
    page = desk.content.decode()
    assert 'id="tasks-to-answer"' in page
    assert "请提供该案定损单及核损意见" in page
    listed = client.get(
        reverse("admin:complaints_investigationtask_changelist") + "?for=me"
    )
    assert case.number in listed.content.decode()
    change = reverse("admin:complaints_complaint_change", args=[case.pk])
    assert client.get(change).status_code == 404

    url = reverse("admin:complaints_investigationtask_change", args=[task.pk])
    assert 'id="answer_form"' in client.get(url).content.decode()
    response = client.post(
        url, {"_answer": "1", "answer": "定损单已上传，核损金额为8,600元。"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == T.Status.ANSWERED
    assert (task.answered_by, task.answer) == (
        claims_clerk,
        "定损单已上传，核损金额为8,600元。",
    )
    assert task.history.count() == 2
    told = Notification.objects.get(complaint=case, kind="task_answered")
    assert told.recipient == tianhe_handler
    assert "8,600" in told.body

    # Back on the case page, and off everyone's open lists.
    client.force_login(tianhe_handler)
    page = client.get(change).content.decode()
    assert "定损单已上传，核损金额为8,600元。" in page
    assert not worklists.tasks_to_answer(user=claims_clerk).exists()
    assert not worklists.tasks_awaiting_answer(user=tianhe_handler).exists()


def test_task_to_a_person_shows_on_their_desk_and_on_the_case(
    client: Any, case: Complaint, tianhe_handler: Any, gz_handler: Any
) -> None:
    task = send(case, tianhe_handler, assignee=gz_handler)
    assert Notification.objects.get(kind="task_sent").recipient == gz_handler
    client.force_login(gz_handler)
    assert (
        f'id="task-{task.pk}"'
        in client.get(reverse("admin:complaints_complaint_my_work")).content.decode()
    )
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk])
    ).content.decode()
    assert 'id="open-tasks"' in page
    assert (
        f'id="sent-task-{task.pk}"'
        in client.get(reverse("admin:complaints_complaint_my_work")).content.decode()
    )


def test_the_reviewer_may_ask_while_reviewing(
    at: Any, gd_reviewer: Any, claims: Department
) -> None:
    c = at(S.UNDER_REVIEW)
    task = send(c, gd_reviewer, department=claims)
    assert task.requested_by == gd_reviewer


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("xihu_handler", NotFound),  # another province: as if missing
        ("outsider", NotFound),
        ("zj_viewer", NotFound),
        ("gd_reviewer", PermissionDenied),  # sees it, does not handle it
        ("senior", PermissionDenied),
    ],
)
def test_wrong_person_cannot_send_a_task(
    case: Complaint, persona: Any, claims: Department, who: str, refusal: Any
) -> None:
    before = trace(case)
    with pytest.raises(refusal):
        send(case, persona(who), department=claims)
    assert trace(case) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"due_on": date(2020, 1, 1)}, "due_on", casework.DUE_IN_THE_PAST),
        ({"department": None}, "assignee", casework.ONE_RECEIVER),
        ({"question": "  "}, "question", None),
    ],
)
def test_bad_task_input_is_refused_with_its_reason(
    case: Complaint,
    tianhe_handler: Any,
    claims: Department,
    gz_handler: Any,
    fields: dict[str, Any],
    field: str,
    message: Any,
) -> None:
    values = {"department": claims, **fields}
    if field == "assignee" and "department" in fields:
        values = {"department": None, "assignee": None}
    before = trace(case)
    with pytest.raises(ValidationError) as refused:
        send(case, tianhe_handler, **values)
    assert field in refused.value.message_dict
    if message is not None:
        assert str(message) in refused.value.message_dict[field]
    assert trace(case) == before


def test_task_to_both_to_oneself_or_to_an_inactive_department_is_refused(
    case: Complaint, tianhe_handler: Any, claims: Department, gz_handler: Any
) -> None:
    before = trace(case)
    with pytest.raises(ValidationError):
        send(case, tianhe_handler, department=claims, assignee=gz_handler)
    with pytest.raises(ValidationError, match="someone else"):
        send(case, tianhe_handler, assignee=tianhe_handler)
    claims.is_active = False
    department_save(department=claims)
    with pytest.raises(ValidationError, match="does not receive tasks"):
        send(case, tianhe_handler, department=claims)
    assert trace(case) == before


def test_answer_by_the_wrong_person_or_twice_is_refused(
    case: Complaint,
    tianhe_handler: Any,
    claims: Department,
    claims_clerk: Any,
    xihu_handler: Any,
    gd_reviewer: Any,
) -> None:
    task = send(case, tianhe_handler, department=claims)
    before = trace(case)
    with pytest.raises(NotFound):
        services.task_answer(task=task, actor=xihu_handler, answer="无关人员的答复")
    with pytest.raises(PermissionDenied):  # sees the case, not asked, not handling
        services.task_answer(task=task, actor=gd_reviewer, answer="越权答复")
    assert trace(case) == before
    services.task_answer(task=task, actor=claims_clerk, answer="已核实")
    after = trace(case)
    with pytest.raises(ValidationError) as twice:
        services.task_answer(task=task, actor=claims_clerk, answer="再次答复")
    assert str(casework.TASK_NOT_OPEN) in twice.value.messages
    assert trace(case) == after


def test_the_handler_records_an_answer_given_by_phone(
    case: Complaint, tianhe_handler: Any, gz_handler: Any
) -> None:
    task = send(case, tianhe_handler, assignee=gz_handler)
    done = services.task_answer(
        task=task, actor=tianhe_handler, answer="电话答复：已核实"
    )
    assert done.answered_by == tianhe_handler


def test_withdraw_by_the_sender_not_by_the_receiver(
    case: Complaint, tianhe_handler: Any, claims: Department, claims_clerk: Any
) -> None:
    task = send(case, tianhe_handler, department=claims)
    with pytest.raises(PermissionDenied):
        services.task_withdraw(task=task, actor=claims_clerk, reason="不想答复")
    done = services.task_withdraw(task=task, actor=tianhe_handler, reason="已电话问清")
    assert done.status == T.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.task_answer(task=task, actor=claims_clerk, answer="迟到的答复")


def test_archived_case_file_takes_no_task_and_no_answer(
    at: Any, tianhe_handler: Any, gz_handler: Any, claims: Department, claims_clerk: Any
) -> None:
    c = at(S.CLOSED)
    task = send(c, tianhe_handler, department=claims)
    services.complaint_archive(complaint=c, actor=tianhe_handler)
    c.refresh_from_db()
    before = trace(c)
    with pytest.raises(ValidationError) as refused:
        send(c, tianhe_handler, assignee=gz_handler)
    assert str(CASE_FILE_CLOSED) in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        services.task_answer(task=task, actor=claims_clerk, answer="归档后的答复")
    assert str(CASE_FILE_CLOSED) in refused.value.messages
    assert trace(c) == before


# --- The admin's door ----------------------------------------------------------------
def casework_url(case: Complaint, page: str) -> str:
    return reverse("admin:complaints_complaint_casework", args=[case.pk, page])


def test_task_sent_from_the_case_page(
    client: Any, case: Complaint, tianhe_handler: Any, claims: Department
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk])
    ).content.decode()
    assert casework_url(case, "task") in page
    form = client.get(casework_url(case, "task"))
    assert form.status_code == 200
    data = {
        "department": claims.pk,
        "question": "请提供承保资料。",
        "due_on": later().isoformat(),
    }
    response = client.post(casework_url(case, "task"), data)
    assert response.status_code == 302
    assert T.objects.get().question == "请提供承保资料。"


def test_admin_shows_each_refusal_as_a_form_message(
    client: Any,
    case: Complaint,
    tianhe_handler: Any,
    claims: Department,
    gd_reviewer: Any,
) -> None:
    client.force_login(tianhe_handler)
    past = {"department": claims.pk, "question": "问题", "due_on": "2020-01-01"}
    response = client.post(casework_url(case, "task"), past)
    assert response.status_code == 200
    assert str(casework.DUE_IN_THE_PAST) in response.content.decode()
    none = {"question": "问题", "due_on": later().isoformat()}
    response = client.post(casework_url(case, "task"), none)
    assert response.status_code == 200
    assert "either to a department or to a person" in response.content.decode()
    client.force_login(gd_reviewer)
    refused = client.post(
        casework_url(case, "task"),
        {"department": claims.pk, "question": "问题", "due_on": later().isoformat()},
    )
    assert refused.status_code == 200
    assert "does not allow this" in refused.content.decode()
    assert not T.objects.exists()


def test_case_page_and_task_pages_outside_scope_answer_like_missing(
    client: Any,
    case: Complaint,
    tianhe_handler: Any,
    xihu_handler: Any,
    claims: Department,
) -> None:
    task = send(case, tianhe_handler, department=claims)
    client.force_login(xihu_handler)
    for url in (
        casework_url(case, "task"),
        casework_url(case, "supervise"),
        reverse("admin:complaints_investigationtask_change", args=[task.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer": "x", "_answer": "1"}).status_code == 404
    listed = client.get(reverse("admin:complaints_investigationtask_changelist"))
    assert case.number not in listed.content.decode()
    assert trace(case)[0] == 1
    task.refresh_from_db()
    assert task.is_open


def test_task_text_masked_for_a_role_without_personal_data(
    client: Any,
    case: Complaint,
    tianhe_handler: Any,
    make_member: Any,
    claims: Department,
) -> None:
    viewer = make_member("gz_viewer", Membership.Role.VIEWER, "GDGZ")
    task = send(case, tianhe_handler, department=claims, question="请核实林小雨的保单")
    client.force_login(viewer)
    page = client.get(
        reverse("admin:complaints_investigationtask_change", args=[task.pk])
    ).content.decode()
    assert "林小雨" not in page
    assert 'id="answer_form"' not in page
    history = client.get(
        reverse("admin:complaints_investigationtask_history", args=[task.pk])
    )
    assert history.status_code == 200
    assert "林小雨" not in history.content.decode()
    case_page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk])
    ).content.decode()
    assert "林小雨的保单" not in case_page


# --- Supervision (督办) ---------------------------------------------------------------
def test_manager_supervises_and_the_handler_sees_it(
    client: Any, case: Complaint, gz_manager: Any, tianhe_handler: Any
) -> None:
    before = case.history.count()
    supervision = services.supervision_start(
        complaint=case,
        actor=gz_manager,
        instruction="三日内联系投诉人并提出处理方案",
        due_on=later(3),
    )
    assert supervision.is_open
    assert supervision.history.get().history_user == gz_manager
    assert case.history.count() == before  # the complaint itself is not edited
    mail = Notification.objects.get(complaint=case, kind="supervised")
    assert (mail.recipient, mail.address) == (tianhe_handler, tianhe_handler.email)
    assert "三日内联系投诉人" in mail.body

    assert list(worklists.supervisions_on_my_cases(user=tianhe_handler)) == [
        supervision
    ]
    client.force_login(tianhe_handler)
    desk = client.get(reverse("admin:complaints_complaint_my_work")).content.decode()
    assert 'id="supervised"' in desk
    assert "三日内联系投诉人并提出处理方案" in desk
    assert "cd-flag-supervised" in desk
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk])
    ).content.decode()
    assert 'id="supervision"' in page
    assert "三日内联系投诉人并提出处理方案" in page
    counts = {c.key: c.count for c in worklists.casework_counts(user=tianhe_handler)}
    assert counts == {
        "tasks_to_answer": 0,
        "tasks_awaiting_answer": 0,
        "supervised": 1,
        "callbacks_due": 0,
    }

    ended = services.supervision_end(
        complaint=case, actor=gz_manager, note="已提出方案"
    )
    assert ended.ended_by == gz_manager
    assert not worklists.supervisions_on_my_cases(user=tianhe_handler).exists()


def test_a_new_instruction_replaces_the_running_one(
    case: Complaint, gz_manager: Any, gd_manager: Any
) -> None:
    first = services.supervision_start(
        complaint=case, actor=gz_manager, instruction="尽快处理", due_on=later(3)
    )
    second = services.supervision_start(
        complaint=case,
        actor=gd_manager,
        instruction="省公司督办：本周办结",
        due_on=later(5),
    )
    first.refresh_from_db()
    assert first.ended_by == gd_manager
    assert (
        Supervision.objects.filter(complaint=case, ended_at__isnull=True).get()
        == second
    )


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("tianhe_handler", PermissionDenied),  # handlers do not supervise
        ("gd_reviewer", PermissionDenied),
        ("xihu_handler", NotFound),
        ("outsider", NotFound),
    ],
)
def test_wrong_person_cannot_supervise(
    case: Complaint, persona: Any, who: str, refusal: Any
) -> None:
    before = trace(case)
    with pytest.raises(refusal):
        services.supervision_start(
            complaint=case, actor=persona(who), instruction="督办", due_on=later()
        )
    assert trace(case) == before


def test_supervision_wrong_date_wrong_moment_conflicted_manager(
    at: Any, case: Complaint, gz_manager: Any, gd_manager: Any
) -> None:
    before = trace(case)
    with pytest.raises(ValidationError, match="before today"):
        services.supervision_start(
            complaint=case,
            actor=gz_manager,
            instruction="督办",
            due_on=date(2020, 1, 1),
        )
    services.recusal_declare(
        complaint=case, actor=gd_manager, user=gz_manager, reason="与投诉人系亲属"
    )
    with pytest.raises(PermissionDenied):
        services.supervision_start(
            complaint=case, actor=gz_manager, instruction="督办", due_on=later()
        )
    with pytest.raises(ValidationError, match="not under supervision"):
        services.supervision_end(complaint=case, actor=gd_manager, note="结束")
    assert trace(case)[:3] == before[:3]
    closed = at(S.CLOSED)
    with pytest.raises(ValidationError) as ended:
        services.supervision_start(
            complaint=closed, actor=gd_manager, instruction="督办", due_on=later()
        )
    assert str(casework.NOT_IN_PROGRESS) in ended.value.messages


def test_supervise_and_end_through_the_admin(
    client: Any, case: Complaint, gz_manager: Any, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk])
    ).content.decode()
    assert casework_url(case, "supervise") not in page  # not the handler's to do
    refused = client.post(
        casework_url(case, "supervise"),
        {"instruction": "督办", "due_on": later().isoformat()},
    )
    assert refused.status_code == 200
    assert not Supervision.objects.exists()

    client.force_login(gz_manager)
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk])
    ).content.decode()
    assert casework_url(case, "supervise") in page
    bad = client.post(
        casework_url(case, "supervise"), {"instruction": "督办", "due_on": "2020-01-01"}
    )
    assert bad.status_code == 200
    assert str(casework.DUE_IN_THE_PAST) in bad.content.decode()
    done = client.post(
        casework_url(case, "supervise"),
        {"instruction": "本周内答复投诉人", "due_on": later().isoformat()},
    )
    assert done.status_code == 302
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[case.pk])
    ).content.decode()
    assert casework_url(case, "end_supervision") in page
    ended = client.post(casework_url(case, "end_supervision"), {"note": "已答复"})
    assert ended.status_code == 302
    assert Supervision.objects.get().end_note == "已答复"


def test_my_work_lists_stay_within_their_query_budget(
    client: Any,
    register: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    claims: Department,
    claims_clerk: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(8):
        c = services.complaint_accept(
            complaint=register(tianhe_handler, phone=f"1380013{i:04d}"),
            actor=tianhe_handler,
        )
        c = services.complaint_assign(
            complaint=c,
            actor=tianhe_handler,
            handler=tianhe_handler,
            declares_no_conflict=True,
        )
        send(c, tianhe_handler, department=claims)
        services.supervision_start(
            complaint=c, actor=gz_manager, instruction="督办", due_on=later()
        )
    client.force_login(tianhe_handler)
    client.get(reverse("admin:complaints_complaint_my_work"))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("admin:complaints_complaint_my_work"))
    assert response.content.decode().count('id="supervision-') == 8
    client.force_login(claims_clerk)
    with django_assert_max_num_queries(20):
        listed = client.get(reverse("admin:complaints_investigationtask_changelist"))
    assert listed.status_code == 200


def test_casework_events_for_the_timeline(
    case: Complaint, tianhe_handler: Any, gz_handler: Any, gz_manager: Any
) -> None:
    task = send(case, tianhe_handler, assignee=gz_handler)
    services.task_answer(task=task, actor=gz_handler, answer="已核实")
    other = send(case, tianhe_handler, assignee=gz_handler)
    services.task_withdraw(task=other, actor=tianhe_handler, reason="不再需要")
    services.supervision_start(
        complaint=case, actor=gz_manager, instruction="督办", due_on=later()
    )
    services.supervision_end(complaint=case, actor=gz_manager, note="已办")
    events = worklists.casework_events(case)
    kinds = [e.kind for e in events]
    assert kinds[0] == "letter_sent"  # the acceptance letter came first
    assert kinds[1:] == [
        "task_sent",
        "task_answered",
        "task_sent",
        "task_withdrawn",
        "supervision_started",
        "supervision_ended",
    ]
    assert [e.actor for e in events[1:3]] == [tianhe_handler, gz_handler]
    assert [e.at for e in events] == sorted(e.at for e in events)
