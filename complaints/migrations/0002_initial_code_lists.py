from django.db import migrations


def load(apps, schema_editor):
    from complaints.rules.codelists import INITIAL_CODES

    Code = apps.get_model("complaints", "Code")
    for kind, rows in INITIAL_CODES.items():
        for order, (code, label, label_en, group) in enumerate(rows):
            Code.objects.get_or_create(
                kind=kind,
                code=code,
                defaults={"label": label, "label_en": label_en, "group": group,
                          "sort_order": order * 10},
            )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
