"""Demo casework: departments that answer tasks, reply templates, and a few
tasks and supervisions (督办) on the demo complaints. Idempotent; demo only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints import services
from complaints.models import Code, Complaint, InvestigationTask, ReplyTemplate
from organisations.models import Department, Institution
from organisations.services import department_save, department_set_members
from sampledata.organisation import DEMO_PASSWORD

# Departments and the demo accounts in them (no role on complaints: they only
# answer the questions sent to their department).
DEPARTMENTS = [
    ("GD", "理赔部", "claims@example.com", [("claims_guangdong", "赵", "立")]),
    ("HO", "核保部", "", []),
]
TEMPLATES = [
    (
        "理赔金额争议·部分支持",
        ReplyTemplate.Use.DECISION,
        "claims",
        "partly",
        "{投诉人}：\n经调取定损单、维修发票及理赔档案核实，本公司对您的部分请求予以支持，"
        "向您补足赔款差额人民币{补偿金额}元；其余请求因缺乏合同依据，不予支持。\n"
        "如您对本处理决定有异议，可以通过以下途径解决：\n{救济途径}",
    ),
    (
        "不予支持（通用）",
        ReplyTemplate.Use.DECISION,
        "",
        "not_supported",
        "{投诉人}：\n经调查核实，您的投诉请求缺乏事实和合同依据，本公司不予支持，理由如下：\n"
        "（请写明理由）\n如您对本处理决定有异议，可以通过以下途径解决：\n{救济途径}",
    ),
    (
        "电话回复·处理进度",
        ReplyTemplate.Use.REPLY,
        "",
        "",
        "{今天}致电{投诉人}，告知投诉（编号{投诉编号}）正在调查核实，"
        "将于{处理期限}前作出处理决定并告知。",
    ),
]


@transaction.atomic
def seed_casework() -> dict[str, int]:
    """Create what is missing; a second run changes nothing."""
    counts = {"departments": 0, "templates": 0, "tasks": 0, "supervisions": 0}
    institutions = {i.code: i for i in Institution.objects.all()}
    users = get_user_model().objects
    for code, name, email, members in DEPARTMENTS:
        if code not in institutions:
            continue
        department = Department.objects.filter(
            institution=institutions[code], name=name
        ).first()
        if department is not None:
            continue
        new = Department(institution=institutions[code], name=name, email=email)
        department = department_save(department=new)
        people = []
        for username, last, first in members:
            person, created = users.get_or_create(
                username=username,
                defaults={
                    "last_name": last,
                    "first_name": first,
                    "email": f"{username}@example.com",
                    "is_staff": True,
                },
            )
            if created:
                person.set_password(DEMO_PASSWORD)
                person.save(update_fields=["password"])
            people.append(person)
        department_set_members(department=department, members=people)
        counts["departments"] += 1

    compliance = users.filter(username="compliance_ho").first()
    if compliance is not None and "HO" in institutions:
        for name, use, category, outcome, body in TEMPLATES:
            if ReplyTemplate.objects.filter(name=name).exists():
                continue
            services.reply_template_save(
                actor=compliance,
                institution=institutions["HO"],
                name=name,
                use=use,
                category=Code.objects.get(kind="category", code=category)
                if category
                else None,
                outcome=outcome,
                body=body,
            )
            counts["templates"] += 1
    counts.update(_tasks_and_supervision(users))
    return counts


def _tasks_and_supervision(users: Any) -> dict[str, int]:
    """A question to the claims department and a supervision on two of the
    handler's open cases, the first time only."""
    handler = users.filter(username="handler_tianhe").first()
    manager = users.filter(username="manager_guangzhou").first()
    claims = Department.objects.filter(name="理赔部", institution__code="GD").first()
    if not (handler and manager and claims) or InvestigationTask.objects.exists():
        return {}
    cases = list(
        Complaint.objects.filter(
            handler=handler, status=Complaint.Status.INVESTIGATING
        ).order_by("due_on")[:2]
    )
    today = timezone.localdate()
    done = {"tasks": 0, "supervisions": 0}
    for c in cases:
        services.task_send(
            complaint=c,
            actor=handler,
            department=claims,
            question="请提供本案定损单、核损意见及理赔计算书。",
            due_on=today + timedelta(days=3),
        )
        done["tasks"] += 1
    if cases:
        services.supervision_start(
            complaint=cases[0],
            actor=manager,
            instruction="临近处理期限，请三日内联系投诉人并提出处理方案。",
            due_on=today + timedelta(days=3),
        )
        done["supervisions"] += 1
    return done
