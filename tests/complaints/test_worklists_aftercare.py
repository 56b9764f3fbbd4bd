"""What waits on a desk after the case and around it: the satisfaction
callbacks (回访) due on the handler's "my work" and in the landing page's
counts; the supervisions (督办) running in a manager's branches; investigation
tasks not answered by their day, reminded by the deadline sweep."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.messaging.jobs import sweep
from complaints.models import Complaint, InvestigationTask, Notification
from complaints.services import complaint_record_callback
from complaints.workbench import worklists
from organisations.models import Department
from organisations.services import department_save, department_set_members
from tests.complaints.conftest import SHANGHAI
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = Complaint.Status
# The walker's case closes on 2026-04-20; its callback falls due on 2026-04-27
# (COMPLAINT_CALLBACK_WORKING_DAYS = 5).
CLOSED_AT = datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)
CALLBACK_DUE = date(2026, 4, 27)
MY_WORK = "/admin/complaints/complaint/my-work/"


@pytest.fixture
def closed(at: Any, time_machine: Any) -> Complaint:
    time_machine.move_to(CLOSED_AT)
    c = at(S.CLOSED)
    assert c.callback_due == CALLBACK_DUE
    return c


def counts(user: Any) -> dict[str, int]:
    return {w.key: w.count for w in worklists.casework_counts(user=user)}


# --- Callbacks due -------------------------------------------------------------------
def test_a_callback_due_is_on_the_handlers_desk_until_it_is_made(
    client: Any, closed: Complaint, tianhe_handler: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 4, 24, 9, 0, tzinfo=SHANGHAI))
    assert list(worklists.callbacks_due(user=tianhe_handler)) == []
    assert counts(tianhe_handler)["callbacks_due"] == 0

    time_machine.move_to(datetime(2026, 4, 27, 9, 0, tzinfo=SHANGHAI))
    assert list(worklists.callbacks_due(user=tianhe_handler)) == [closed]
    assert counts(tianhe_handler)["callbacks_due"] == 1
    client.force_login(tianhe_handler)
    desk = client.get(MY_WORK)
    body = desk.content.decode()
    assert f'id="callback-{closed.pk}"' in body
    assert "2026-04-27" in body
    assert reverse("admin:complaints_complaint_change", args=[closed.pk]) in body
    links = {w.key: w.url for w in worklists.casework_counts(user=tianhe_handler)}
    assert links["callbacks_due"] == f"{MY_WORK}#callbacks-due"

    # An attempt that reached nobody leaves it on the desk ...
    complaint_record_callback(
        complaint=closed,
        actor=tianhe_handler,
        satisfaction=Complaint.Satisfaction.UNREACHABLE,
        occurred_at=datetime(2026, 4, 27, 8, 0, tzinfo=SHANGHAI),
        note="",
    )
    assert list(worklists.callbacks_due(user=tianhe_handler)) == [closed]
    assert "Not reached last time" in client.get(MY_WORK).content.decode()
    # ... a call that reached the complainant takes it off.
    complaint_record_callback(
        complaint=closed,
        actor=tianhe_handler,
        satisfaction=4,
        occurred_at=datetime(2026, 4, 27, 8, 30, tzinfo=SHANGHAI),
        note="满意",
    )
    assert counts(tianhe_handler)["callbacks_due"] == 0
    assert f'id="callback-{closed.pk}"' not in client.get(MY_WORK).content.decode()


def landing_count(client: Any, key: str) -> str:
    """The number shown on the landing page (the admin index) for `key`."""
    body = client.get("/admin/").content.decode()
    marker = f'id="count-{key}"'
    assert marker in body, key
    after = body.split(marker, 1)[1]
    return after.split('<span class="cd-desk-n">', 1)[1].split("<", 1)[0]


def test_the_landing_page_counts_the_callbacks_due(
    client: Any, closed: Complaint, tianhe_handler: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 4, 28, 9, 0, tzinfo=SHANGHAI))
    client.force_login(tianhe_handler)
    assert landing_count(client, "callbacks_due") == "1"
    zh = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待办回访" in zh


def test_the_callbacks_list_speaks_chinese(
    client: Any, closed: Complaint, tianhe_handler: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 4, 28, 9, 0, tzinfo=SHANGHAI))
    client.force_login(tianhe_handler)
    body = client.get(MY_WORK, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待办回访" in body
    assert "应回访日期" in body


def test_someone_elses_callbacks_are_not_on_my_desk(
    closed: Complaint,
    gz_handler: Any,
    xihu_handler: Any,
    tianhe_handler: Any,
    time_machine: Any,
) -> None:
    time_machine.move_to(datetime(2026, 4, 28, 9, 0, tzinfo=SHANGHAI))
    assert list(worklists.callbacks_due(user=tianhe_handler)) == [closed]
    # Handled by 天河's handler: not the branch's other handler's, nor 西湖's.
    assert list(worklists.callbacks_due(user=gz_handler)) == []
    assert list(worklists.callbacks_due(user=xihu_handler)) == []


# --- Supervision in a manager's branches ----------------------------------------
def test_a_manager_lists_the_supervision_running_in_the_subtree(
    client: Any,
    at: Any,
    gz_manager: Any,
    gd_manager: Any,
    tianhe_handler: Any,
    make_member: Any,
) -> None:
    case = at(S.INVESTIGATING)
    zj_manager = make_member("zj_manager", "manager", "ZJ")
    supervision = services.supervision_start(
        complaint=case,
        actor=gz_manager,
        instruction="三日内联系投诉人",
        due_on=timezone.localdate() + timedelta(days=7),
    )
    assert list(worklists.supervisions_in_my_branches(user=gd_manager)) == [supervision]
    assert list(worklists.supervisions_in_my_branches(user=zj_manager)) == []
    assert counts(gd_manager)["supervising"] == 1
    assert counts(zj_manager)["supervising"] == 0
    assert "supervising" not in counts(tianhe_handler)  # handlers do not supervise
    assert counts(tianhe_handler)["supervised"] == 1  # ... they are supervised

    client.force_login(tianhe_handler)
    assert landing_count(client, "supervised") == "1"  # the handler's landing page
    client.force_login(gd_manager)
    assert landing_count(client, "supervising") == "1"
    body = client.get(MY_WORK).content.decode()
    assert f'id="supervising-{supervision.pk}"' in body
    assert "三日内联系投诉人" in body
    zh = client.get(MY_WORK, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "辖内督办案件" in zh

    services.supervision_end(complaint=case, actor=gz_manager, note="已办")
    assert counts(gd_manager)["supervising"] == 0


# --- Investigation tasks not answered by their day ------------------------------
@pytest.fixture
def claims(tree: Any) -> Department:
    clerk = UserFactory(
        username="claims_clerk", first_name="立", last_name="赵", email="zhao@ins.cn"
    )
    department = department_save(
        department=Department(
            institution=tree["GDGZ"], name="理赔部", email="claims@ins.cn"
        )
    )
    department_set_members(department=department, members=[clerk])
    return department


def task_alerts(task: InvestigationTask) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(
        complaint=task.complaint, kind="task_overdue"
    ).order_by("address")
    return list(rows.values_list("address", "dedup_key"))


def test_the_sweep_reminds_an_unanswered_task_once(
    at: Any, claims: Department, tianhe_handler: Any, time_machine: Any
) -> None:
    # Thursday 2026-03-12; the answer is due on Friday 2026-03-13.
    time_machine.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI))
    case = at(S.INVESTIGATING)
    task = services.task_send(
        complaint=case,
        actor=tianhe_handler,
        department=claims,
        question="请提供该案定损单。",
        due_on=date(2026, 3, 13),
    )
    assert sweep(today=date(2026, 3, 13)).tasks == 0  # due today
    assert sweep(today=date(2026, 3, 14)).tasks == 0  # Saturday: nobody at work
    result = sweep(today=date(2026, 3, 16))
    assert result.tasks == 1
    key = f"task_overdue:{task.pk}:2026-03-13"
    clerk = claims.members.get()
    assert task_alerts(task) == [
        ("claims@ins.cn", f"{key}:mailbox"),
        (tianhe_handler.email, f"{key}:{tianhe_handler.pk}"),
        ("zhao@ins.cn", f"{key}:{clerk.pk}"),
    ]
    body = Notification.objects.filter(kind="task_overdue").first().body
    assert "请提供该案定损单。" in body
    assert "逾期1个工作日" in body
    assert tianhe_handler.username not in body  # named, not by username
    # Once only, however often the sweep runs.
    assert sweep(today=date(2026, 3, 17)).tasks == 0
    assert len(task_alerts(task)) == 3


def test_an_answered_task_is_not_reminded(
    at: Any, claims: Department, tianhe_handler: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI))
    case = at(S.INVESTIGATING)
    task = services.task_send(
        complaint=case,
        actor=tianhe_handler,
        department=claims,
        question="请提供该案定损单。",
        due_on=date(2026, 3, 13),
    )
    services.task_answer(task=task, actor=claims.members.get(), answer="已上传定损单")
    assert sweep(today=date(2026, 3, 16)).tasks == 0
    assert task_alerts(task) == []


def test_a_dry_run_counts_the_task_reminders_without_writing(
    at: Any, claims: Department, tianhe_handler: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI))
    case = at(S.INVESTIGATING)
    services.task_send(
        complaint=case,
        actor=tianhe_handler,
        assignee=UserFactory(username="agent_lead", email="lead@ins.cn"),
        question="请说明销售过程。",
        due_on=date(2026, 3, 13),
    )
    result = sweep(today=date(2026, 3, 16), dry_run=True)
    assert (result.tasks, result.notifications >= 2) == (1, True)
    assert not Notification.objects.filter(kind="task_overdue").exists()
