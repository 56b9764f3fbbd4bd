"""A case that went through every kind of event, for the timeline's tests
(tests/complaints/test_timeline.py) and the browser walk (tests/e2e)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services as svc
from complaints.models import Complaint
from complaints.services.notices import note_add
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_services_transitions import CALLS


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def full_case(register: Any, persona: Any, travel: Any) -> Complaint:
    """Register on 2026-03-06 and walk the case to its decision notice with a
    call, an attachment, a pause, an extension, a recusal, an investigation
    task answered, a supervision, a rework and the letters and notices these
    owe; `travel(moment)` moves the clock (time_machine.move_to)."""
    handler, manager = persona("tianhe_handler"), persona("gz_manager")
    colleague = persona("gz_handler")
    travel(at(6, 10, 31))
    c = register(handler)
    travel(at(6, 14))
    c = CALLS["accept"](c, handler)
    c = CALLS["assign"](c, handler)
    travel(at(7, 9))
    svc.correspondence_record(
        complaint=c,
        actor=handler,
        direction="in",
        method="phone",
        occurred_at=at(7, 8, 50),
        summary="投诉人来电补充定损单信息",
    )
    travel(at(7, 10))
    svc.attachment_add(
        complaint=c,
        actor=handler,
        upload=SimpleUploadedFile(
            "定损单.pdf", b"%PDF-1.4 test", content_type="application/pdf"
        ),
        kind="evidence",
    )
    travel(at(9, 9))
    task = svc.task_send(
        complaint=c,
        actor=handler,
        question="请核实定损金额的依据",
        due_on=date(2026, 3, 12),
        assignee=colleague,
    )
    travel(at(9, 11))
    svc.complaint_pause(
        complaint=c,
        actor=handler,
        started_on=date(2026, 3, 9),
        body="某司法鉴定所",
        reason="车损鉴定",
    )
    travel(at(10, 15))
    svc.task_answer(task=task, actor=colleague, answer="定损依据为4S店报价单")
    travel(at(12, 9))
    svc.complaint_resume(complaint=c, actor=handler, ended_on=date(2026, 3, 12))
    travel(at(12, 10))
    c.refresh_from_db()
    request = svc.complaint_extend(
        complaint=c, actor=handler, level=1, reason="需补充鉴定材料"
    )
    travel(at(12, 10, 30))
    svc.approval_decide(request=request, actor=manager, approve=True, note="同意延期")
    travel(at(13, 9))
    svc.supervision_start(
        complaint=c,
        actor=manager,
        instruction="请于本周内完成处理",
        due_on=date(2026, 3, 20),
    )
    travel(at(13, 11))
    svc.recusal_declare(
        complaint=c, actor=manager, user=colleague, reason="与投诉人系亲属"
    )
    travel(at(13, 15))
    note_add(complaint=c, actor=handler, text="已与理赔部沟通，等待复核")
    travel(at(16, 9))
    c.refresh_from_db()
    c = CALLS["propose_decision"](c, handler)
    travel(at(16, 10))
    c = CALLS["return_for_rework"](c, manager)
    travel(at(16, 11))
    c = CALLS["propose_decision"](c, handler)
    travel(at(16, 15))
    c = CALLS["approve"](c, manager)
    travel(at(18, 16))  # the notice was given at 15:00
    c = CALLS["notify"](c, handler)
    return c
