"""The case page's file read, PREPAREd once per PostgreSQL session
(complaints.workbench.case_rows, config.prepared): the same rows as the
statement planned at every page, in a new session too."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.workbench import case_rows
from config import prepared
from tests.complaints.case_file import full_case

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's"
    ),
]


def _file(complaint: Any) -> dict[str, list[dict[str, Any]]]:
    """Each table's rows of the file, in the file's order, as the values
    read (the fields the page reads; the rest stay deferred)."""
    read = case_rows._read_file(complaint)
    return {
        model.__name__: [
            {k: v for k, v in vars(row).items() if not k.startswith("_")}
            for row in rows
        ]
        for model, rows in read.items()
    }


def _verbs(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"].split(" ", 1)[0] for q in captured]


def test_the_prepared_read_is_the_planned_read(
    register: Any, persona: Any, time_machine: Any, settings: Any
) -> None:
    case = full_case(register, persona, time_machine.move_to)
    bare = register(persona("tianhe_handler"))
    settings.DATABASE_PREPARED_STATEMENTS = False
    planned = _file(case)
    assert sum(len(rows) for rows in planned.values()) > 20

    settings.DATABASE_PREPARED_STATEMENTS = True
    prepared.forget("default")
    with CaptureQueriesContext(connection) as first:
        assert _file(case) == planned
    assert _verbs(first) == ["PREPARE", "EXECUTE"]
    with CaptureQueriesContext(connection) as again:
        assert _file(case) == planned
        other = _file(bare)
    assert _verbs(again) == ["EXECUTE", "EXECUTE"]
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert other == _file(bare)

    # A new session has no statement: it prepares again.
    settings.DATABASE_PREPARED_STATEMENTS = True
    prepared.forget("default")
    with CaptureQueriesContext(connection) as fresh:
        assert _file(case) == planned
    assert _verbs(fresh) == ["PREPARE", "EXECUTE"]
