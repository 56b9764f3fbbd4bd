"""Queries Django composes, planned once per PostgreSQL session
(config.prepared.reads): the case page's read of its case and every page's
read of the user's grants give what the planned statements give, for users
of every scope, and are PREPAREd once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint
from config import prepared
from organisations import permissions as P
from organisations.models import Institution

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's"
)


def test_placeholders_are_numbered_and_percent_signs_unescaped() -> None:
    sql = "SELECT a FROM t WHERE b = %s AND c LIKE '%%x' AND d IN (%s, %s)"
    assert prepared._numbered(sql) == (
        "SELECT a FROM t WHERE b = $1 AND c LIKE '%x' AND d IN ($2, $3)",
        3,
    )
    assert prepared._numbered("SELECT 1") == ("SELECT 1", 0)


class _Recorder:
    """What the database was sent, beneath reads()' rewriting."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(
        self, execute: Any, sql: str, params: Any, many: bool, ctx: Any
    ) -> Any:
        self.sent.append(sql.split(" ", 1)[0])
        return execute(sql, params, many, ctx)


@on_postgresql
@pytest.mark.django_db
def test_a_read_is_prepared_once_and_reads_the_same(tree: Any, settings: Any) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = True
    prepared.forget("default")
    rows = (
        Institution.objects.filter(path__startswith=tree["GD"].path)
        .annotate(sign=RawSQL("'100%%'", []))  # a literal percent sign
        .order_by("path")
        .values_list("code", "sign")
    )
    planned = list(rows.all())
    assert len(planned) > 2
    assert planned[0][1] == "100%"

    recorder = _Recorder()
    with prepared.reads("default", "test"), connection.execute_wrapper(recorder):
        assert list(rows.all()) == planned
        assert list(rows.all()) == planned
    assert recorder.sent == ["PREPARE", "EXECUTE", "EXECUTE"]

    # Another shape (another value count) is another statement.
    with prepared.reads("default", "test"), connection.execute_wrapper(recorder):
        codes = list(
            Institution.objects.filter(code__in=["GD", "GDGZ"]).values_list(
                "code", flat=True
            )
        )
    assert sorted(codes) == ["GD", "GDGZ"]
    assert recorder.sent[3:] == ["PREPARE", "EXECUTE"]

    # Off (a transaction-mode pooler): nothing is prepared.
    settings.DATABASE_PREPARED_STATEMENTS = False
    recorder.sent.clear()
    with prepared.reads("default", "test"), connection.execute_wrapper(recorder):
        assert list(rows.all()) == planned
    assert recorder.sent == ["SELECT"]


def _case(user: Any, pk: int) -> dict[str, Any] | None:
    """The case page's case as ComplaintAdmin.get_object reads it, with its
    related rows and the desk's marks (None when out of the user's scope)."""
    request = RequestFactory().get("/")
    request.user = user
    found = admin.site._registry[Complaint].get_object(request, str(pk))
    if found is None:
        return None
    values = {k: v for k, v in vars(found).items() if not k.startswith("_")}
    related = found._state.fields_cache
    values["related"] = {k: getattr(v, "pk", None) for k, v in related.items()}
    return values


@on_postgresql
@pytest.mark.django_db
def test_the_case_page_reads_its_case_as_planned_for_every_scope(
    register: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    gd_manager: Any,
    xihu_handler: Any,
    settings: Any,
) -> None:
    case = register(tianhe_handler)
    superuser = get_user_model().objects.create_superuser("root", "r@example.com", "x")
    users = [tianhe_handler, gz_manager, gd_manager, xihu_handler, superuser]

    settings.DATABASE_PREPARED_STATEMENTS = False
    planned = [_case(get_user_model().objects.get(pk=u.pk), case.pk) for u in users]
    assert planned[-2] is None  # 西湖's handler: out of scope
    assert all(p is not None and p["number"] == case.number for p in planned[:3])

    settings.DATABASE_PREPARED_STATEMENTS = True
    prepared.forget("default")
    for user, expected in zip(users, planned, strict=True):
        for _ in range(2):
            fresh = get_user_model().objects.get(pk=user.pk)
            with CaptureQueriesContext(connection) as captured:
                assert _case(fresh, case.pk) == expected
            reads = [q["sql"] for q in captured if "case_page_" in q["sql"]]
            assert len(reads) == 1
            assert reads[0].startswith("EXECUTE")


@on_postgresql
@pytest.mark.django_db
def test_the_grants_read_the_same_prepared(
    tianhe_handler: Any,
    gd_manager: Any,
    ho_compliance: Any,
    outsider: Any,
    settings: Any,
) -> None:
    superuser = get_user_model().objects.create_superuser("root", "r@example.com", "x")
    users = [tianhe_handler, gd_manager, ho_compliance, outsider, superuser]

    def grants(user: Any) -> tuple[dict[str, list[str]], Any]:
        fresh = get_user_model().objects.get(pk=user.pk)
        return P._load_grants(fresh), getattr(fresh, "_perm_cache", None)

    settings.DATABASE_PREPARED_STATEMENTS = False
    planned = [grants(u) for u in users]
    assert planned[0][0][P._codename(P.VIEW)] == [tianhe_handler_path(tianhe_handler)]

    settings.DATABASE_PREPARED_STATEMENTS = True
    prepared.forget("default")
    with CaptureQueriesContext(connection) as captured:
        assert [grants(u) for u in users] == planned
        assert [grants(u) for u in users] == planned
    executed = [q["sql"] for q in captured if q["sql"].startswith("EXECUTE grants_")]
    assert len(executed) == 2 * len(users)


def tianhe_handler_path(user: Any) -> str:
    return str(
        Institution.objects.get(memberships__user=user, code="GDGZTH").path  # type: ignore[misc]
    )


@on_postgresql
@pytest.mark.django_db
def test_my_work_reads_the_same_desk_prepared(
    full_desk: Any, client: Any, settings: Any
) -> None:
    """我的待办's reads (its cases, callbacks, tasks and supervisions) prepared
    give the desk they give planned, for a handler and for a manager."""

    def desk(user: Any) -> dict[str, Any]:
        client.force_login(user)
        page = client.get("/admin/complaints/complaint/my-work/")
        assert page.status_code == 200
        ctx = page.context
        return {
            "rows": [row["html"] for row in ctx["rows"]],
            **{
                part: [item.pk for item in ctx[part]]
                for part in ("tasks_to_answer", "tasks_sent")
                + ("supervisions", "supervising")
            },
            "callbacks": [c["complaint"].pk for c in ctx["callbacks"]],
        }

    settings.DATABASE_PREPARED_STATEMENTS = False
    planned = {name: desk(user) for name, user in full_desk.items()}
    assert planned["handler"]["rows"]
    assert planned["manager"]["supervising"]

    settings.DATABASE_PREPARED_STATEMENTS = True
    prepared.forget("default")
    for name, user in full_desk.items():
        with CaptureQueriesContext(connection) as captured:
            assert desk(user) == planned[name]
        assert sum(q["sql"].startswith("EXECUTE my_work_") for q in captured) >= 4


@pytest.fixture
def full_desk(
    register: Any, tianhe_handler: Any, gz_manager: Any, gd_manager: Any
) -> dict[str, Any]:
    """A handler with cases on the desk, one of them supervised by a manager."""
    from complaints.services import supervision_start

    cases = [register(tianhe_handler) for _ in range(3)]
    supervision_start(
        actor=gd_manager,
        complaint=cases[0],
        instruction="三日内回复",
        due_on=timezone.localdate() + timedelta(days=3),
    )
    return {"handler": tianhe_handler, "manager": gd_manager, "gz": gz_manager}
