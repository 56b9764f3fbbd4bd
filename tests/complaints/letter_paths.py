"""Complaints walked through the services down every path that sends a letter,
and a proofreader for the letters' Chinese (tests/complaints/test_letters.py).

The complaint lives at 天河支公司 (GDGZTH), whose upper level for review (核查)
is 广州中心支公司 (GDGZ); a head-office complaint has no upper level.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import time_machine
from django.utils.html import strip_tags

from complaints import services as svc
from complaints.models import ApprovalRequest, Complaint, Letter
from tests.approval_steps import CHECKED, approve
from tests.complaints.conftest import SHANGHAI, code
from tests.complaints.test_services_transitions import TARGETS

S = Complaint.Status
K = Letter.Kind
RECEIVED = datetime(2026, 3, 6, 10, 30, tzinfo=SHANGHAI)


def at(day: str, hour: int = 10) -> Any:
    """Travel to a working day of 2026 (the letters are dated by it)."""
    return time_machine.travel(
        datetime.fromisoformat(f"2026-{day}T{hour:02d}:00:00+08:00"), tick=False
    )


class Walk:
    """One complaint taken step by step, each step on its own day."""

    def __init__(self, people: dict[str, Any], complaint: Complaint) -> None:
        self.p = people
        self.c = complaint

    def step(self, day: str, call: Callable[[Complaint], Any]) -> Walk:
        with at(day):
            result = call(self.c)
        self.c = Complaint.objects.get(pk=self.c.pk)
        if isinstance(result, Complaint):
            self.c = result
        return self

    # --- The steps ------------------------------------------------------------
    def accept(self, day: str = "03-09") -> Walk:
        h = self.p["handler"]
        return self.step(day, lambda c: svc.complaint_accept(complaint=c, actor=h))

    def assign(self, day: str = "03-09") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: svc.complaint_assign(
                complaint=c, actor=h, handler=h, declares_no_conflict=True
            ),
        )

    def extend(self, level: int, reason: str, day: str) -> Walk:
        """Requested by the handler, approved by the manager the same day."""
        h, m = self.p["handler"], self.p["manager"]
        return self.step(
            day,
            lambda c: approve(
                svc.complaint_extend(complaint=c, actor=h, level=level, reason=reason),
                m,
            ),
        )

    def pause(self, day: str = "03-11") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: svc.complaint_pause(
                complaint=c,
                actor=h,
                started_on=date.fromisoformat(f"2026-{day}"),
                body="广州市机动车鉴定中心。",
                reason="需对车损进行第三方鉴定。",
            ),
        )

    def resume(self, day: str = "03-16") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: svc.complaint_resume(
                complaint=c, actor=h, ended_on=date.fromisoformat(f"2026-{day}")
            ),
        )

    def decide(self, outcome: str, redress: Decimal | None, day: str = "03-17") -> Walk:
        h, m = self.p["handler"], self.p["manager"]
        self.step(
            day,
            lambda c: svc.complaint_propose_decision(
                complaint=c,
                actor=h,
                outcome=outcome,
                decision_text="经调取定损单和维修发票核实，定损金额计算有误，应按实际维修费用赔付。",
                cause=code("cause", "claim_amount"),
                redress_amount=redress,
            ),
        )
        return self.step(day, lambda c: svc.complaint_approve(complaint=c, actor=m))

    def notify(self, day: str = "03-18") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: svc.complaint_notify_decision(
                complaint=c,
                actor=h,
                method="phone",
                occurred_at=datetime.fromisoformat(f"2026-{day}T09:00:00+08:00"),
                summary="电话告知处理结果及异议途径",
            ),
        )

    def request_review(self, day: str = "03-25") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: svc.complaint_request_review(
                complaint=c,
                actor=h,
                applied_on=date.fromisoformat(f"2026-{day}"),
                note="投诉人书面申请核查",
            ),
        )

    def review(self, result: str, day: str = "04-08") -> Walk:
        r = self.p["reviewer"]
        self.step(
            day,
            lambda c: svc.complaint_complete_review(
                complaint=c,
                actor=r,
                result=result,
                text="经核查，原处理决定认定事实清楚",
            ),
        )
        return self.step(
            day,
            lambda c: svc.complaint_notify_review(
                complaint=c,
                actor=r,
                method="letter",
                occurred_at=datetime.fromisoformat(f"2026-{day}T09:30:00+08:00"),
                summary="邮寄核查决定书",
            ),
        )

    def mediate(self, day: str = "04-13") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: svc.complaint_refer_to_mediation(
                complaint=c,
                actor=h,
                body="广东保险纠纷调解中心",
                referred_on=date.fromisoformat(f"2026-{day}"),
            ),
        )

    def decline(self, day: str = "03-09") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: approve(
                svc.complaint_decline(
                    complaint=c,
                    actor=h,
                    standing_ground="not_the_consumer",
                    checked=CHECKED,
                    note="系投诉人邻居代为投诉，无授权委托书。",
                ),
                self.p["manager"],
            ),
        )

    def route(self, kind: str, day: str = "03-09", **extra: Any) -> Walk:
        h = self.p["handler"]
        reason = {"reclassified": "not_a_complaint"}.get(kind, kind)

        def call(c: Complaint) -> Any:
            done = svc.complaint_route(
                complaint=c,
                actor=h,
                kind=kind,
                reason=code("route_reason", reason),
                note="经核实后处理",
                **{**TARGETS.get(kind, {}), **extra},
            )
            if isinstance(done, ApprovalRequest):  # by an earlier decision
                return approve(done, self.p["manager"])
            return done

        return self.step(day, call)

    def withdraw(self, day: str = "03-12") -> Walk:
        h = self.p["handler"]
        return self.step(
            day,
            lambda c: svc.complaint_withdraw(
                complaint=c,
                actor=h,
                received_on=date.fromisoformat(f"2026-{day}"),
                note="投诉人来电撤回",
            ),
        )

    def letter(self, kind: str) -> Letter:
        return Letter.objects.filter(complaint=self.c, kind=kind).latest("sequence")


# --- Proofreading ------------------------------------------------------------------
NUMBER = re.compile(r"TS\d{4}-\d{6}")
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
# Two marks in a row never happen in Chinese prose ("申请再延长。，经批准").
DOUBLED = re.compile(r"[，。；：、,.;:][，。；：、,.;:]")
# A placeholder left empty leaves one of these behind.
EMPTY = [
    re.compile(p)
    for p in (
        r"（\s*）",
        r"：\s*[。；，]",
        r"(?<!理)[因于至在由向将经][，。；]",
        r"在前",
        r"由延长",
        r"向申请",
        r"至进行",
        r"由进行",
        r"月日",
        r"None|undefined|\{\{|\}\}|\{%|%\}",
    )
]


def letter_text(content: str) -> str:
    return html.unescape(strip_tags(content))


def proofread(content: str) -> list[str]:
    """What a Chinese reader would stumble over in the letter."""
    text = letter_text(content)
    problems = []
    if m := DOUBLED.search(text):
        problems.append(f"doubled punctuation {m.group()!r}")
    for pattern in EMPTY:
        if m := pattern.search(text):
            problems.append(
                f"empty placeholder near {text[max(m.start() - 8, 0) : m.end() + 8]!r}"
            )
    latin = NUMBER.sub("", text)
    if m := re.search(r"[A-Za-z]+", latin):
        problems.append(f"English in the letter: {m.group()!r}")
    if m := re.search(r"\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}", latin):
        problems.append(f"date not written as YYYY年M月D日: {m.group()!r}")
    for y, mo, d in CN_DATE.findall(text):
        if mo.startswith("0") or d.startswith("0"):
            problems.append(f"date with a leading zero: {y}年{mo}月{d}日")
        date(int(y), int(mo), int(d))  # a real day
    if not CN_DATE.search(text):
        problems.append("the letter carries no date")
    return problems
