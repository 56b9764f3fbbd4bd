"""The rollup's ledger statement, PREPAREd once per PostgreSQL session
(reporting.rollup._execute_prepared): the same cells as the statement planned
at every write, through a rolled-back transaction and a new connection."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from config import prepared
from reporting import rollup
from reporting.models import KpiCell
from tests.reporting.conftest import Walker, received

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's"
    ),
]


def _statements(captured: CaptureQueriesContext, verb: str) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].startswith(verb)]


def _forget_statements() -> None:
    """The session as a new one finds it: no statement, no mark."""
    prepared.forget("default")


def test_a_statement_is_named_after_its_shape() -> None:
    one = (("received_on",), 1, 1, "Asia/Shanghai")
    assert rollup._statement_name(one) == rollup._statement_name(tuple(one))
    others = [(("received_on",), -1, 1, "Asia/Shanghai"), (("closed_at",), 1, 1, "UTC")]
    assert len({rollup._statement_name(s) for s in [one, *others]}) == 3


def _cells() -> list[tuple[Any, ...]]:
    """The complaint's figures as one row per cell (what the ledger adds)."""
    fields = [*rollup.KEYS, *rollup.ROLLED, *rollup.SUMS]
    out: dict[tuple[Any, ...], list[Any]] = {}
    rows = KpiCell.objects.values_list(*fields)
    for row in rows:
        key = row[: len(rollup.KEYS)]
        sums = out.setdefault(key, [0] * (len(fields) - len(rollup.KEYS)))
        for i, value in enumerate(row[len(rollup.KEYS) :]):
            sums[i] += value or 0
    return sorted((*k, *v) for k, v in out.items() if any(v))


def test_a_write_executes_the_statement_its_session_prepared(
    register: Any, gd_handler: Any, settings: Any
) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = True
    register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, 1)))
    with CaptureQueriesContext(connection) as second:
        c = register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, 2)))
    # The session prepared the registration's shape at the first write.
    assert _statements(second, "PREPARE") == []
    assert len(_statements(second, "EXECUTE kpi_ledger_")) == 1
    assert not [q for q in second if "reporting_kpicell" in q["sql"]]
    assert rollup.differences() == []
    assert KpiCell.objects.filter(received=1).count() == 2, c.number


def test_the_prepared_cells_are_the_planned_ones(
    register: Any, gd_handler: Any, gd_manager: Any, settings: Any
) -> None:
    """Every dating field of a complaint walked to its notice, several ids at
    once, taken out and put in: the prepared and the planned statements write
    the same rows."""
    w = Walker(gd_handler, gd_manager)
    made = []
    for day in (1, 2, 3):
        c = register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, day)))
        made.append(w.notify(w.decide(w.open(c, date(2026, 7, 6)), date(2026, 7, 8)),
                             date(2026, 7, 9)))  # fmt: skip
    pks = [c.pk for c in made]
    results = []
    for prepares in (False, True):
        settings.DATABASE_PREPARED_STATEMENTS = prepares
        KpiCell.objects.all().delete()
        rollup.put_in(pks)
        results.append(_cells())
        rollup.take_out(pks[1:])
        results.append(_cells())
    assert results[0] == results[2]
    assert results[1] == results[3]
    assert len(results[0]) > len(results[1]) > 0


def test_a_rolled_back_transaction_keeps_the_session_statement(
    register: Any, gd_handler: Any, settings: Any
) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = True
    _forget_statements()  # so the PREPARE runs inside the transaction below

    def registered_then_rolled_back() -> None:
        with transaction.atomic():
            register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, 1)))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        registered_then_rolled_back()
    with CaptureQueriesContext(connection) as after:
        register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, 2)))
    assert _statements(after, "PREPARE") == []
    assert len(_statements(after, "EXECUTE kpi_ledger_")) == 1
    assert rollup.differences() == []


def test_a_new_session_prepares_again(
    register: Any, gd_handler: Any, settings: Any
) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = True
    register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, 1)))
    # A new session (CONN_MAX_AGE, a lost connection) holds no statements and
    # no mark; this one is made so (a new connection would not see the test's
    # uncommitted rows).
    _forget_statements()
    with CaptureQueriesContext(connection) as fresh:
        c = register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, 2)))
    assert len(_statements(fresh, "PREPARE kpi_ledger_")) == 1
    assert KpiCell.objects.filter(received=1).count() == 2, c.number
    assert rollup.differences() == []


def test_off_the_statement_is_planned_at_each_write(
    register: Any, gd_handler: Any, settings: Any
) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as off:
        register(gd_handler, "GDGZTH", received_at=received(date(2026, 7, 1)))
    assert _statements(off, "EXECUTE") == []
    assert [q for q in off if q["sql"].startswith('INSERT INTO "reporting_kpicell"')]
    assert rollup.differences() == []
