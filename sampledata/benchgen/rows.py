"""Complaint rows with their case files and history, shaped as the services
write them: each step of the lifecycle is one history row carrying the state
after the step, its actor and its reason."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Code, Complaint
from complaints.rules.identifiers import credit_code_check_character, id_check_character
from complaints.services._common import refresh_deadlines
from complaints.timing.workdays import DatabaseCalendar
from organisations.models import Institution
from sampledata.benchgen import plant_coding
from sampledata.benchgen.tree import Staff
from sampledata.texts import (
    BANKS,
    EXTENSION_REASONS,
    GIVEN,
    MEDIATORS,
    SURNAMES,
    TEMPLATES,
)

S = Complaint.Status
DAY = timedelta(days=1)
# Django's timezone helpers look the zone up per call; a million rows cannot.
TZ = ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


# County-level address codes (GB/T 2260) the generated ID numbers start with.
AREA_CODES = ("110101", "310104", "440106", "440304", "330106", "320102", "510104")


def _resident_id(rng: random.Random, born: date) -> str:
    """A resident ID number that passes GB 11643 (valid check character)."""
    body = f"{rng.choice(AREA_CODES)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + id_check_character(body)


# Final states by age of the complaint (days since receipt): (state, weight).
# Recent complaints are still being worked; old ones have ended, most closed.
BY_AGE: list[tuple[int, list[tuple[str, int]]]] = [
    (2, [(S.REGISTERED, 55), (S.ACCEPTED, 45)]),
    (15, [(S.REGISTERED, 4), (S.ACCEPTED, 12), (S.INVESTIGATING, 52),
          (S.AWAITING_APPROVAL, 10), (S.DECIDED, 5), (S.NOTIFIED, 10),
          (S.ROUTED, 4), (S.WITHDRAWN, 3)]),
    (60, [(S.INVESTIGATING, 10), (S.AWAITING_APPROVAL, 2), (S.NOTIFIED, 18),
          (S.UNDER_REVIEW, 3), (S.IN_MEDIATION, 2), (S.CLOSED, 50),
          (S.WITHDRAWN, 5), (S.ROUTED, 8), (S.DECLINED, 2)]),
    (180, [(S.REVIEWED, 1), (S.IN_MEDIATION, 1), (S.CLOSED, 78), (S.WITHDRAWN, 7),
           (S.ROUTED, 10), (S.DECLINED, 3)]),
    (100000, [(S.CLOSED, 30), (S.ARCHIVED, 52), (S.WITHDRAWN, 6), (S.ROUTED, 9),
              (S.DECLINED, 3)]),
]  # fmt: skip
# The path through the lifecycle to each final state.
PATHS: dict[str, list[str]] = {
    S.REGISTERED: [],
    S.ACCEPTED: ["accept"],
    S.INVESTIGATING: ["accept", "assign"],
    S.AWAITING_APPROVAL: ["accept", "assign", "propose"],
    S.DECIDED: ["accept", "assign", "propose", "approve"],
    S.NOTIFIED: ["accept", "assign", "propose", "approve", "notify"],
    S.UNDER_REVIEW: ["accept", "assign", "propose", "approve", "notify", "review"],
    S.REVIEWED: ["accept", "assign", "propose", "approve", "notify", "review",
                 "reviewed"],
    S.IN_MEDIATION: ["accept", "assign", "propose", "approve", "notify", "mediate"],
    S.CLOSED: ["accept", "assign", "propose", "approve", "notify", "close"],
    S.ARCHIVED: ["accept", "assign", "propose", "approve", "notify", "close",
                 "archive"],
    S.WITHDRAWN: ["accept", "withdraw"],
    S.ROUTED: ["route"],
    S.DECLINED: ["decline"],
}  # fmt: skip
CHANNEL_WEIGHTS = {
    "hotline": 34, "website": 6, "wechat": 12, "app": 8, "email": 4, "letter": 4,
    "visit": 10, "regulator": 12, "media": 3, "other": 2,
}  # fmt: skip
OUTCOMES = [
    (Complaint.Outcome.SUPPORTED, 35),
    (Complaint.Outcome.PARTLY, 30),
    (Complaint.Outcome.NOT_SUPPORTED, 35),
]
VARIANTS = 40  # pre-rendered texts per template


def defaults(model: type[models.Model]) -> dict[str, Any]:
    """Every concrete column with the value an unsaved instance would have."""
    row: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.generated:  # the database computes it
            continue
        if f.has_default():
            row[f.attname] = f.get_default()
        else:
            row[f.attname] = None if f.null else ""
    return row


@dataclass
class Generated:
    complaint: dict[str, Any]
    history: list[dict[str, Any]]
    correspondence: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)


class Generator:
    """Deterministic for a seed: the same arguments give the same rows."""

    def __init__(self, staff: Staff, *, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.staff = staff
        self.today = today
        self.calendar = DatabaseCalendar()
        self.codes = {
            (c.kind, c.code): c.pk for c in Code.objects.all().only("kind", "code")
        }
        self.route_reasons = [
            pk for (kind, _code), pk in self.codes.items() if kind == "route_reason"
        ]
        self.channels = [self.codes[("channel", c)] for c in CHANNEL_WEIGHTS]
        self.channel_weights = list(CHANNEL_WEIGHTS.values())
        self.targets = [
            i for i in staff.institutions if i.pk in staff.handlers
        ]  # complaints land where handlers work
        self.target_weights = [
            1 if i.level == Institution.Level.OFFICE else 3 for i in self.targets
        ]
        self.target_cum = list(itertools.accumulate(self.target_weights))
        self.channel_cum = list(itertools.accumulate(self.channel_weights))
        # No event after this: 18:00 of `today`, or now when that is earlier
        # (dates of events are never in the future, and never before receipt).
        self.latest = latest_event(today)
        self.blank = defaults(Complaint)
        self._due: dict[tuple[date, int], tuple[Any, ...]] = {}
        with translation.override("zh-hans"):
            self.reasons = {
                "+": _("Registered"),
                "accept": _("Accepted"),
                "assign": _("Handler assigned"),
                "propose": _("Decision proposed"),
                "approve": _("Decision approved"),
                "notify": _("Decision notified"),
                "review": _("Review (核查) requested"),
                "reviewed": _("Review decided"),
                "mediate": _("Referred to mediation"),
                "close": _("Closed"),
                "archive": _("Archived"),
                "withdraw": _("Withdrawn"),
                "route": _("Routed elsewhere"),
                "decline": _("Declined"),
            }
        self.texts = self._render_texts()

    # --- Fixed pieces ------------------------------------------------------
    def _render_texts(self) -> list[tuple[int, int, int, str, str, bool, tuple]]:
        rng, out = self.rng, []
        for t in TEMPLATES:
            for _n in range(VARIANTS):
                lo, hi = t.amount
                amount = rng.randint(lo, hi) if hi else 0
                values = {
                    "amount": amount,
                    "premium": amount,
                    "date": f"{rng.randint(2023, 2026)}年{rng.randint(1, 12)}月"
                    f"{rng.randint(1, 28)}日",
                    "plate": f"粤A{rng.randint(10000, 99999)}",
                    "road": rng.choice(["中山大道", "人民路", "解放路", "建设路"]),
                    "hospital": rng.choice(["市第一人民医院", "省人民医院"]),
                    "bank": rng.choice(BANKS),
                    "year": rng.randint(2015, 2022),
                    "months": rng.randint(2, 6),
                    "acres": rng.randint(20, 300),
                }
                out.append(
                    (
                        self.codes[("product_line", t.product_line)],
                        self.codes[("category", t.category)],
                        self.codes[("cause", t.cause)],
                        t.request.format(**values),
                        t.facts.format(**values),
                        t.organisation,
                        (amount, t.finding),
                    )
                )
        return out

    def warm(self, days: Iterable[date]) -> None:
        """Compute every due date up front (before the workers fork)."""
        for day in days:
            for level in (0, 1):
                self._deadlines(day, level)

    def _deadlines(self, received_on: date, level: int) -> tuple[Any, ...]:
        """The stored due dates, computed by the services' own function."""
        key = (received_on, level)
        if key not in self._due:
            c = Complaint(clock_start=received_on, extension_level=level)
            refresh_deadlines(c, self.calendar)
            self._due[key] = (c.legal_due, c.internal_due, c.due_on, c.due_provisional)
        return self._due[key]

    def _person(self) -> dict[str, Any]:
        rng = self.rng
        born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 52))
        return {
            "complainant_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_type": Complaint.IdType.RESIDENT_ID,
            "id_number": _resident_id(rng, born),
            "phone": f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}",
            "address": f"{rng.choice(['人民路', '建设路', '解放路'])}"
            f"{rng.randint(1, 999)}号{rng.randint(1, 30)}0{rng.randint(1, 9)}室",
        }

    # --- One complaint -----------------------------------------------------
    def complaint(self, pk: int, number: str, received_at: datetime) -> Generated:
        rng, staff = self.rng, self.staff
        inst = rng.choices(self.targets, cum_weights=self.target_cum)[0]
        received_on = local_day(received_at)
        age = (self.today - received_on).days
        final = self._final_state(age)
        product, category, cause, request, facts, org, (amount, finding) = rng.choice(
            self.texts
        )
        handler = rng.choice(staff.handlers[inst.pk])
        channel = rng.choices(self.channels, cum_weights=self.channel_cum)[0]
        row = dict(self.blank)
        row.update(self._person())
        extension = 1 if final in (S.CLOSED, S.ARCHIVED) and rng.random() < 0.06 else 0
        legal, internal, due, provisional = self._deadlines(received_on, 0)
        row.update(
            id=pk,
            number=number,
            channel_id=channel,
            received_at=received_at,
            received_on=received_on,
            institution_id=inst.pk,
            registered_by_id=handler,
            subject_institution_id=inst.pk,
            policy_number=f"P{rng.randint(10**11, 10**12 - 1)}",
            product_line_id=product,
            category_id=category,
            request=request,
            facts=facts,
            amount_in_dispute=Decimal(amount) if amount else None,
            complainant_type=Complaint.ComplainantType.ORGANISATION
            if org
            else Complaint.ComplainantType.PERSON,
            status=S.REGISTERED,
            clock_start=received_on,
            legal_due=legal,
            internal_due=internal,
            due_on=due,
            due_provisional=provisional,
            is_vulnerable=rng.random() < 0.04,
            media_risk=rng.random() < 0.01,
            is_repeat=rng.random() < 0.05,
            created_at=received_at,
            updated_at=received_at,
        )
        if org:
            body = f"91440101MA{rng.randint(10**6, 10**7 - 1)}"
            row["credit_code"] = body + credit_code_check_character(body)
            row["legal_representative"] = rng.choice(SURNAMES) + rng.choice(GIVEN)
        # What staff are asked about on the phone (issue 15 point 6).
        if category == self.codes[("category", "claims")]:
            row["claim_number"] = f"RC{received_on:%Y%m}{rng.randint(0, 10**8 - 1):08d}"
        if product == self.codes[("product_line", "motor")]:
            row["plate_number"] = f"粤A{rng.randint(10000, 99999)}"
        if channel == self.codes[("channel", "regulator")]:
            row["regulator_reference"] = f"JG{number}"
            row["regulator_office"] = "国家金融监督管理总局派出机构"
        plant_coding.plant(row, self.codes)  # issue 18: miscoded cases
        out = Generated(complaint=row, history=[])
        self._snapshot(out, "+", received_at, handler)
        when = received_at
        for step in PATHS[final]:
            when = self._step(out, step, when, inst, handler, cause, finding, extension)
        row["updated_at"] = when
        self._case_file(out, inst, handler)
        return out

    def _final_state(self, age: int) -> str:
        for limit, weights in BY_AGE:
            if age <= limit:
                states, w = zip(*weights, strict=True)
                return self.rng.choices(states, w)[0]
        raise AssertionError(age)

    def _snapshot(self, out: Generated, step: str, when: datetime, actor: int) -> None:
        out.history.append(
            {
                **out.complaint,
                "updated_at": when,
                "history_date": when,
                "history_type": "+" if step == "+" else "~",
                "history_user_id": actor,
                "history_change_reason": self.reasons[step],
            }
        )

    def _step(
        self,
        out: Generated,
        step: str,
        when: datetime,
        inst: Institution,
        handler: int,
        cause: int,
        finding: str,
        extension: int,
    ) -> datetime:
        rng, row, staff = self.rng, out.complaint, self.staff
        actor = handler
        hours = {"accept": 20, "assign": 30, "propose": 24 * 9, "approve": 30,
                 "notify": 20, "review": 24 * 20, "reviewed": 24 * 25,
                 "mediate": 24 * 15, "close": 24 * 20, "archive": 24 * 60,
                 "withdraw": 24 * 5, "route": 30, "decline": 30}[step]  # fmt: skip
        when = min(
            when + timedelta(hours=rng.uniform(1, hours)),
            self.latest,
        )
        if step == "accept":
            row.update(status=S.ACCEPTED, accepted_at=when)
        elif step == "assign":
            row.update(status=S.INVESTIGATING, handler_id=handler)
        elif step == "propose":
            outcome = rng.choices(*zip(*OUTCOMES, strict=True))[0]
            amount = row["amount_in_dispute"]
            redress = (
                amount
                if amount and outcome != Complaint.Outcome.NOT_SUPPORTED
                else None
            )
            row.update(
                status=S.AWAITING_APPROVAL,
                outcome=outcome,
                decision_text=f"经核实，{finding}。",
                redress_amount=redress,
                drafted_by_id=handler,
                cause_id=cause,
            )
            if extension:
                self._extend(out, when, inst, handler)
        elif step == "approve":
            actor = staff.manager_over(inst)
            row.update(status=S.DECIDED, approved_by_id=actor, decided_at=when)
        elif step == "notify":
            row.update(
                status=S.NOTIFIED,
                notified_at=when,
                decision_received_on=local_day(when) + DAY * 2,
            )
            if row["redress_amount"]:
                row["redress_paid_on"] = local_day(when) + DAY * 5
        elif step == "review":
            above = staff.reviewer_over(inst)
            if above is None:
                return when
            row.update(
                status=S.UNDER_REVIEW,
                review_institution_id=above[0],
                review_applied_on=local_day(when),
                review_due=local_day(when) + DAY * 30,
            )
        elif step == "reviewed":
            above = staff.reviewer_over(inst)
            actor = above[1] if above else actor
            row.update(
                status=S.REVIEWED,
                reviewer_id=actor,
                review_result=Complaint.ReviewResult.UPHELD,
                review_text="经核查，原处理决定认定事实清楚，予以维持。",
                reviewed_at=when,
            )
        elif step == "mediate":
            row.update(
                status=S.IN_MEDIATION,
                mediation_body=rng.choice(list(MEDIATORS.values())),
                mediation_referred_on=local_day(when),
            )
        elif step == "close":
            row.update(status=S.CLOSED, closed_at=when)
            if rng.random() < 0.6:
                row.update(
                    callback_at=when,
                    satisfaction=rng.choice([5, 5, 4, 4, 4, 3, 2, 1, 0]),
                )
        elif step == "archive":
            row.update(status=S.ARCHIVED, archived_at=when)
        elif step == "withdraw":
            row.update(
                status=S.WITHDRAWN,
                outcome=Complaint.Outcome.WITHDRAWN,
                withdrawn_on=local_day(when),
                closed_at=when,
            )
        elif step == "route":
            row.update(
                status=S.ROUTED,
                closed_at=when,
                route_kind=rng.choice(
                    [Complaint.RouteKind.RECLASSIFIED, Complaint.RouteKind.FORWARDED]
                ),
                route_reason_id=rng.choice(self.route_reasons),
                route_note="经核实，该事项不属于保险消费投诉，已告知投诉人。",
            )
            if row["route_kind"] == Complaint.RouteKind.RECLASSIFIED:
                row["item_type"] = Complaint.ItemType.ENQUIRY
        elif step == "decline":
            row.update(
                status=S.DECLINED,
                closed_at=when,
                route_reason_id=rng.choice(self.route_reasons),
                route_note="投诉人并非消费者本人、其代理人或继承人。",
            )
        self._snapshot(out, step, when, actor)
        return when

    def _extend(
        self, out: Generated, when: datetime, inst: Institution, handler: int
    ) -> None:
        row = out.complaint
        legal, internal, due, provisional = self._deadlines(row["received_on"], 1)
        out.extensions.append(
            {
                "complaint_id": row["id"],
                "level": 1,
                "reason": self.rng.choice(EXTENSION_REASONS),
                "previous_due": row["due_on"],
                "new_due": due,
                "requested_by_id": handler,
                "approved_by_id": self.staff.manager_over(inst),
                "created_at": when,
            }
        )
        row.update(
            extension_level=1,
            legal_due=legal,
            internal_due=internal,
            due_on=due,
            due_provisional=provisional,
        )

    def _case_file(self, out: Generated, inst: Institution, handler: int) -> None:
        """Notices and calls on the way; some evidence (metadata only)."""
        rng, row = self.rng, out.complaint
        start = row["received_at"]
        if row["accepted_at"]:
            out.correspondence.append(
                _letter(row, "out", "sms", row["accepted_at"], handler, True,
                        "您的投诉已受理，我司将在15日内作出处理决定并告知您。")
            )  # fmt: skip
        if rng.random() < 0.5:
            out.correspondence.append(
                _letter(row, "in", "phone", start + DAY, handler, False,
                        "投诉人来电询问处理进度，已告知正在核实。")
            )  # fmt: skip
        if row["notified_at"]:
            out.correspondence.append(
                _letter(row, "out", "letter", row["notified_at"], handler, True,
                        f"书面告知处理决定：{row['decision_text']}")
            )  # fmt: skip
        if row["notified_at"] and rng.random() < 0.7:
            # The decision as delivered (送达回证): what "notified with
            # evidence" counts (Complaint.notice_evidence).
            row["notice_evidence"] = True
            out.attachments.append(
                {
                    "complaint_id": row["id"],
                    "kind": "notice",
                    "file": f"attachments/bench/{row['number']}-notice.pdf",
                    "original_name": "送达回证.pdf",
                    "content_type": "application/pdf",
                    "size": rng.randint(40_000, 400_000),
                    "sha256": f"{rng.getrandbits(256):064x}",
                    "description": "处理决定书面告知的签收回执",
                    "uploaded_by_id": handler,
                    "uploaded_at": row["notified_at"],
                }
            )
        if rng.random() < 0.4:
            out.attachments.append(
                {
                    "complaint_id": row["id"],
                    "kind": "evidence",
                    "file": f"attachments/bench/{row['number']}.pdf",
                    "original_name": "证据材料.pdf",
                    "content_type": "application/pdf",
                    "size": rng.randint(40_000, 4_000_000),
                    "sha256": f"{rng.getrandbits(256):064x}",
                    "description": "投诉人提交的证明材料",
                    "uploaded_by_id": handler,
                    "uploaded_at": start + timedelta(hours=2),
                }
            )


def _letter(
    row: dict[str, Any],
    direction: str,
    method: str,
    when: datetime,
    actor: int,
    notice: bool,
    summary: str,
) -> dict[str, Any]:
    return {
        "complaint_id": row["id"],
        "direction": direction,
        "method": method,
        "occurred_at": when,
        "summary": summary,
        "is_notice": notice,
        "new_facts": False,
        "recorded_by_id": actor,
        "created_at": when,
    }


def latest_event(today: date) -> datetime:
    """The latest moment a generated event may have: 18:00 of `today`, or now
    when that is earlier."""
    return min(datetime.combine(today, time(18), tzinfo=TZ), timezone.now())


def received_times(
    count: int,
    *,
    today: date,
    years: int,
    rng: random.Random,
    latest: datetime | None = None,
) -> Iterator[datetime]:
    """`count` receipt times over `years` up to today, oldest first, fewer at
    weekends, growing about 10% a year; none after `latest` (the Generator's,
    so every later step, capped at the same moment, follows its receipt: a
    second reading of the clock could be later than the steps' cap)."""
    latest = latest or latest_event(today)
    days = [today - DAY * n for n in range(years * 365, -1, -1)]
    weights = [
        (0.45 if d.weekday() >= 5 else 1.0) * (1.1 ** ((d - days[0]).days / 365))
        for d in days
    ]
    per_day = sorted(rng.choices(range(len(days)), weights, k=count))
    for index in per_day:
        seconds = rng.randint(8 * 3600, 20 * 3600)
        yield min(
            datetime.combine(days[index], time(), tzinfo=TZ)
            + timedelta(seconds=seconds),
            latest,
        )
