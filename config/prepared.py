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
from collections.abc import Callable, Sequence
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
        raw = conn.connection
        done: set[str] = getattr(raw, _DONE, None) or set()
        if statement not in done:
            # PREPARE outlives a rolled-back transaction: mark it once it ran.
            cursor.execute(f"PREPARE {statement} AS {text()}")
            done.add(statement)
            setattr(raw, _DONE, done)
        marks = ", ".join(["%s"] * len(params))
        cursor.execute(f"EXECUTE {statement}({marks})", list(params))
        return cursor.fetchall() if cursor.description else None


def forget(using: str) -> None:
    """The session as a new one finds it: no statement, no mark (tests)."""
    conn = connections[using]
    with conn.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    vars(conn.connection).pop(_DONE, None)
