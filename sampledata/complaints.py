"""A few hundred realistic demo complaints, walked through the services into every
state of the lifecycle, at the demo insurer of organisations.demo.

Demo only: every name, phone, ID and policy number is made up. Deterministic for a
given day (random.Random(seed)) and idempotent: nothing is created when complaints
registered by the demo accounts already exist.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints import services as svc
from complaints.models import ApprovalRequest, Code, Complaint
from complaints.models.complaint import REDRESS_PAYABLE
from complaints.rules.identifiers import (
    CREDIT_CODE_CHARSET,
    credit_code_check_character,
    id_check_character,
)
from organisations.models import Institution
from sampledata.organisation import ACCOUNTS
from sampledata.texts import (
    BANKS,
    BRANCHES,
    CHANNELS,
    COMPANIES,
    EXTENSION_REASONS,
    GIVEN,
    LATE_REASON,
    LEANING,
    MEDIATORS,
    PLAN,
    REGIONS,
    REVIEWABLE,
    SURNAMES,
    TEMPLATES,
    Template,
)

S = Complaint.Status
DAY = timedelta(days=1)
# What complainants say on the satisfaction callback, by the result.
CALLBACK_WORDS = {
    5: "处理很及时，工作人员解释得很清楚，非常满意。",
    4: "款项已经收到，处理结果可以接受，希望以后流程再快一点。",
    3: "结果一般吧，过程有点长，不过问题算是解决了。",
    2: "等了很久才有答复，补偿金额也比预期少，不太满意。",
    1: "对处理结果很不满意，打算向监管部门反映。",
    0: "",
}


DEMO_SEED = 20260301


@dataclass
class Cast:
    handler: Any
    approver: Any
    manager: Any  # approves the first extension and routing by an earlier decision
    reviewer: Any
    senior: Any
    compliance: Any

    def second(self, requester: Any) -> Any:
        """A manager over the case other than the requester (never their own)."""
        return self.manager if self.manager != requester else self.senior


def seed_complaints(count: int = 300, *, seed: int = DEMO_SEED) -> dict[str, Any]:
    """Create `count` demo complaints in every state; nothing if they exist."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[a.username for a in ACCOUNTS]
        )
    }
    if Complaint.objects.filter(registered_by__in=users.values()).exists():
        return {"created": 0, "by_status": {}, "skipped": True}
    with transaction.atomic():
        seeder = _Seeder(random.Random(seed), users)
        for i in range(count):
            seeder.make(i)
    by_status = Counter(seeder.statuses)
    return {"created": count, "by_status": dict(by_status), "skipped": False}


class _Seeder:
    def __init__(self, rng: random.Random, users: dict[str, Any]) -> None:
        self.rng = rng
        self.u = users
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.codes = {(c.kind, c.code): c for c in Code.objects.all()}
        self.institutions = {i.code: i for i in Institution.objects.all()}
        self.statuses: list[str] = []
        self.open_cases: dict[str, list[Complaint]] = {}
        self.regulator_seq = 0
        self.template_of: dict[int, Template] = {}

    def code(self, kind: str, value: str) -> Code:
        return self.codes[(kind, value)]

    # --- who acts -------------------------------------------------------------
    def cast(self, branch: str) -> Cast:
        u, rng = self.u, self.rng
        if branch.startswith("GDGZ"):
            handler = u["handler_guangzhou"]
            if branch.startswith("GDGZTH") and rng.random() < 0.75:
                handler = u["handler_tianhe"]
            approver = manager = u["manager_guangzhou"]
        elif branch.startswith("GD"):
            # No handler account below GD outside Guangzhou: the provincial manager
            # handles, so the senior manager approves (four-eyes).
            handler, manager = u["manager_guangdong"], u["manager_guangdong"]
            approver = u["senior_manager"]
        else:
            handler = u["handler_xihu"]
            approver = manager = u["senior_manager"]
        return Cast(
            handler=handler,
            approver=approver,
            manager=manager,
            reviewer=u["reviewer_guangdong"],
            senior=u["senior_manager"],
            compliance=u["compliance_ho"],
        )

    # --- what is complained about ----------------------------------------------
    def make(self, i: int) -> None:
        rng = self.rng
        statuses = list(PLAN)
        # The first complaints take every status once, so any count >= 14 shows all.
        if i < len(statuses):
            target = statuses[i]
        else:
            target = rng.choices(statuses, weights=[p[0] for p in PLAN.values()])[0]
        review_path = target in (S.UNDER_REVIEW, S.REVIEWED) or (
            target in (S.CLOSED, S.IN_MEDIATION, S.ARCHIVED) and rng.random() < 0.15
        )
        if review_path:
            branch = rng.choice(REVIEWABLE)
        else:
            branch = rng.choices(list(BRANCHES), weights=list(BRANCHES.values()))[0]
        _, low, high = PLAN[target]
        cast = self.cast(branch)
        c = self.register(branch, rng.randint(low, high), target, cast)
        c = self.walk(c, target, cast, review_path)
        self.aftercare(c, cast)
        self.statuses.append(c.status)
        if c.status in (S.ACCEPTED, S.INVESTIGATING):
            self.open_cases.setdefault(branch, []).append(c)

    def register(self, branch: str, age: int, target: str, cast: Cast) -> Complaint:
        rng = self.rng
        institution = self.institutions[branch]
        region = institution.region if institution.region in REGIONS else "广州"
        area, plate, hospitals, roads, address = REGIONS[region]
        t = rng.choice(TEMPLATES)
        received_on = self.today - age * DAY
        received_at = timezone.make_aware(
            datetime.combine(
                received_on, time(rng.randint(8, 19), rng.choice((0, 15, 30, 45)))
            )
        )
        if received_at > self.now:
            received_at = self.now - timedelta(minutes=rng.randint(5, 90))
        low, high = t.amount
        amount = Decimal(rng.randint(low, high) // 10 * 10) if high else None
        premium = rng.randint(2, 40) * 5000
        incident = received_on - rng.randint(10, 120) * DAY
        ctx = {
            "amount": f"{amount or 0:,.0f}",
            "premium": f"{premium:,}",
            "date": f"{incident.year}年{incident.month}月{incident.day}日",
            "plate": f"{plate}{rng.choice('ABCDEFGHJK')}{rng.randint(10000, 99999)}",
            "road": rng.choice(roads),
            "hospital": rng.choice(hospitals),
            "bank": rng.choice(BANKS),
            "months": rng.randint(2, 6),
            "year": rng.randint(2016, 2023),
            "acres": rng.randint(5, 60),
        }
        person = self.person(area)
        fields: dict[str, Any] = {
            "complainant_name": person["name"],
            "id_type": Complaint.IdType.RESIDENT_ID,
            "id_number": person["id"],
            "phone": person["phone"],
            "email": person["email"],
            "address": f"{address}{rng.choice(roads)}{rng.randint(1, 300)}号",
            "policy_number": self.policy_number(t, area, incident),
            "amount_in_dispute": amount,
            "is_vulnerable": person["age"] >= 65,
            "is_repeat": rng.random() < 0.06,
            "media_risk": rng.random() < 0.03,
        }
        if t.category == "claims":
            fields["claim_number"] = f"RC{incident:%Y%m}{rng.randint(0, 10**8):08d}"
        if t.organisation:
            fields.update(
                complainant_type=Complaint.ComplainantType.ORGANISATION,
                complainant_name=rng.choice(COMPANIES),
                credit_code=self.credit_code(area),
                legal_representative=person["name"],
                representation=Complaint.Representation.AGENT,
                agent_name=self.person(area)["name"],
                agent_phone=self.phone(),
                authority_verified=True,
                id_type="",
                id_number="",
            )
        elif rng.random() < 0.06:  # an adult child complains for an elderly parent
            fields.update(
                representation=Complaint.Representation.AGENT,
                agent_name=self.person(area)["name"],
                agent_phone=self.phone(),
                authority_verified=target != S.DECLINED,
            )
        channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        if channel == "regulator":
            self.regulator_seq += 1
            office = (
                "浙江监管局"
                if region == "杭州"
                else rng.choice(["广东监管局", "国家金融监督管理总局12378热线"])
            )
            fields.update(
                regulator_reference=f"JG{received_on:%Y%m}-{self.regulator_seq:05d}",
                regulator_office=office,
                regulator_due=received_on + rng.randint(7, 12) * DAY,
            )
        if channel == "visit" and rng.random() < 0.3:
            count = rng.choice([5, 6, 8, 12, 22])
            names = [self.person(area)["name"] for _ in range(min(count, 5))]
            fields.update(complainant_count=count, representatives="\n".join(names))
        c = svc.complaint_register(
            actor=cast.handler,
            institution=self.institutions[branch],
            channel=self.code("channel", channel),
            product_line=self.code("product_line", t.product_line),
            category=self.code("category", t.category),
            request=t.request.format(**ctx),
            facts=t.facts.format(**ctx),
            received_at=received_at,
            **fields,
        )
        self.template_of[c.pk] = t
        return c

    def person(self, area: str) -> dict[str, Any]:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        birth = date(rng.randint(1948, 2002), rng.randint(1, 12), rng.randint(1, 28))
        body = f"{area}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        check = id_check_character(body)  # GB 11643-1999
        has_email = rng.random() < 0.4
        mail = rng.choice(["163.com", "qq.com", "126.com", "sina.com"])
        return {
            "name": name,
            "id": body + check,
            "age": self.today.year - birth.year,
            "phone": self.phone() if rng.random() < 0.95 else "",
            "email": f"u{rng.randint(10**5, 10**9)}@{mail}" if has_email else "",
        }

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 10**9 - 1):09d}"

    def credit_code(self, area: str) -> str:
        body = (
            "91"
            + area
            + "".join(self.rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
        )
        return body + credit_code_check_character(body)  # GB 32100

    def policy_number(self, t: Template, area: str, incident: date) -> str:
        rng = self.rng
        if self.code("product_line", t.product_line).group == "life":
            return f"P{rng.randint(2015, 2024)}{area}{rng.randint(0, 10**8):08d}"
        return f"PDAA{incident:%Y}{area[:4]}{rng.randint(0, 10**10):010d}"

    # --- the walk through the lifecycle -------------------------------------
    def walk(self, c: Complaint, target: str, cast: Cast, review: bool) -> Complaint:
        rng = self.rng
        h = cast.handler
        if target == S.REGISTERED:
            return c
        if target == S.DECLINED:
            note = "来电人自称系投诉人同事，未能提供授权委托书，亦非法定代理人或继承人"
            req = svc.complaint_decline(
                complaint=c,
                actor=h,
                standing_ground="not_the_consumer",
                checked="核对来电人身份证件，与保单投保人、被保险人及受益人均不一致",
                note=note,
            )
            return self.approve(req, cast.second(h), "核实无误，同意不予受理")
        if target == S.ARCHIVED:
            ended = rng.choices(
                [S.CLOSED, S.ROUTED, S.WITHDRAWN, S.DECLINED], weights=[8, 2, 2, 1]
            )[0]
            c = self.walk(c, ended, cast, review)
            return svc.complaint_archive(complaint=c, actor=h)
        if target == S.ROUTED and rng.random() < 0.5:
            return self.route(c, cast)
        if target == S.WITHDRAWN:
            before = rng.choice(
                [S.REGISTERED, S.ACCEPTED, S.INVESTIGATING, S.NOTIFIED, S.UNDER_REVIEW]
                if review
                else [S.REGISTERED, S.ACCEPTED, S.INVESTIGATING, S.NOTIFIED]
            )
            c = self.walk(c, before, cast, review)
            on = c.received_on + rng.randint(2, 20) * DAY
            if c.notified_at:
                on = max(on, timezone.localdate(c.notified_at) + DAY)
            on = min(max(on, c.review_applied_on or on), self.today)
            return svc.complaint_withdraw(
                complaint=c,
                actor=h,
                received_on=on,
                note="投诉人来电表示问题已协商解决，申请撤回投诉",
            )
        c = svc.complaint_accept(complaint=c, actor=h)
        if target == S.ACCEPTED:
            return c
        c = (
            svc.complaint_assign(complaint=c, actor=cast.manager, handler=h)
            if (h != cast.manager and rng.random() < 0.3)
            else svc.complaint_assign(
                complaint=c, actor=h, handler=h, declares_no_conflict=True
            )
        )
        if target == S.ROUTED:
            return self.route(c, cast)
        age = (self.today - c.received_on).days
        level = 0
        # An extension is requested while the limit runs (Measures art. 18).
        running = c.legal_due is not None and c.legal_due >= self.today
        if running and age > 8 and rng.random() < 0.6:
            level = 2 if 20 < age <= 28 and rng.random() < 0.5 else 1
        self.extend(c, cast, level)
        if age > 20 and rng.random() < 0.1:
            self.pause(c, h)
        if target == S.INVESTIGATING:
            return c
        t = self.template_of[c.pk]
        outcome = rng.choices(
            ["supported", "partly", "not_supported"], weights=LEANING[t.leaning]
        )[0]
        c = svc.complaint_propose_decision(
            complaint=c,
            actor=h,
            outcome=outcome,
            decision_text=self.decision_text(t, outcome),
            cause=self.code("cause", t.cause),
            redress_amount=self.redress(c, outcome),
        )
        if target == S.AWAITING_APPROVAL:
            return c
        if rng.random() < 0.12:  # sent back once before approval
            c = svc.complaint_return_for_rework(
                complaint=c, actor=cast.approver, note="请补充核查依据及条款引用"
            )
            c = svc.complaint_propose_decision(
                complaint=c,
                actor=h,
                outcome=outcome,
                decision_text=self.decision_text(t, outcome) + "（已补充条款依据）",
                cause=c.cause,
                redress_amount=c.redress_amount,
            )
        if target == S.DECIDED:
            return svc.complaint_approve(complaint=c, actor=cast.approver)
        notified = self.decision_day(c, level, age)
        # Decided on the morning of the day it is notified: a notice is never
        # dated before its decision (dates are evidence).
        with self.clock(notified, time(9, 0)):
            c = svc.complaint_approve(complaint=c, actor=cast.approver)
        c = svc.complaint_notify_decision(
            complaint=c,
            actor=h,
            method=rng.choice(["phone", "sms", "email", "letter", "in_person"]),
            occurred_at=timezone.make_aware(datetime.combine(notified, time(15, 30))),
            summary="告知处理决定、理由及核查、调解、仲裁、诉讼等救济途径",
        )
        if target == S.NOTIFIED:
            return c
        if review:
            c = self.review(c, cast, notified)
            if target == S.UNDER_REVIEW:
                return c
            reviewed = (c.review_applied_on or notified) + DAY
            with self.clock(reviewed, time(9, 0)):
                c = self._complete_review(c, cast)
            if target == S.REVIEWED:
                return c
            if target == S.CLOSED and rng.random() < 0.7:
                sent = (c.review_applied_on or notified) + rng.randint(10, 28) * DAY
                return svc.complaint_notify_review(
                    complaint=c,
                    actor=cast.reviewer,
                    method="letter",
                    occurred_at=min(
                        self.now,
                        timezone.make_aware(datetime.combine(sent, time(10, 0))),
                    ),
                    summary="邮寄核查决定书",
                )
        elif target == S.CLOSED and rng.random() < 0.8:
            lapsed = (self.today - notified).days > 30
            note = "核查申请期限届满，结案" if lapsed else "投诉人来电表示接受处理结果"
            return svc.complaint_close(complaint=c, actor=h, note=note)
        return self.mediate(c, cast, target, notified)

    def _complete_review(self, c: Complaint, cast: Cast) -> Complaint:
        rng = self.rng
        return svc.complaint_complete_review(
            complaint=c,
            actor=cast.reviewer,
            result=rng.choice(["upheld", "upheld", "varied", "overturned"]),
            text="经核查，原处理程序及时限符合规定，处理结果"
            + rng.choice(["并无不当，予以维持。", "部分调整，补足差额。"]),
        )

    def clock(self, day: date, at: time) -> Any:
        """Take the steps inside on `day` at `at` (never later than now): the
        demo's cases are walked on their own dates, so a notice it dates in
        the past follows the decision it notifies."""
        moment = min(self.now, timezone.make_aware(datetime.combine(day, at)))
        return mock.patch.object(timezone, "now", return_value=moment)

    def mediate(
        self, c: Complaint, cast: Cast, target: str, notified: date
    ) -> Complaint:
        rng, h = self.rng, cast.handler
        referred = min(self.today, notified + rng.randint(3, 20) * DAY)
        c = svc.complaint_refer_to_mediation(
            complaint=c,
            actor=h,
            body=MEDIATORS.get(c.institution.region, MEDIATORS["广州"]),
            referred_on=referred,
            note="投诉人申请调解，我司同意参加",
        )
        if target == S.IN_MEDIATION:
            return c
        mediation = rng.choices(["agreed", "failed", "declined"], weights=[6, 3, 1])[0]
        done = svc.complaint_record_mediation_outcome(
            complaint=c,
            actor=h,
            outcome=mediation,
            note={
                "agreed": "双方在调解员主持下达成调解协议",
                "failed": "调解不成，告知投诉人可申请仲裁或提起诉讼",
                "declined": "该纠纷已由法院立案受理，经合规审批不参加调解",
            }[mediation],
            redress_amount=self.redress(c, "partly") if mediation == "agreed" else None,
        )
        if isinstance(done, ApprovalRequest):  # refusing mediation needs approval
            return self.approve(done, cast.compliance, "理由正当，同意不参加调解")
        return done

    def approve(self, req: ApprovalRequest, approver: Any, note: str) -> Complaint:
        svc.approval_decide(request=req, actor=approver, approve=True, note=note)
        return Complaint.objects.get(pk=req.complaint_id)

    def aftercare(self, c: Complaint, cast: Cast) -> None:
        """Most redress is paid and most closed cases called back, so the
        dashboards' redress and satisfaction figures have records to count.
        A generator of its own, keyed on the number: the complaints themselves
        come out as before."""
        rng = random.Random(c.number)
        if c.status in REDRESS_PAYABLE and c.redress_amount and rng.random() < 0.8:
            method = rng.choice(["bank_transfer", "bank_transfer", "original_route"])
            c = svc.complaint_record_redress(
                complaint=c,
                actor=cast.handler,
                amount=c.redress_amount,
                paid_on=self.today,
                method=method,
                reference=f"ZZ{self.today:%Y%m%d}{rng.randint(0, 9999):04d}",
            )
        if c.status == S.CLOSED and rng.random() < 0.75:
            satisfaction = rng.choice([5, 5, 4, 4, 4, 3, 2, 1, 0])
            svc.complaint_record_callback(
                complaint=c,
                actor=cast.handler,
                satisfaction=satisfaction,
                occurred_at=timezone.now(),
                note=CALLBACK_WORDS[satisfaction],
            )

    def route(self, c: Complaint, cast: Cast) -> Complaint:
        rng = self.rng
        kind = rng.choices(
            ["reclassified", "forwarded", "proceeding", "merged", "already_decided"],
            weights=[4, 3, 2, 2, 1],
        )[0]
        extra: dict[str, Any] = {}
        branch = c.institution.code
        target = next(
            (o for o in reversed(self.open_cases.get(branch, [])) if o.pk != c.pk),
            None,
        )
        if kind == "merged":
            if target is None:
                kind = "forwarded"
            else:
                target.refresh_from_db()
                extra["merged_into"] = target
        notes = {
            "reclassified": "经沟通，来电人仅咨询保单现金价值及领取方式，不属于投诉",
            "forwarded": "所涉保单由他司承保，已转交该公司处理并告知投诉人",
            "proceeding": "投诉人已就同一事项向人民法院起诉，关联诉讼案件",
            "merged": "与正在处理的投诉为同一事项，无新的事实和理由",
            "already_decided": "同一事项已作出处理决定并告知，未提出新的事实和理由",
        }
        if kind == "reclassified":
            extra["item_type"] = rng.choice(["enquiry", "enquiry", "suggestion"])
        if kind == "forwarded":
            extra["forwarded_to"] = "华信财产保险股份有限公司广东分公司"
        if kind == "proceeding":
            number = rng.randint(1000, 9999)
            extra.update(
                forum="court",
                forum_name="广州市天河区人民法院",
                case_number=f"（{c.received_on:%Y}）粤0106民初{number}号",
                proceeding_on=c.received_on - rng.randint(3, 30) * DAY,
            )
        reason = {"reclassified": "not_a_complaint"}.get(kind, kind)
        done = svc.complaint_route(
            complaint=c,
            actor=cast.handler,
            kind=kind,
            reason=self.code("route_reason", reason),
            note=notes[kind],
            **extra,
        )
        if isinstance(done, ApprovalRequest):  # answering by an earlier decision
            return self.approve(done, cast.second(cast.handler), "同意按原处理决定答复")
        return done

    def extend(self, c: Complaint, cast: Cast, level: int) -> None:
        """Requested by the handler, approved by an eligible approver (a manager
        for the first, head office's senior manager for the second)."""
        reason = self.rng.choice(EXTENSION_REASONS)
        for step in range(1, level + 1):
            req = svc.complaint_extend(
                complaint=c,
                actor=cast.handler,
                level=step,
                reason=reason if step == 1 else "案情特别复杂，需进一步调查取证",
            )
            approver = cast.second(cast.handler) if step == 1 else cast.senior
            self.approve(req, approver, "同意延长")

    def pause(self, c: Complaint, h: Any) -> None:
        start = c.received_on + self.rng.randint(3, 8) * DAY
        svc.complaint_pause(
            complaint=c,
            actor=h,
            started_on=start,
            body="第三方司法鉴定机构",
            reason="需对损失金额进行鉴定",
        )
        end = min(self.today, start + self.rng.randint(5, 15) * DAY)
        svc.complaint_resume(complaint=c, actor=h, ended_on=end)

    def review(self, c: Complaint, cast: Cast, notified: date) -> Complaint:
        rng = self.rng
        late = rng.random() < 0.1
        applied = notified + (rng.randint(32, 40) if late else rng.randint(3, 25)) * DAY
        applied = min(self.today, applied)
        return svc.complaint_request_review(
            complaint=c,
            actor=cast.handler,
            applied_on=applied,
            note="投诉人对处理结果不服，书面申请上级机构核查",
            late_reason=LATE_REASON if late else "",
        )

    def decision_day(self, c: Complaint, level: int, age: int) -> date:
        limit = {0: (5, 14), 1: (15, 28), 2: (31, 55)}[level]
        day = c.received_on + self.rng.randint(*limit) * DAY
        return min(day, self.today, c.received_on + max(age - 1, 0) * DAY)

    def decision_text(self, t: Template, outcome: str) -> str:
        result = {
            "supported": "您的请求予以支持，我司将于10个工作日内办理",
            "partly": "您的请求部分予以支持，其余请求因不符合合同约定不予支持",
            "not_supported": "您的请求因不符合合同约定及相关规定，不予支持",
        }[outcome]
        return (
            f"经调查核实，{t.finding}。{result}。"
            "如您对处理结果有异议，可自收到本决定之日起30日内向上级机构申请核查，"
            "也可申请保险纠纷调解组织调解、依合同约定申请仲裁或向人民法院提起诉讼。"
        )

    def redress(self, c: Complaint, outcome: str) -> Decimal | None:
        if outcome == "not_supported" or not c.amount_in_dispute:
            return None
        share = 1 if outcome == "supported" else self.rng.choice([0.3, 0.5, 0.7])
        return (c.amount_in_dispute * Decimal(str(share))).quantize(Decimal("1.00"))
