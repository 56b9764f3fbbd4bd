"""Finer statistics on complainant_name, so a name search uses its index.

PostgreSQL estimates LIKE '%张三丰%' from a sample of the column; with the
default 100 values it guessed 1 % of a million complaints (10,000) for a name
that 769 complaints carry, and walked the list's received_at index instead of
the trigram index: 260 ms instead of 2 ms (BENCHMARKS.md). A thousand values
bring the guess to about 1,000. The estimate is read at the next ANALYZE
(autovacuum runs one after enough changes; generate_complaints runs one).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TARGET = 1000


def raise_target(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE complaints_complaint ALTER COLUMN complainant_name "
            f"SET STATISTICS {TARGET}"
        )


def default_target(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE complaints_complaint ALTER COLUMN complainant_name "
            "SET STATISTICS -1"
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0015_calendar_version")]

    operations = [migrations.RunPython(raise_target, default_target)]
