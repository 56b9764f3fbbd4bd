"""The world the permission matrix (tests/test_permission_matrix.py) probes.

One complaint at 天河支公司 (GDGZTH, "th") and one at 西湖支公司 (ZJHZXH, "xh"),
each registered through the intake API by its branch's channel client and
walked through the services (accepted, paused, a recusal, extended, decided,
notified) so that every object URL of the admin, the letters, the downloads
and the API can be filled with an object on either side. Every record the
admin lists (notifications, root causes, rectifications, samples, volumes,
import and export logs, mails) exists once per side.

The personas: each role at four levels of the 广东 line (sub-branch th,
central sub-branch gz, provincial gd, head office ho), the sibling-branch
handler (xh.handler), an outsider (staff, no membership), an inactive handler
whose session outlived the deactivation, a system administrator (model
permissions, no membership), a superuser, an anonymous visitor and the two
channel clients (api.th, api.xh: bearer tokens, no session).

Every text that belongs to one side (complaint numbers, complainants, case
file entries, file names, institution and people names) is listed in
MARKERS, so any page can be searched for what its reader must not see.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from complaints import exports, services
from complaints.calendar_service import calendar_import_record, calendar_set_day
from complaints.models import (
    ApprovalRequest,
    Attachment,
    CalendarDay,
    Code,
    Complaint,
    ExportRecord,
    ImportRecord,
    InvestigationTask,
    Letter,
    Notification,
    ReplyTemplate,
    Supervision,
)
from intake.models import ChannelClient, IntakeSubmission, MailMessage
from intake.services import client_create
from organisations import permissions as P
from organisations.models import Department, Institution, Membership, TwoFactorDevice
from organisations.services import department_save, institution_create, membership_grant
from reporting import periods
from reporting import services as reporting
from reporting.models import (
    BusinessVolume,
    ComplaintRootCause,
    ProductLineMapping,
    QualityCheck,
    QualitySample,
    Rectification,
    RegulatorFigure,
    RegulatorLine,
    RootCause,
)
from sampledata.organisation import TREE
from tests.factories import UserFactory
from tests.insight.surge_world import insight_objects as _insight_objects

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday in 2026Q4: the dashboards' default period holds both complaints.
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIDES = {"th": "GDGZTH", "xh": "ZJHZXH"}

R = Membership.Role
LEVELS = {"th": "GDGZTH", "gz": "GDGZ", "gd": "GD", "ho": "HO", "zj": "ZJ"}
ROLES = {
    "handler": R.HANDLER,
    "manager": R.MANAGER,
    "reviewer": R.REVIEWER,
    "senior": R.SENIOR_MANAGER,
    "compliance": R.COMPLIANCE,
    "viewer": R.VIEWER,
}
# Each role at the levels where the organisation has it (DESIGN.md "Who uses
# it"): handlers at the branches, a manager (机构负责人) at every level,
# reviewers at the upper levels, senior managers and compliance at provincial
# branches and head office, viewers anywhere. Level by level, a role sees its
# subtree: th and gz see the 天河 complaint, ho sees both, zj and xh the 西湖 one.
MEMBERS: dict[str, tuple[str, str]] = {
    f"{level}.{role}": (ROLES[role], LEVELS[level])
    for role, levels in [
        ("handler", ["th", "gz", "gd"]),
        ("manager", ["th", "gz", "gd", "ho"]),
        ("reviewer", ["gz", "gd", "ho"]),
        ("senior", ["gd", "ho"]),
        ("compliance", ["gd", "ho"]),
        ("viewer", ["th", "gd", "zj", "ho"]),
    ]
    for level in levels
}
MEMBERS["xh.handler"] = (R.HANDLER, "ZJHZXH")  # the sibling branch's handler
# Columns of the matrix, in this order.
PERSONAS = [
    *MEMBERS,
    "outsider",
    "inactive",
    "sysadmin",
    "superuser",
    "anonymous",
    "api.th",
    "api.xh",
]
# Actors the walk needs on the 浙江 side; not columns of the matrix.
HELPERS = {
    "zjhelper.manager": (R.MANAGER, "ZJ"),
    "zjhelper.compliance": (R.COMPLIANCE, "ZJ"),
}
# What "system administrators" are given (DESIGN.md: the tree, staff accounts,
# roles, the calendar, code lists, channel clients): model permissions only.
SYSADMIN_MODELS = {
    "auth": ["user"],
    "organisations": ["institution", "membership", "twofactordevice", "department"],
    "complaints": ["code", "calendarday"],
    "intake": ["channelclient"],
}


@dataclass
class Side:
    complaint: Complaint
    objects: dict[type[Model], Model] = field(default_factory=dict)


@dataclass
class World:
    tree: dict[str, Institution]
    users: dict[str, Any]  # persona -> user (the service user for api.*)
    tokens: dict[str, str]  # api.th / api.xh -> bearer token
    sessions: dict[str, str]  # persona -> session key
    sides: dict[str, Side]
    # side -> (text of its complaint, names of its institution and people)
    markers: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        """A fresh test client speaking as `persona` (its session or token)."""
        if persona in self.tokens:
            return APIClient(HTTP_AUTHORIZATION=f"Bearer {self.tokens[persona]}")
        client = APIClient()
        if persona in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client

    def obj(self, model: type[Model], side: str) -> Model:
        objects = self.sides[side].objects
        if model not in objects:
            objects[model] = self._find(model, side)
        return objects[model]

    def _find(self, model: type[Model], side: str) -> Model:
        """A row of a model the walk does not name: the side's by its
        complaint, institution or owner, else the first or second row."""
        fields = {f.name for f in model._meta.concrete_fields}
        rows = model._default_manager.order_by("pk")
        if "complaint" in fields:
            rows = rows.filter(complaint=self.sides[side].complaint)
        elif "institution" in fields:
            rows = rows.filter(institution=self.tree[SIDES[side]])
        elif "user" in fields:
            rows = rows.filter(user=self.users[WALKERS[side]["compliance"]])
        else:
            rows = rows[(0 if side == "th" else 1) :]
        found = rows.first()
        if found is None:
            raise LookupError(
                f"No {model._meta.label} row on the {side} side: make one in "
                "tests/permission_world.py build_world()."
            )
        return found


def _person(username: str, first_name: str, **fields: Any) -> Any:
    return UserFactory(username=username, last_name="", first_name=first_name, **fields)


# Display names say where a person works, so a page can be searched for them.
PEOPLE_MARKERS = {"th": "广东人员", "xh": "浙江人员"}


def _name(persona: str) -> str:
    if persona.startswith(("xh.", "zj")):
        return f"{PEOPLE_MARKERS['xh']}{persona}"
    if persona.startswith("ho."):
        return f"总公司人员{persona}"
    return f"{PEOPLE_MARKERS['th']}{persona}"


def _code(kind: str, value: str) -> Code:
    return Code.objects.get(kind=kind, code=value)


def build_world() -> World:
    """Everything the matrix requests; call inside a transaction at NOW."""
    tree: dict[str, Institution] = {}
    for code, name, level, parent_code, region in TREE:
        tree[code] = institution_create(
            code=code,
            name=name,
            level=level,
            parent=tree[parent_code] if parent_code else None,
            region=region,
        )
    users: dict[str, Any] = {}
    for persona, (role, code) in {**MEMBERS, **HELPERS}.items():
        users[persona] = _person(persona, _name(persona))
        membership_grant(user=users[persona], institution=tree[code], role=role)
    users["outsider"] = _person("outsider", "无岗位人员")
    users["inactive"] = _person("inactive", "已停用人员")
    membership_grant(user=users["inactive"], institution=tree["GDGZTH"], role=R.HANDLER)
    users["sysadmin"] = _person("sysadmin", "系统管理员")
    users["sysadmin"].user_permissions.set(_sysadmin_permissions())
    users["superuser"] = _person("superuser", "超级管理员", is_superuser=True)

    tokens: dict[str, str] = {}
    clients: dict[str, ChannelClient] = {}
    for side, code in SIDES.items():
        clients[side], tokens[f"api.{side}"] = client_create(
            name=f"官网{side}",
            channel=_code("channel", "website"),
            institution=tree[code],
            # The 天河 side's client also makes satisfaction callbacks.
            records_callbacks=side == "th",
        )
        users[f"api.{side}"] = clients[side].service_user

    sides = {
        side: _walk(side, tree, users, clients[side], tokens[f"api.{side}"])
        for side in SIDES
    }
    sessions = {}
    for persona, user in users.items():
        if persona in PERSONAS and not persona.startswith("api."):
            client = Client()
            client.force_login(user)
            sessions[persona] = client.session.session_key
    _records_of_other_admins(users)
    # Each side's handler opens its complaint (the access log gets a row).
    for side in SIDES:
        opener = Client()
        opener.cookies[settings.SESSION_COOKIE_NAME] = sessions[
            WALKERS[side]["handler"]
        ]
        url = reverse(
            "admin:complaints_complaint_change", args=[sides[side].complaint.pk]
        )
        assert opener.get(url).status_code == 200
    # Deactivated after logging in: the session outlives the account.
    users["inactive"].is_active = False
    users["inactive"].save(update_fields=["is_active"])
    users["anonymous"] = None
    world = World(tree, users, tokens, sessions, sides)
    for side in SIDES:
        c = sides[side].complaint
        complaint = [
            c.number,
            c.complainant_name,
            c.phone,
            c.id_number,
            c.correspondence.order_by("pk")[0].summary,
            world.obj(Attachment, side).original_name,  # type: ignore[attr-defined]
        ]
        institution = tree[SIDES[side]]
        people = [PEOPLE_MARKERS[side], institution.name, institution.code]
        world.markers[side] = (complaint, people)
    return world


def _records_of_other_admins(users: dict[str, Any]) -> None:
    """Rows for the admins of security and reference data, one per side."""
    for side in SIDES:
        # A failed sign-in: django-axes' attempt (its failure log is off by
        # default, so its row is written here).
        Client().post(
            reverse("admin:login"), {"username": f"nobody-{side}", "password": "x"}
        )
        AccessFailureLog.objects.create(
            username=f"nobody-{side}", ip_address="127.0.0.1", path_info="/admin/login/"
        )
        TwoFactorDevice.objects.create(
            user=users[WALKERS[side]["compliance"]], name="手机", confirmed=False
        )
    # Reference rows get a history row each (the seed migrations write none).
    actor = users["superuser"]
    for index in (0, 1):
        for model in (Code, RootCause, RegulatorLine, ProductLineMapping):
            row = model.objects.order_by("pk")[index]
            row._history_user = actor  # type: ignore[attr-defined]
            row.save()
        day = CalendarDay.objects.order_by("day")[index]
        calendar_set_day(
            day=day.day,
            is_workday=day.is_workday,
            name=f"{day.name}（核对）",
            actor=actor,
        )


def _sysadmin_permissions() -> list[Permission]:
    """All model permissions on SYSADMIN_MODELS but deletes (a role is revoked
    by deleting its membership, so that one delete is included)."""
    perms: list[Permission] = []
    for app, models in SYSADMIN_MODELS.items():
        perms += Permission.objects.filter(
            content_type__app_label=app, content_type__model__in=models
        ).exclude(codename__startswith="delete_")
    perms += Permission.objects.filter(codename="delete_membership")
    return perms


# The people who walk each side's complaint.
WALKERS = {
    "th": {
        "handler": "th.handler",
        "manager": "gz.manager",
        "compliance": "gd.compliance",
    },
    "xh": {
        "handler": "xh.handler",
        "manager": "zjhelper.manager",
        "compliance": "zjhelper.compliance",
    },
}
# Text that belongs to one side only.
COMPLAINANTS = {"th": "林天河", "xh": "钱西湖"}
PHONES = {"th": "13800138001", "xh": "13900139002"}


def _walk(
    side: str,
    tree: dict[str, Institution],
    users: dict[str, Any],
    client: ChannelClient,
    token: str,
) -> Side:
    who = {k: users[v] for k, v in WALKERS[side].items()}
    handler, manager, compliance = who["handler"], who["manager"], who["compliance"]
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.post(
        "/api/v1/complaints/",
        {
            "complainant_name": COMPLAINANTS[side],
            "id_type": "resident_id",
            "id_number": {"th": "440106198807071232", "xh": "330106198802023455"}[side],
            "phone": PHONES[side],
            "email": f"{side}-complainant@example.com",
            "product_line": "motor",
            "category": "claims",
            "request": "要求按合同足额赔付车损",
            "facts": f"{side} 车辆被追尾，理赔金额低于定损金额。",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"world-{side}",
    )
    assert response.status_code == 201, response.content
    c = Complaint.objects.get(number=response.json()["number"])
    c = services.complaint_accept(complaint=c, actor=handler)
    c = services.complaint_assign(complaint=c, actor=handler, handler=handler)
    services.correspondence_record(
        complaint=c,
        actor=handler,
        direction="in",
        method="phone",
        occurred_at=NOW,
        summary=f"{COMPLAINANTS[side]}来电补充材料",
    )
    attachment = services.attachment_add(
        complaint=c,
        actor=handler,
        upload=SimpleUploadedFile(
            f"{side}-定损单.pdf", PDF, content_type="application/pdf"
        ),
        kind="evidence",
    )
    services.complaint_pause(
        complaint=c,
        actor=handler,
        started_on=NOW.date(),
        body="鉴定机构",
        reason="车损鉴定",
    )
    services.complaint_resume(complaint=c, actor=handler, ended_on=NOW.date())
    c.refresh_from_db()
    services.recusal_declare(
        complaint=c, actor=manager, user=compliance, reason="与投诉人系亲属"
    )
    services.approval_decide(
        request=services.complaint_extend(
            complaint=c, actor=handler, level=1, reason="需调取外部材料"
        ),
        actor=manager,
        approve=True,
        note="同意延期",
    )
    c.refresh_from_db()
    c = services.complaint_propose_decision(
        complaint=c,
        actor=handler,
        outcome=Complaint.Outcome.PARTLY,
        decision_text="按定损金额补足差额。",
        cause=_code("cause", "claim_amount"),
    )
    c = services.complaint_approve(complaint=c, actor=manager)
    c = services.complaint_notify_decision(
        complaint=c,
        actor=handler,
        method="phone",
        occurred_at=NOW,
        summary="电话告知处理结果",
    )
    root_cause = reporting.complaint_root_cause_set(
        complaint=c, actor=handler, root_cause=RootCause.objects.order_by("pk")[0]
    )
    institution = tree[SIDES[side]]
    rectification = reporting.rectification_create(
        actor=compliance,
        owner_institution=institution,
        title=f"{side} 理赔定损整改",
        measure="复核定损流程",
        due_on=date(2026, 12, 31),
        complaints=[c],
    )
    sample = reporting.quality_sample_draw(
        actor=compliance,
        institution=institution,
        period=periods.quarter(2026, 4),
        size=1,
        seed=1,
    )
    volume = BusinessVolume(
        institution=institution,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        premium=Decimal("1000000.00"),
        policies=1000,
    )
    volume._history_user = compliance  # type: ignore[attr-defined]
    volume.save()
    figure = RegulatorFigure(
        institution=institution,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        published_count=1,
        notice=f"{side}季度通报",
        published_on=date(2026, 10, 15),
        entered_by=compliance,
    )
    figure._history_user = compliance  # type: ignore[attr-defined]
    figure.save()
    export = exports.export_record(
        user=compliance, kind="complaints", file_format="csv", filters="", row_count=1
    )
    import_record = calendar_import_record(
        actor=compliance, filename=f"{side}-calendar.csv", invalid=1
    )
    mail = MailMessage.objects.create(
        client=client,
        message_id=f"<{side}@mail.example.com>",
        complaint=c,
        sender=f"{side}-complainant@example.com",
        subject=f"回复：{c.number}",
        sent_at=NOW,
    )
    membership = Membership.objects.get(user=handler)
    # Work around the case: a question to a department, a supervision (督办),
    # and the branch's reply template.
    department = department_save(
        department=Department(institution=institution, name=f"{side}理赔部")
    )
    task = services.task_send(
        complaint=c,
        actor=handler,
        department=department,
        question="请提供定损单",
        due_on=date(2026, 11, 20),
    )
    supervision = services.supervision_start(
        complaint=c, actor=manager, instruction="本周内办结", due_on=date(2026, 11, 20)
    )
    template = services.reply_template_save(
        actor=compliance,
        institution=institution,
        name=f"{side}理赔决定",
        use="decision",
        body="{投诉人}：您的投诉{投诉编号}处理如下。",
    )
    c.refresh_from_db()
    # Reference data has no side; two rows so both object URLs can be filled.
    index = 0 if side == "th" else 1
    objects: dict[type[Model], Model] = {
        Complaint: c,
        Attachment: attachment,
        Notification: Notification.objects.filter(complaint=c).order_by("pk")[0],
        ComplaintRootCause: root_cause,
        Rectification: rectification,
        QualitySample: sample,
        # Nothing closed in the quarter is drawn: the case is put in by hand.
        QualityCheck: QualityCheck.objects.create(sample=sample, complaint=c),
        BusinessVolume: volume,
        RegulatorFigure: figure,
        ExportRecord: export,
        ImportRecord: import_record,
        MailMessage: mail,
        IntakeSubmission: IntakeSubmission.objects.get(complaint=c),
        ChannelClient: client,
        Institution: institution,
        Membership: membership,
        get_user_model(): handler,
        Group: P.role_group(institution, R.HANDLER),
        Code: Code.objects.order_by("pk")[index],
        CalendarDay: CalendarDay.objects.order_by("day")[index],
        RootCause: RootCause.objects.order_by("pk")[index],
        RegulatorLine: RegulatorLine.objects.order_by("pk")[index],
        ProductLineMapping: ProductLineMapping.objects.order_by("pk")[index],
        Letter: Letter.objects.filter(complaint=c).order_by("pk")[0],
        InvestigationTask: task,
        Supervision: supervision,
        ApprovalRequest: ApprovalRequest.objects.filter(complaint=c).order_by("pk")[0],
        ReplyTemplate: template,
        Department: department,
        **_insight_objects(institution, c, rectification),
    }
    return Side(complaint=c, objects=objects)


def pdf_upload(name: str = "补充.pdf") -> io.BytesIO:
    upload = io.BytesIO(PDF)
    upload.name = name
    return upload
