"""One browser (or API client) session that times and classifies every request.

Outcomes, from the client's side:
- ok: the answer the user wanted (2xx, or the admin's redirect after a POST);
- refused: the application said no with a reason (a form shown again with
  its errors, 409): business as usual under concurrency;
- unavailable: a clean 503 (the translated "temporarily unavailable" page or
  the API's JSON error), expected only while PostgreSQL restarts;
- server_error: any other 5xx, or a 503 that leaks a traceback;
- client_error / throttled: other 4xx / 429;
- connection: no HTTP answer at all (refused, reset, timed out).
"""

from __future__ import annotations

import html
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

OK, REFUSED, UNAVAILABLE = "ok", "refused", "unavailable"
SERVER_ERROR, CLIENT_ERROR, THROTTLED, CONNECTION = (
    "server_error",
    "client_error",
    "throttled",
    "connection",
)
RETRYABLE = {UNAVAILABLE, CONNECTION, THROTTLED}
# What a response must never show a user: Django's debug page or a traceback.
LEAKS = ("Traceback (most recent call last)", "django.db.utils", "psycopg")
# The first message of a form shown again with its errors.
ERROR_ITEM = re.compile(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', re.S)


@dataclass
class Sample:
    kind: str
    at: float  # seconds since the run started
    ms: float
    status: int | None
    outcome: str
    detail: str = ""


@dataclass
class Recorder:
    t0: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    events: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def event(self, name: str) -> None:
        with self.lock:
            self.events[name] = self.now()

    def driver_error(self, exc: BaseException) -> None:
        """A bug of the driver itself (not of the application)."""
        with self.lock:
            self.errors.append(f"{type(exc).__name__}: {exc}")


def classify(response: requests.Response) -> tuple[str, str]:
    code = response.status_code
    body = response.text if code >= 500 else ""
    if code >= 500:
        leaked = next((s for s in LEAKS if s in body), "")
        if code == 503 and not leaked:
            return UNAVAILABLE, ""
        return SERVER_ERROR, (leaked or body[:200]).strip()
    if code == 429:
        return THROTTLED, ""
    if code == 409:
        return REFUSED, response.text[:200]
    if code >= 400:
        return CLIENT_ERROR, response.text[:200]
    if code == 200 and 'class="errornote"' in response.text:
        reason = ERROR_ITEM.search(response.text)
        return REFUSED, html.unescape(reason.group(1)) if reason else ""
    return OK, ""


class Client:
    """A requests.Session that records a Sample per request (no redirects
    followed: the driver follows them itself, as its own timed request)."""

    def __init__(self, base: str, recorder: Recorder, timeout: float) -> None:
        self.base = base
        self.recorder = recorder
        self.timeout = timeout
        self.session = requests.Session()

    def call(
        self, method: str, path: str, kind: str, **kwargs: Any
    ) -> tuple[str, requests.Response | None]:
        url = path if path.startswith("http") else self.base + path
        headers = kwargs.pop("headers", {})
        if method == "POST" and "csrftoken" in self.session.cookies:
            headers.setdefault("X-CSRFToken", self.session.cookies["csrftoken"])
            headers.setdefault("Referer", url)
        start = time.monotonic()
        at = start - self.recorder.t0
        try:
            response = self.session.request(
                method,
                url,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            ms = (time.monotonic() - start) * 1000
            self.recorder.add(
                Sample(kind, at, ms, None, CONNECTION, type(exc).__name__)
            )
            return CONNECTION, None
        ms = (time.monotonic() - start) * 1000
        outcome, detail = classify(response)
        self.recorder.add(Sample(kind, at, ms, response.status_code, outcome, detail))
        return outcome, response
