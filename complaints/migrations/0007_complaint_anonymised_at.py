from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0006_add_calendar_import_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="anonymised at"
            ),
        ),
        migrations.AddField(
            model_name="historicalcomplaint",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="anonymised at"
            ),
        ),
    ]
