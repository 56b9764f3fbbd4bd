"""After the run: does the database agree with what every client saw?

- every registration a client saw succeed exists exactly once, under the
  number it was shown; one whose answer was lost exists at most once;
- every API registration's Idempotency-Key holds exactly one submission;
- no complaint appeared that no client asked for, and no number twice;
- each complaint's history walks the lifecycle with every transition
  exactly once, in order, by the user who saw it succeed, four-eyes kept;
- the complainant's notices were queued once per transition that owes one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from complaints.models import Complaint, Notification
from intake.models import IntakeSubmission
from tests.bench.load.users import STEPS, TARGET, Ledger

PATH = ["registered", *[target for _action, target in STEPS]]
ACTION_OF = {target: action for action, target in STEPS}
# The notice each transition owes the complainant, once per contact given.
NOTICES = {"accepted": "acceptance", "notified": "decision"}
SUCCEEDED = {"ok", "recovered", "seeded"}
# Outcomes whose user is known to have made the transition.
BY_USER = {"ok", "seeded"}
SHOWN = 5  # problems listed per invariant


@dataclass
class Invariant:
    name: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "checked": self.checked,
            "holds": not self.problems,
            "problems": len(self.problems),
            "examples": self.problems[:SHOWN],
        }


def check_all(ledger: Ledger, *, first_new_pk: int, api_client_pk: int) -> list[Any]:
    registrations = _registrations(ledger, api_client_pk)
    numbers = {r["number"] for r in ledger.registrations if r.get("number")}
    numbers |= set(ledger.transitions)
    return [
        registrations,
        _nothing_unexpected(ledger, first_new_pk),
        _numbers_unique(),
        _histories(ledger, numbers),
        _notices(numbers),
    ]


def _registrations(ledger: Ledger, api_client_pk: int) -> Invariant:
    inv = Invariant("each registration a client saw succeed exists exactly once")
    for row in ledger.registrations:
        inv.checked += 1
        found = list(Complaint.objects.filter(phone=row["phone"]))
        if row["outcome"] in SUCCEEDED:
            if len(found) != 1 or found[0].number != row["number"]:
                got = [c.number for c in found]
                inv.fail(f"{row['via']} {row['phone']}: saw {row['number']}, db {got}")
        elif len(found) > 1:
            inv.fail(f"{row['via']} {row['phone']} (no answer): {len(found)} in db")
        if row["via"] == "api" and row["outcome"] in SUCCEEDED:
            subs = IntakeSubmission.objects.filter(
                client_id=api_client_pk, idempotency_key=row["key"]
            ).select_related("complaint")
            numbers = [s.complaint.number if s.complaint else None for s in subs]
            if numbers != [row["number"]]:
                inv.fail(f"key {row['key']}: submissions {numbers}")
    return inv


def _nothing_unexpected(ledger: Ledger, first_new_pk: int) -> Invariant:
    inv = Invariant("no complaint that no client registered")
    phones = {row["phone"] for row in ledger.registrations}
    new = Complaint.objects.filter(pk__gte=first_new_pk)
    for number, phone in new.values_list("number", "phone"):
        inv.checked += 1
        if phone not in phones:
            inv.fail(f"{number} (phone {phone}) registered by nobody")
    return inv


def _numbers_unique() -> Invariant:
    inv = Invariant("no complaint number twice")
    inv.checked = Complaint.objects.count()
    twice = Complaint.objects.values("number").annotate(n=Count("id")).filter(n__gt=1)
    for row in twice:
        inv.fail(f"{row['number']} x{row['n']}")
    return inv


def _histories(ledger: Ledger, numbers: set[str]) -> Invariant:
    inv = Invariant("every transition in the history exactly once, in order")
    complaints = Complaint.objects.filter(number__in=numbers)
    for complaint in complaints:
        inv.checked += 1
        rows = list(
            complaint.history.order_by("history_date", "history_id").values_list(
                "status", "history_type", "history_user__username"
            )
        )
        statuses = [status for status, _type, _user in rows]
        by_status = {status: user for status, _type, user in rows}
        label = complaint.number
        if [t for _s, t, _u in rows].count("+") != 1 or statuses[:1] != ["registered"]:
            inv.fail(f"{label}: registration rows {rows[:2]}")
        if statuses != PATH[: len(statuses)]:
            inv.fail(f"{label}: history {statuses}")
        if statuses and statuses[-1] != complaint.status:
            inv.fail(f"{label}: status {complaint.status}, history ends {statuses[-1]}")
        drafted, approved = by_status.get("awaiting_approval"), by_status.get("decided")
        if approved is not None and approved == drafted:
            inv.fail(f"{label}: drafted and approved by {approved}")
        seen = ledger.transitions.get(label, [])
        oks = Counter(action for action, outcome, _u in seen if outcome == "ok")
        for action, n in oks.items():
            if n > 1:
                inv.fail(f"{label}: {n} clients saw {action} succeed")
        for action, outcome, user in seen:
            target = TARGET[action]
            if outcome in SUCCEEDED and target not in statuses:
                inv.fail(f"{label}: {action} seen done, not in history")
            if outcome in BY_USER and by_status.get(target) != user:
                inv.fail(
                    f"{label}: {action} by {user}, history {by_status.get(target)}"
                )
        tried = {action for action, _o, _u in seen}
        for status in statuses[1:]:
            if ACTION_OF[status] not in tried:
                inv.fail(f"{label}: {status} in history, no client tried it")
    return inv


def _notices(numbers: set[str]) -> Invariant:
    inv = Invariant("each notice owed to the complainant queued exactly once")
    complaints = Complaint.objects.filter(number__in=numbers)
    for complaint in complaints:
        reached = set(complaint.history.values_list("status", flat=True))
        queued = Counter(
            Notification.objects.filter(complaint=complaint).values_list(
                "kind", flat=True
            )
        )
        contacts = bool(complaint.email) + bool(complaint.phone) or 1  # or a letter
        for status, kind in NOTICES.items():
            inv.checked += 1
            want = contacts if status in reached else 0
            if queued.get(kind, 0) != want:
                inv.fail(f"{complaint.number}: {kind} x{queued.get(kind, 0)}")
    return inv
