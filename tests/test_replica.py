"""The read-replica router (config/routers.py) and its settings.

The dashboards read through it in tests/reporting/test_replica_reads.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from complaints.models import Code, Complaint
from config.routers import (
    PinPrimaryMiddleware,
    ReplicaRouter,
    pinning_scope,
    reporting_reads,
)
from organisations.models import (
    Institution,
    InstitutionGroupObjectPermission,
    Membership,
)
from reporting.models import BusinessVolume
from tests.fresh_process import run_python

router = ReplicaRouter()

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'aliases': sorted(s.DATABASES), 'routers': getattr(s, 'DATABASE_ROUTERS', []),"
    "'replica': s.DATABASES.get('replica')}, default=str))"
)


def settings_with(**env: str) -> dict[str, Any]:
    result = run_python(SHOW, env=env, check=True, timeout=60)
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


def test_without_a_replica_there_is_only_the_default_database() -> None:
    shown = settings_with(DATABASE_URL="postgres://app@db1:5432/complaints")
    assert shown["aliases"] == ["default"]
    assert shown["routers"] == []


def test_a_replica_url_adds_the_alias_and_the_router() -> None:
    shown = settings_with(
        DATABASE_URL="postgres://app@db1:5432/complaints",
        DATABASE_REPLICA_URL="postgres://reader@db2:5432/complaints",
        DJANGO_CONN_MAX_AGE="30",
    )
    assert shown["aliases"] == ["default", "replica"]
    assert shown["routers"] == ["config.routers.ReplicaRouter"]
    replica = shown["replica"]
    assert (replica["HOST"], replica["USER"]) == ("db2", "reader")
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    # The primary's connection options, and the test database shared with it.
    assert (replica["CONN_MAX_AGE"], replica["CONN_HEALTH_CHECKS"]) == (30, True)
    assert replica["TEST"] == {"MIRROR": "default"}


# --- Routing, without a database ---------------------------------------------------
REPORTING_DATA = [Complaint, Code, BusinessVolume]
# The user, the session, the grants and the tree that scopes them.
PRIMARY_ONLY = [
    User,
    Session,
    Membership,
    InstitutionGroupObjectPermission,
    Institution,
]


def test_only_reporting_reads_of_reporting_data_go_to_the_replica() -> None:
    with pinning_scope():
        for model in REPORTING_DATA:
            assert router.db_for_read(model) == "default"
        with reporting_reads():
            for model in REPORTING_DATA:
                assert router.db_for_read(model) == "replica"
            for model in PRIMARY_ONLY:
                assert router.db_for_read(model) == "default"
        for model in REPORTING_DATA:
            assert router.db_for_read(model) == "default"


def test_writes_go_to_the_primary_and_pin_later_reads_until_the_scope_ends() -> None:
    with pinning_scope(), reporting_reads():
        assert router.db_for_read(Complaint) == "replica"
        assert router.db_for_write(Complaint) == "default"
        assert router.db_for_read(Complaint) == "default"
        with pinning_scope():  # the next request
            assert router.db_for_read(Complaint) == "replica"
        assert router.db_for_read(Complaint) == "default"


@pytest.mark.parametrize(
    ("method", "replica"),
    [("get", True), ("head", True), ("post", False), ("put", False)],
)
def test_a_request_that_is_not_safe_reads_the_primary(
    method: str, replica: bool
) -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        with reporting_reads():
            seen.append(router.db_for_read(Complaint))
        return HttpResponse()

    request = getattr(RequestFactory(), method)("/")
    with pinning_scope():
        PinPrimaryMiddleware(view)(request)
        assert seen == ["replica" if replica else "default"]
        with reporting_reads():  # the request's pin ended with it
            assert router.db_for_read(Complaint) == "replica"


def test_the_replica_is_never_migrated() -> None:
    assert router.allow_migrate("default", "complaints")
    assert not router.allow_migrate("replica", "complaints")
