"""Signals planted in the benchmark data for the insight features (issue 18
point 7), added to an already generated database by `plant_insight_signals`.

Every planted complaint is a new one, made by the generator itself
(rows.Generator: case file, history, audit seal) with a few choices forced:
where it lands, which text (so product line × cause), its final state, when
it was decided, and the fields that make the signal. Their policy numbers
start with PREFIX and a letter per signal, so the truth is read back from
the database at measurement and a second run plants nothing.

- S  surge: one province × product line × cause decided far above its
     history in the last complete week (insight.surge);
- E/N two rectifications covering one series each, one whose rate falls after
     its completion day (E: effective), one where it rises (N: not effective),
     in the windows the settings use (insight.effectiveness);
- R  a ring of RING_SIZE complaints over four provinces: one agent, by name
     (half of them in pinyin) and in part by phone, address and wording
     (insight.rings);
- H/F escalated history: complaints with threatening wording, each either
     flagged (media, group) or followed by the same person's complaint through
     the regulator (F) within the horizon (insight.escalation);
- O  open complaints with that wording: the ones the escalation score
     should put first;
- B  one province that supports nearly every case of one product line × cause
     (insight.outliers).

Planted complaints avoid the ids of the miscoded plant (plant_coding), so
that truth stays as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints.models import (
    Attachment,
    Complaint,
    Correspondence,
    Extension,
)
from insight import effectiveness
from insight.escalation import ESCALATION_HORIZON_DAYS
from insight.exposure import week_of
from insight.surge import history_weeks
from organisations.models import Institution
from reporting import rollup
from reporting import services as reporting
from reporting.models import Rectification
from sampledata.benchgen import plant_coding
from sampledata.benchgen.rows import TZ, Generated, Generator, S, local_day
from sampledata.benchgen.tree import PROVINCES, Staff, staff
from sampledata.benchgen.writer import Writer, next_id, take_numbers

PREFIX = "PSIG"
SEED = 18_07
RING_SIZE = 12
PLANTER = "bench_planter"  # a global account: the rectifications' actor
TITLE = "【基准埋点】"  # starts the planted rectifications' titles
# Each series signal has a province of its own (the first four of the tree,
# tree.PROVINCES), so none disturbs another; the ring spans all four.
SURGE, EFFECTIVE, INEFFECTIVE, OUTLIER = range(4)
# Days back from today that the rectifications were completed: both windows
# (INSIGHT_RECTIFICATION_WINDOW_DAYS) lie before the surge's history.
COMPLETED_DAYS_AGO = 200
RISKY = (
    "投诉人称如本周内不解决，将向媒体曝光并拨打12378向监管部门反映，"
    "已委托律师准备起诉，并联系其他受损客户一起维权。"
)
RING_TEXT = (
    "本人于{year}年经业务员推销购买该保险产品，业务员承诺保本高收益、随时可退，"
    "实际为长期分红险，销售时未告知犹豫期及退保损失，存在欺诈销售行为。"
    "现要求全额退还已交保费{amount}元并赔偿利息损失，否则将向监管部门举报。"
)
RING_AGENT = ("张伟", "Zhang Wei")
RING_PHONE = "13812345678"
RING_ADDRESS = "朝阳区建国路88号维权服务中心"
DECIDED_STATES = (S.CLOSED, S.ARCHIVED)
OPEN_STATES = (S.ACCEPTED, S.INVESTIGATING)


@dataclass
class Plan:
    """How much to plant; the bench's defaults, smaller in tests."""

    escalated: int = 600  # risky decided cases; half come back via the regulator
    risky_open: int = 150
    least: int = 12  # the least planted cases of a series signal


@dataclass
class Truth:
    """What was planted, read back from the database."""

    surge: tuple[int, int, int] | None = None  # province, product line, cause
    surge_week: date | None = None
    rectifications: dict[str, int] = field(default_factory=dict)  # E/N -> pk
    ring: list[int] = field(default_factory=list)
    risky_open: set[int] = field(default_factory=set)
    outlier: tuple[int, int, int] | None = None  # province, product line, cause


def planted_count() -> int:
    return Complaint.objects.filter(policy_number__startswith=PREFIX).count()


def truth() -> Truth:
    out = Truth()
    rows = Complaint.objects.filter(policy_number__startswith=PREFIX).values_list(
        "id",
        "policy_number",
        "product_line_id",
        "cause_id",
        "institution__path",
        "decided_at",
    )
    provinces = {
        i.path: i.pk
        for i in Institution.objects.filter(level=Institution.Level.PROVINCIAL)
    }
    for pk, policy, pl, cause, path, decided_at in rows:
        kind = policy[len(PREFIX)]
        province = provinces["/".join(path.split("/")[:3]) + "/"]
        if kind == "S":  # the week it was planted in, whenever measured
            out.surge = (province, pl, cause)
            out.surge_week = week_of(timezone.localtime(decided_at).date())[0]
        elif kind == "R":
            out.ring.append(pk)
        elif kind == "O":
            out.risky_open.add(pk)
        elif kind == "B":
            out.outlier = (province, pl, cause)
    out.ring.sort()
    for item in Rectification.objects.filter(title__startswith=TITLE):
        out.rectifications[item.title.removeprefix(TITLE)[:1]] = item.pk
    return out


def last_week(today: date) -> date:
    return week_of(today - timedelta(days=7))[0]


class _Forced(Generator):
    """The generator, with the final state chosen by the planter."""

    final: str = S.CLOSED

    def _final_state(self, age: int) -> str:
        return self.final


@dataclass
class Spec:
    kind: str
    institution: Institution
    pair: tuple[int, int] | None = None  # product line, cause of the text
    final: str = S.CLOSED
    decided_on: date | None = None  # decided that day (else received_on)
    received_on: date | None = None
    channel: str | None = None
    static: dict[str, Any] = field(default_factory=dict)  # every history row
    decision: dict[str, Any] = field(default_factory=dict)  # rows once proposed


class Planter:
    def __init__(self, *, today: date, plan: Plan) -> None:
        self.today, self.plan = today, plan
        self.staff: Staff = staff()
        self.gen = _Forced(self.staff, seed=SEED, today=today)
        self.rng = random.Random(SEED)
        self.writer = Writer()
        self.codes = self.gen.codes
        self.pairs = sorted({(t[0], t[2]) for t in self.gen.texts})
        provinces = {
            i.code: i
            for i in self.staff.institutions
            if i.level == Institution.Level.PROVINCIAL
        }
        # In the tree's order, so a tree of four provinces (tests) has them all.
        self.order = [code for code, _name, _cities in PROVINCES if code in provinces]
        self.province = {n: provinces[code] for n, code in enumerate(self.order)}
        self.next = {
            m: next_id(m) for m in (Complaint, Correspondence, Attachment, Extension)
        }
        self.made: list[Generated] = []
        self.serial = 0

    # --- One complaint --------------------------------------------------------
    def _pk(self) -> int:
        while plant_coding.planted(self.next[Complaint]) is not None:
            self.next[Complaint] += 1
        pk = self.next[Complaint]
        self.next[Complaint] += 1
        return pk

    def _target(self, province: Institution) -> Institution:
        inside = [i for i in self.gen.targets if i.path.startswith(province.path)]
        return self.rng.choice(inside)

    def make(self, spec: Spec) -> Generated:
        gen, pk = self.gen, self._pk()
        saved = (gen.targets, gen.target_cum, gen.texts, gen.channels, gen.channel_cum)
        try:
            gen.targets, gen.target_cum = [spec.institution], [1]
            if spec.pair:
                gen.texts = [t for t in saved[2] if (t[0], t[2]) == spec.pair]
            if spec.channel:
                gen.channels, gen.channel_cum = (
                    [self.codes[("channel", spec.channel)]],
                    [1],
                )
            gen.final = spec.final
            out = self._timed(spec, pk)
        finally:
            gen.targets, gen.target_cum, gen.texts, gen.channels, gen.channel_cum = (
                saved
            )
        self.serial += 1
        static = {
            "policy_number": f"{PREFIX}{spec.kind}{self.serial:07d}",
            **spec.static,
        }
        if out.complaint["regulator_reference"]:
            static["regulator_reference"] = f"JG{PREFIX}{pk}"
        for row in [out.complaint, *out.history]:
            row.update(static)
            if row["outcome"] not in ("", Complaint.Outcome.WITHDRAWN):
                row.update(spec.decision)
        self.made.append(out)
        return out

    def _timed(self, spec: Spec, pk: int) -> Generated:
        """The complaint received (or decided) on the spec's day: generated once
        to learn how long its decision took, then again with the same random
        draws from the receipt that puts the decision on the day."""
        state = self.gen.rng.getstate() if spec.decided_on else None
        day = spec.decided_on or spec.received_on or self.today
        out = self.gen.complaint(pk, "", _at(day, 10))
        if state is not None and out.complaint["decided_at"] is not None:
            took = local_day(out.complaint["decided_at"]) - out.complaint["received_on"]
            self.gen.rng.setstate(state)
            out = self.gen.complaint(pk, "", _at(day - took, 10))
        return out

    # --- The signals ----------------------------------------------------------
    def _decided(
        self, province: int, pair: tuple[int, int], start: date, end: date
    ) -> int:
        return Complaint.objects.filter(
            institution__path__startswith=self.province[province].path,
            product_line_id=pair[0],
            cause_id=pair[1],
            decided_at__date__gte=start,
            decided_at__date__lte=end,
        ).count()

    def _spread(
        self,
        kind: str,
        province: int,
        pair: tuple[int, int],
        n: int,
        start: date,
        end: date,
        **extra: Any,
    ) -> list[Generated]:
        days = (end - start).days + 1
        return [
            self.make(
                Spec(
                    kind,
                    self._target(self.province[province]),
                    pair,
                    final=self.rng.choice(DECIDED_STATES),
                    decided_on=start + timedelta(days=i * days // n),
                    **extra,
                )
            )
            for i in range(n)
        ]

    def surge(self) -> None:
        pair = self.pairs[0]
        week = last_week(self.today)
        weeks = history_weeks()
        base = self._decided(
            SURGE, pair, week - timedelta(weeks=weeks), week - timedelta(days=1)
        )
        n = max(self.plan.least, 4 * base // weeks + 10)
        for i in range(n):
            self.make(
                Spec(
                    "S",
                    self._target(self.province[SURGE]),
                    pair,
                    final=S.CLOSED,
                    decided_on=week + timedelta(days=i % 5),
                )
            )

    def rectifications(self) -> None:
        done = self.today - timedelta(days=COMPLETED_DAYS_AGO)
        days = effectiveness.window_days()
        before = (done - timedelta(days=days), done - timedelta(days=1))
        after = (done, done + timedelta(days=days - 1))
        actor = _planter()
        for kind, province, pair in (
            ("E", EFFECTIVE, self.pairs[1]),
            ("N", INEFFECTIVE, self.pairs[2]),
        ):
            base = max(self._decided(province, pair, *before), self.plan.least)
            if kind == "E":  # three times the rate before, the usual rate after
                made = self._spread(kind, province, pair, 2 * base, *before)
            else:  # a third more after than before
                made = self._spread(kind, province, pair, base // 2, *before)
                made += self._spread(kind, province, pair, base, *after)
            self.flush()
            reporting.rectification_create(
                actor=actor,
                owner_institution=self.province[province],
                title=f"{TITLE}{kind} {'有效' if kind == 'E' else '无效'}整改",
                measure="统一核赔口径，加强销售回访。",
                due_on=done,
                complaints=Complaint.objects.filter(
                    pk__in=[m.complaint["id"] for m in made[:5]]
                ),
            )

    def ring(self) -> None:
        for i in range(RING_SIZE):
            province = self.province[i % 4]
            text = RING_TEXT.format(year=2018 + i % 5, amount=10_000 + 1_000 * i)
            self.make(
                Spec(
                    "R",
                    self._target(province),
                    final=self.rng.choice(OPEN_STATES),
                    received_on=self.today - timedelta(days=3 + 7 * i),
                    static={
                        "representation": Complaint.Representation.AGENT,
                        "agent_name": RING_AGENT[i % 2],
                        "agent_phone": RING_PHONE if i % 3 == 0 else "",
                        "address": RING_ADDRESS if i % 2 == 0 else "",
                        "request": text[:60],
                        "facts": text,
                    },
                )
            )

    def escalation(self) -> None:
        provinces = sorted(self.province)  # every province
        horizon = ESCALATION_HORIZON_DAYS
        for i in range(self.plan.escalated):
            inst = self._target(self.province[provinces[i % len(provinces)]])
            # Within the 200 days before the horizon: among the most recent
            # decided cases a limited training takes (train_escalation_model
            # --limit), and before the surge's history.
            first = self.today - timedelta(days=horizon + 20 + self.rng.randint(0, 180))
            flags = {}
            if i % 4 == 1:
                flags = {"media_risk": True}
            elif i % 4 == 3:
                flags = {"is_group": True}
            made = self.make(
                Spec(
                    "H", inst, final=self.rng.choice(DECIDED_STATES), received_on=first
                )
            )
            row = made.complaint
            risky = {"facts": f"{row['facts']}{RISKY}"}
            for r in [row, *made.history]:
                r.update(risky)
            flag_rows = [row] + [h for h in made.history if h["history_type"] == "~"][
                -1:
            ]
            for r in flag_rows:
                r.update(flags)
            if i % 2 == 0:  # the same person again, through the regulator
                self.make(
                    Spec(
                        "F",
                        inst,
                        final=self.rng.choice(DECIDED_STATES),
                        received_on=first
                        + timedelta(days=30 + self.rng.randint(0, 120)),
                        channel="regulator",
                        static={
                            k: row[k]
                            for k in (
                                "complainant_name",
                                "id_number",
                                "phone",
                                "address",
                            )
                        },
                    )
                )
        for i in range(self.plan.risky_open):
            made = self.make(
                Spec(
                    "O",
                    self._target(self.province[provinces[i % len(provinces)]]),
                    final=self.rng.choice(OPEN_STATES),
                    received_on=self.today - timedelta(days=1 + i % 10),
                )
            )
            risky = {"facts": f"{made.complaint['facts']}{RISKY}"}
            for r in [made.complaint, *made.history]:
                r.update(risky)

    def outlier(self) -> None:
        pair = self.pairs[3]
        start = self.today - timedelta(days=360)
        base = self._decided(OUTLIER, pair, start, self.today)
        self._spread(
            "B",
            OUTLIER,
            pair,
            max(3 * self.plan.least, base),
            start,
            self.today - timedelta(days=1),
            decision={"outcome": Complaint.Outcome.SUPPORTED},
        )

    # --- Writing ------------------------------------------------------------------
    def flush(self) -> None:
        """Number, id and write what was made (one transaction, sealed)."""
        if not self.made:
            return
        self.made.sort(key=lambda g: g.complaint["received_at"])
        numbers = take_numbers([g.complaint["received_at"] for g in self.made])
        batch: dict[Any, list[dict[str, Any]]] = {}
        histories = {
            m: m.history.model
            for m in (Complaint, Correspondence, Attachment, Extension)
        }  # type: ignore[attr-defined]
        rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in histories}
        history: dict[Any, list[dict[str, Any]]] = {m: [] for m in histories}
        for made, number in zip(self.made, numbers, strict=True):
            for r in [made.complaint, *made.history]:
                r["number"] = number
                if r.get("regulator_reference"):
                    r["regulator_reference"] = f"JG{PREFIX}{made.complaint['id']}"
            rows[Complaint].append(made.complaint)
            history[Complaint].extend(made.history)
            for model, items, actor, at in (
                (Correspondence, made.correspondence, "recorded_by_id", "created_at"),
                (Attachment, made.attachments, "uploaded_by_id", "uploaded_at"),
                (Extension, made.extensions, "requested_by_id", "created_at"),
            ):
                for item in items:
                    item["id"] = self.next[model]
                    self.next[model] += 1
                    if model is Attachment:
                        item["file"] = f"attachments/bench/{number}.pdf"
                rows[model].extend(items)
                history[model].extend(
                    {**item, "history_date": item[at], "history_user_id": item[actor]}
                    for item in items
                )
        batch = {m: rows[m] for m in histories}
        with transaction.atomic():
            self.writer.write(
                batch,
                {
                    histories[m]: self.writer.history_rows(m, history[m])
                    for m in histories
                },
            )
            # The rows went in past the signals that keep the KPI rollup: add
            # their figures (a rebuild would take minutes at a million).
            rollup.put_in([made.complaint["id"] for made in self.made])
        self.made = []


def plant(*, today: date, plan: Plan | None = None) -> int:
    """Plant every signal unless planted already; the complaints added."""
    if planted_count():
        return 0
    planter = Planter(today=today, plan=plan or Plan())
    planter.surge()
    planter.flush()
    planter.outlier()
    planter.ring()
    planter.escalation()
    planter.flush()
    planter.rectifications()  # flushes before each rectification covers its cases
    planter.writer.finish()
    return planted_count()


def _planter() -> Any:
    user, _created = get_user_model().objects.get_or_create(
        username=PLANTER,
        defaults={
            "last_name": "基准",
            "first_name": "埋点",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    return user


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ)
