"""Reporting reads on a PostgreSQL read replica (DATABASE_REPLICA_URL).

Installed only when the replica is configured (config/settings.py). Then:
- every write goes to the primary (`default`);
- a read goes to the replica only inside `reporting_reads()` (the dashboards,
  their drill-down and the regulator's workbook), and only for the reporting
  data itself: the complaints and reporting apps. The user, the session, the
  grants and memberships behind every permission check stay on the primary, so
  a lagging replica can make a figure a few seconds old but never grant or
  refuse access;
- once a request has written, or is not a safe method (a POST), the rest of it
  reads the primary, so it always reads what it has just written.

Querysets carry no explicit `using()`: a subquery is compiled into its outer
query and runs wherever that query is routed, so aliases are never mixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse

REPLICA = "replica"
# Apps whose rows the reporting pages aggregate. Not organisations (grants,
# memberships, the tree that scopes them), auth, sessions, guardian, axes, otp.
REPLICA_APPS = frozenset({"complaints", "reporting"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_reporting: ContextVar[bool] = ContextVar("reporting_reads", default=False)
_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)


@contextmanager
def reporting_reads() -> Iterator[None]:
    """Send this block's reporting reads to the replica (when there is one)."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


@contextmanager
def pinning_scope(*, pinned: bool = False) -> Iterator[None]:
    """A unit of work (one request) whose writes pin its later reads to the
    primary; the pin ends with it."""
    token = _pinned.set(pinned)
    try:
        yield
    finally:
        _pinned.reset(token)


def pin_to_primary() -> None:
    """Read from the primary for the rest of the current unit of work."""
    _pinned.set(True)


def on_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run a reporting view inside reporting_reads(), template included: a
    TemplateResponse renders after the view returns, and its lazy querysets
    (a drill-down page's rows) belong to the same reporting read."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with reporting_reads():
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            return response

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (
            _reporting.get()
            and not _pinned.get()
            and model._meta.app_label in REPLICA_APPS
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        pin_to_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # one database, two connections

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows by replication


class PinPrimaryMiddleware:
    """Each request starts unpinned (pinned if it is not a safe method) and
    its pin does not outlive it. First in MIDDLEWARE, so the session and the
    user are read inside the same scope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with pinning_scope(pinned=request.method not in SAFE_METHODS):
            return self.get_response(request)
