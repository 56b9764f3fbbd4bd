"""The simulated people: handlers working complaints in the admin, and one
channel registering through the intake API.

A handler keeps a few cases on the desk (the seeding gives each three, in
different states, so every transition occurs from the first minute). Each
turn it advances one case by one step (accept, take, draft, have the branch
manager approve: four-eyes, another account, record the notice, close), or
registers a new complaint at the desk, or takes one the channel sent, or
looks at the complaint list.

When a request gets no clean answer the handler does what a person would:
waits, reloads, and only repeats what did not happen (the page shows the
status; registration shows possible duplicates by phone).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.bench.load.client import (
    OK,
    REFUSED,
    RETRYABLE,
    Client,
    Recorder,
)
from tests.bench.load.forms import change_links, page_number, page_status, parse_form

ADMIN = "/admin/complaints/complaint/"
API = "/api/v1/complaints/"
# The happy path; each transition's target status, in order.
STEPS = [
    ("accept", "accepted"),
    ("assign", "investigating"),
    ("propose_decision", "awaiting_approval"),
    ("approve", "decided"),
    ("notify", "notified"),
    ("close", "closed"),
]
TARGET = dict(STEPS)
SOURCE = {"accept": "registered"} | {
    action: STEPS[i - 1][1] for i, (action, _) in enumerate(STEPS) if i
}
NEXT = {source: action for action, source in SOURCE.items()}
# Cases a handler keeps open on the desk before registering another.
DESK_SIZE = 3
# A person gives up on a step after this long without a clean answer.
GIVE_UP_SECONDS = 90.0


@dataclass
class Account:
    username: str
    pk: int
    institution_pk: int


@dataclass
class Case:
    pk: int
    number: str
    status: str


@dataclass
class Context:
    """What the driver knows before the run (from the seeding step)."""

    base: str
    password: str
    timeout: float
    think: tuple[float, float]
    channel_pks: list[str]  # admin desk channels (option values)
    api_channel_pk: int
    api_token: str
    api_institutions: list[str]  # institution codes the channel may use
    api_institution_pks: set[int]  # handlers here also take channel complaints
    product_lines: list[str]
    categories: list[str]
    api_pace: float  # seconds between the channel's requests (rate limit)


@dataclass
class Ledger:
    """What the clients saw; checked against the database afterwards."""

    registrations: list[dict[str, Any]] = field(default_factory=list)
    # complaint number -> [(action, outcome, username)]; outcome "ok" (the
    # answer was seen), "recovered" (answer lost, the reload showed it done),
    # "failed" (gave up), "refused" (the application said no).
    transitions: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, **row: Any) -> None:
        with self.lock:
            self.registrations.append(row)

    def transition(self, number: str, action: str, outcome: str, user: str) -> None:
        with self.lock:
            self.transitions.setdefault(number, []).append((action, outcome, user))


class Person:
    def __init__(
        self, ctx: Context, recorder: Recorder, ledger: Ledger, stop: threading.Event
    ) -> None:
        self.ctx, self.recorder, self.ledger, self.stop = ctx, recorder, ledger, stop
        self.rnd = random.Random()

    def think(self) -> None:
        low, high = self.ctx.think
        time.sleep(self.rnd.uniform(low, high))

    def backoff(self, attempt: int) -> None:
        time.sleep(min(0.5 * 2**attempt, 5.0) * self.rnd.uniform(0.8, 1.2))


class Handler(Person):
    def __init__(
        self,
        index: int,
        handler: Account,
        approver: Account,
        cases: list[Case],
        ctx: Context,
        recorder: Recorder,
        ledger: Ledger,
        stop: threading.Event,
    ) -> None:
        super().__init__(ctx, recorder, ledger, stop)
        self.index, self.me, self.approver_account = index, handler, approver
        self.cases = list(cases)
        self.desk = Client(ctx.base, recorder, ctx.timeout)
        self.approver = Client(ctx.base, recorder, ctx.timeout)
        self.seq = 0
        self.recent_phone = ""

    # --- Sessions -------------------------------------------------------------
    def login(self) -> bool:
        return all(
            self._login(client, account)
            for client, account in [
                (self.desk, self.me),
                (self.approver, self.approver_account),
            ]
        )

    def _login(self, client: Client, account: Account) -> bool:
        for attempt in range(8):
            outcome, page = client.call("GET", "/admin/login/", "login.form")
            if outcome == OK and page is not None:
                outcome, answer = client.call(
                    "POST",
                    "/admin/login/",
                    "login.post",
                    data={
                        "csrfmiddlewaretoken": client.session.cookies.get(
                            "csrftoken", ""
                        ),
                        "username": account.username,
                        "password": self.ctx.password,
                        "next": "/admin/",
                    },
                )
                if outcome == OK and answer is not None and answer.status_code == 302:
                    return True
            self.backoff(attempt)
        return False

    # --- The working day ----------------------------------------------------------
    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.turn()
            except Exception as exc:  # a driver bug must not retire a handler silently
                self.recorder.driver_error(exc)
                self.backoff(2)

    def turn(self) -> None:
        self.think()
        if self.rnd.random() < 0.25:
            self.browse()
            return
        if not self.cases or (len(self.cases) < DESK_SIZE and self.rnd.random() < 0.5):
            # Handlers of the channel's branches take half their new work from it.
            at_channel = self.me.institution_pk in self.ctx.api_institution_pks
            taken = None
            if at_channel and self.rnd.random() < 0.5:
                taken = self.take_channel_complaint()
            case = taken or self.register()
            if case is not None:
                self.cases.append(case)
            return
        case = self.rnd.choice(self.cases)
        if not self.transition(case, NEXT[case.status]) or case.status == "closed":
            self.cases.remove(case)

    # --- Registration at the desk -------------------------------------------------
    def register(self) -> Case | None:
        self.seq += 1
        phone = f"17{self.index:02d}{self.seq:07d}"  # a valid mobile, unique
        self.recent_phone = phone
        form = None
        deadline = time.monotonic() + GIVE_UP_SECONDS
        attempt = 0
        while form is None and time.monotonic() < deadline:
            outcome, page = self.desk.call("GET", ADMIN + "add/", "register.form")
            if outcome == OK and page is not None:
                form = parse_form(page.text, "complaint_form")
            else:
                self.backoff(attempt)
                attempt += 1
        if form is None:
            self.ledger.register(via="admin", phone=phone, outcome="failed")
            return None
        self.think()
        data = dict(form.fields)
        data.update(
            institution=str(self.me.institution_pk),
            channel=self.rnd.choice(self.ctx.channel_pks),
            complainant_name=f"压测{self.index:02d}号客户{self.seq}",
            phone=phone,
            product_line=self.rnd.choice(self.ctx.product_lines),
            category=self.rnd.choice(self.ctx.categories),
            request="要求按合同约定赔付。",
            facts="出险后提交材料，三周未获答复。",
            _register="1",
        )
        lost = False
        while time.monotonic() < deadline:
            outcome, answer = self.desk.call(
                "POST", ADMIN + "add/", "register.post", data=data
            )
            if outcome in RETRYABLE or answer is None:
                lost = True
                self.backoff(attempt)
                attempt += 1
                continue
            if answer.status_code == 302:
                pk = int(answer.headers["Location"].rstrip("/").split("/")[-2])
                return self._registered(pk, phone, "ok")
            if 'id="possible-duplicates"' in answer.text and lost:
                # The earlier attempt went through; its answer was lost.
                links = change_links(answer.text)
                if links:
                    return self._registered(links[0], phone, "recovered")
            self.ledger.register(via="admin", phone=phone, outcome="refused")
            return None
        self.ledger.register(via="admin", phone=phone, outcome="failed")
        return None

    def _registered(self, pk: int, phone: str, outcome: str) -> Case | None:
        status, number = self.view(pk)
        self.ledger.register(via="admin", phone=phone, outcome=outcome, number=number)
        return Case(pk, number, status or "registered") if number else None

    def view(self, pk: int) -> tuple[str | None, str | None]:
        """The change page: (status, number), after retries."""
        for attempt in range(12):
            outcome, page = self.desk.call(
                "GET", f"{ADMIN}{pk}/change/", "complaint.view"
            )
            if outcome == OK and page is not None:
                return page_status(page.text), page_number(page.text)
            self.backoff(attempt)
        return None, None

    # --- Taking what the channel sent -----------------------------------------------
    def take_channel_complaint(self) -> Case | None:
        query = (
            f"?status__exact=registered&channel__id__exact={self.ctx.api_channel_pk}"
        )
        outcome, page = self.desk.call("GET", ADMIN + query, "list.channel")
        if outcome != OK or page is None:
            return None
        links = change_links(page.text)
        if not links:
            return None
        pk = self.rnd.choice(links[:10])
        status, number = self.view(pk)
        if status != "registered" or not number:
            return None
        return Case(pk, number, status)

    # --- Transitions through the action pages ---------------------------------------
    def transition(self, case: Case, action: str) -> bool:
        """Take `action` on the case; True when done (case.status follows)."""
        pk, number = case.pk, case.number
        client = self.approver if action == "approve" else self.desk
        user = (self.approver_account if action == "approve" else self.me).username
        url = f"{ADMIN}{pk}/act/{action}/"
        deadline = time.monotonic() + GIVE_UP_SECONDS
        attempt, lost = 0, False
        while time.monotonic() < deadline:
            outcome, page = client.call("GET", url, f"{action}.form")
            if outcome != OK or page is None:
                self.backoff(attempt)
                attempt += 1
                continue
            status = page_status(page.text)
            if status == TARGET[action] and lost:
                self.ledger.transition(number, action, "recovered", user)
                case.status = TARGET[action]
                return True
            if status != SOURCE[action]:
                # Someone else moved it first (a channel complaint taken twice).
                self.ledger.transition(number, action, "refused", user)
                return False
            form = parse_form(page.text, "action_form")
            if form is None:
                return False
            self.think()
            outcome, answer = client.call(
                "POST", url, f"{action}.post", data=self.fill(action, form)
            )
            if outcome in RETRYABLE or answer is None:
                lost = True
                self.backoff(attempt)
                attempt += 1
                continue
            if outcome == OK and answer.status_code == 302:
                self.ledger.transition(number, action, "ok", user)
                case.status = TARGET[action]
                client.call("GET", answer.headers["Location"], "complaint.view")
                return True
            self.ledger.transition(number, action, "refused", user)
            return False
        self.ledger.transition(number, action, "failed", user)
        return False

    def fill(self, action: str, form: Any) -> dict[str, str]:
        data = dict(form.fields)
        if action == "assign":
            data["handler"] = str(self.me.pk)
            data["declares_no_conflict"] = "on"
        elif action == "propose_decision":
            data["outcome"] = self.rnd.choice(["supported", "partly", "not_supported"])
            causes = [v for v in form.options.get("cause", []) if v]
            data["cause"] = data.get("cause") or self.rnd.choice(causes)
            data["decision_text"] = "经核实，按保险合同第十二条处理。"
        elif action == "notify":
            data["method"] = "phone"
            data["summary"] = "电话告知处理决定及救济途径。"
        elif action == "close":
            data["note"] = "投诉人表示接受处理决定。"
        return data

    # --- Looking at the list --------------------------------------------------------
    def browse(self) -> None:
        pages = [
            ("", "list.all"),
            ("?status__exact=investigating", "list.filter"),
            ("?mine=open", "list.filter"),
            ("?due=week", "list.filter"),
            ("my-work/", "list.my_work"),
        ]
        if self.recent_phone:
            pages.append((f"?q={self.recent_phone}", "list.search"))
        path, kind = self.rnd.choice(pages)
        self.desk.call("GET", ADMIN + path, kind)


class Channel(Person):
    """The website's back end registering through /api/v1/ within its rate
    limit, each complaint under its own Idempotency-Key, retried with the
    same key until it gets an answer."""

    def __init__(
        self, ctx: Context, recorder: Recorder, ledger: Ledger, stop: threading.Event
    ) -> None:
        super().__init__(ctx, recorder, ledger, stop)
        self.api = Client(ctx.base, recorder, ctx.timeout)
        self.api.session.headers["Authorization"] = f"Bearer {ctx.api_token}"
        self.seq = 0

    def pace(self) -> None:
        time.sleep(self.ctx.api_pace * self.rnd.uniform(0.9, 1.1))

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.register()
                self.pace()
                if self.rnd.random() < 0.5:
                    self.api.call("GET", API + "?limit=20", "api.list")
                    self.pace()
            except Exception as exc:  # a driver bug must not stop the channel silently
                self.recorder.driver_error(exc)
                self.backoff(2)

    def register(self) -> None:
        self.seq += 1
        key = str(uuid.uuid4())
        phone = f"1999{self.seq:07d}"
        body = {
            "institution": self.rnd.choice(self.ctx.api_institutions),
            "complainant_name": f"网站客户{self.seq}",
            "phone": phone,
            "product_line": self.rnd.choice(["motor", "health", "household_property"]),
            "category": self.rnd.choice(["claims", "sales", "service_quality"]),
            "request": "要求退还多收的保费。",
            "facts": "续保时被多扣保费，客服未能解释。",
        }
        deadline = time.monotonic() + GIVE_UP_SECONDS
        attempt, tries = 0, 0
        while time.monotonic() < deadline:
            tries += 1
            outcome, answer = self.api.call(
                "POST", API, "api.register", json=body, headers={"Idempotency-Key": key}
            )
            if outcome in RETRYABLE or answer is None:
                self.backoff(attempt)
                attempt += 1
                continue
            if answer.status_code == 201:
                data = answer.json()
                self.ledger.register(
                    via="api",
                    phone=phone,
                    key=key,
                    outcome="ok",
                    number=data["number"],
                    tries=tries,
                    replayed=answer.headers.get("Idempotent-Replayed") == "true",
                )
                return
            self.ledger.register(via="api", phone=phone, key=key, outcome=REFUSED)
            return
        self.ledger.register(via="api", phone=phone, key=key, outcome="failed")
