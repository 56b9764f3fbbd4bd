"""CalendarVersion: a value every write to CalendarDay changes (by trigger), so a
process can keep the calendar in memory and check one row before using it."""

from django.db import migrations, models

DAY = "complaints_calendarday"
VERSION = "complaints_calendarversion"

# PostgreSQL: one bump per statement (TRUNCATE included) from a sequence, which
# never hands out a value twice, even to a transaction that rolls back. The
# upsert brings the row back after a flush.
POSTGRES = f"""
CREATE SEQUENCE {VERSION}_seq;
CREATE FUNCTION complaints_calendar_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {VERSION} (id, version) VALUES (1, nextval('{VERSION}_seq'))
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$;
CREATE TRIGGER complaints_calendarday_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {DAY}
FOR EACH STATEMENT EXECUTE FUNCTION complaints_calendar_changed();
INSERT INTO {VERSION} (id, version) VALUES (1, nextval('{VERSION}_seq'));
"""
POSTGRES_REVERSE = f"""
DROP TRIGGER IF EXISTS complaints_calendarday_changed ON {DAY};
DROP FUNCTION IF EXISTS complaints_calendar_changed();
DROP SEQUENCE IF EXISTS {VERSION}_seq;
"""
# SQLite: row triggers only, and no sequences; a random 64-bit value.
SQLITE = [
    f"""CREATE TRIGGER complaints_calendarday_{event.lower()}d AFTER {event} ON {DAY}
    BEGIN INSERT OR REPLACE INTO {VERSION} (id, version) VALUES (1, random()); END"""
    for event in ("INSERT", "UPDATE", "DELETE")
] + [f"INSERT INTO {VERSION} (id, version) VALUES (1, random())"]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS complaints_calendarday_{event}d"
    for event in ("insert", "update", "delete")
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"calendar version triggers for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0014_kpi_month_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, primary_key=True, serialize=False
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "calendar version",
                "verbose_name_plural": "calendar versions",
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
