# The user and complaint columns of the personal-data access log lose their
# single-column indexes: pd_access_user and pd_access_complaint start with them.
# Only the indexes are dropped (AlterField would also drop and re-validate both
# foreign keys over the whole log, holding its lock).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "complaints_personaldataaccess"
INDEXES = {
    "complaints_personaldataaccess_complaint_id_d0c2a52f": "complaint_id",
    "complaints_personaldataaccess_user_id_c2535578": "user_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0040_staffnotice_kinds_merged"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "{TABLE}" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="personaldataaccess",
                    name="complaint",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="complaints.complaint",
                        verbose_name="complaint",
                    ),
                ),
                migrations.AlterField(
                    model_name="personaldataaccess",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
        ),
    ]
