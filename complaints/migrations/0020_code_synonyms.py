"""Synonyms on the code lists: spreadsheets may name an entry by its code, its
label or one of these."""

from django.db import migrations, models


def load(apps, schema_editor):
    from complaints.rules.codelists import INITIAL_SYNONYMS

    Code = apps.get_model("complaints", "Code")
    for kind, entries in INITIAL_SYNONYMS.items():
        for code, names in entries.items():
            entry = Code.objects.filter(kind=kind, code=code, synonyms="").first()
            if entry is not None:
                entry.synonyms = "\n".join(names)
                entry.save(update_fields=["synonyms"])


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0019_callback_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name='code',
            name='synonyms',
            field=models.TextField(blank=True, help_text='Other names a spreadsheet may use for this entry, one per line (e.g. 车险 for 机动车辆保险).', verbose_name='synonyms'),
        ),
        migrations.AddField(
            model_name='historicalcode',
            name='synonyms',
            field=models.TextField(blank=True, help_text='Other names a spreadsheet may use for this entry, one per line (e.g. 车险 for 机动车辆保险).', verbose_name='synonyms'),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
