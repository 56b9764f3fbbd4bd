"""Statements PREPAREd once per PostgreSQL session and EXECUTEd after.

Some statements are the same text at every call but for a number, and take
longer for PostgreSQL to plan than to run: the KPI ledger's INSERT at every
complaint write (1.3 of its 1.6 ms), the case page's read of its file (5 of
6 ms, issue 19). A session PREPAREs each once and EXECUTEs it with the
values. psycopg's own preparation is off (Django sets prepare_threshold None
so that connection poolers keep working), so a transaction-mode pooler that
does not keep sessions needs the setting DATABASE_PREPARED_STATEMENTS off.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections

# Where a session's prepared names are kept, on psycopg's connection: a new
# connection starts without them, as its PostgreSQL session does.
_DONE = "cd_prepared"


def enabled(using: str) -> bool:
    return (
        connections[using].vendor == "postgresql"
        and settings.DATABASE_PREPARED_STATEMENTS
    )


def name(prefix: str, shape: Any) -> str:
    """Named after the statement's shape, not the order shapes were met in:
    two threads meeting two new shapes at once cannot give them one name."""
    digest = hashlib.sha256(repr(shape).encode()).hexdigest()[:20]
    return f"{prefix}_{digest}"


def execute(
    using: str, statement: str, text: Callable[[], str], params: Sequence[Any]
) -> list[tuple[Any, ...]] | None:
    """EXECUTE `statement` with `params`; its rows, if any. The first time
    this session meets it, it is PREPAREd from `text()` (its values as
    $1..$n; composed only then)."""
    conn = connections[using]
    with conn.cursor() as cursor:
        _prepare_once(
            conn, statement, lambda: cursor.execute(f"PREPARE {statement} AS {text()}")
        )
        marks = ", ".join(["%s"] * len(params))
        cursor.execute(f"EXECUTE {statement}({marks})", list(params))
        return cursor.fetchall() if cursor.description else None


def _prepare_once(conn: Any, statement: str, prepare: Callable[[], Any]) -> None:
    """Run `prepare` unless this session already holds `statement`."""
    raw = conn.connection
    done: set[str] = getattr(raw, _DONE, None) or set()
    if statement not in done:
        prepare()
        # Marked once it ran: PREPARE outlives a rolled-back transaction.
        done.add(statement)
        setattr(raw, _DONE, done)


@contextmanager
def reads(using: str, prefix: str) -> Iterator[None]:
    """The block's SELECTs as prepared statements, each named after its text.

    For a query Django composes (a model instance with its related rows):
    Django builds the statement and reads its rows as ever, only the database
    plans it once per session and shape. The case page's own read of the case
    (a hundred columns, eight joins, two EXISTS) took 4.3 ms to plan and 0.2
    ms to run at a million complaints (issue 19). Statements whose text
    differs (another user's scope, say) are prepared apart.
    """
    if not enabled(using):
        yield
        return
    conn = connections[using]

    def run_prepared(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        reads_only = sql.lstrip("(").startswith("SELECT")
        if many or not reads_only or not isinstance(params, list | tuple):
            return execute(sql, params, many, context)
        text, count = _numbered(sql)
        if count != len(params):
            return execute(sql, params, many, context)
        statement = name(prefix, text)
        _prepare_once(
            conn,
            statement,
            lambda: execute(f"PREPARE {statement} AS {text}", None, False, context),
        )
        marks = f"({', '.join(['%s'] * count)})" if count else ""
        return execute(f"EXECUTE {statement}{marks}", params, many, context)

    with conn.execute_wrapper(run_prepared):
        yield


_PLACEHOLDER = re.compile(r"%[s%]")


def _numbered(sql: str) -> tuple[str, int]:
    """`sql` with its placeholders as $1..$n and `%%` as `%`; and n."""
    count = 0

    def number(found: re.Match[str]) -> str:
        nonlocal count
        if found.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql), count


def forget(using: str) -> None:
    """The session as a new one finds it: no statement, no mark (tests)."""
    conn = connections[using]
    with conn.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    vars(conn.connection).pop(_DONE, None)
