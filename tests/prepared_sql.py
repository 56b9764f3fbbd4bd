"""What a query log says of statements run as prepared ones (config.prepared):
each EXECUTE as the text the session PREPAREd, so a test can see what it read."""

from __future__ import annotations

import re

from django.db import connections

_EXECUTE = re.compile(r"EXECUTE (\w+)")


def expanded(alias: str, sqls: list[str]) -> list[str]:
    """`sqls` (run on `alias`'s connection) with each EXECUTE replaced by its
    statement's text from that session's pg_prepared_statements."""
    named = {m.group(1) for s in sqls if (m := _EXECUTE.match(s))}
    if not named:
        return sqls
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT name, statement FROM pg_prepared_statements WHERE name = ANY(%s)",
            [sorted(named)],
        )
        texts = dict(cursor.fetchall())
    return [texts[m.group(1)] if (m := _EXECUTE.match(s)) else s for s in sqls]
