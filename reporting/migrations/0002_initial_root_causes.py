from django.db import migrations


def load(apps, schema_editor):
    from reporting.rootcauses import INITIAL_ROOT_CAUSES

    RootCause = apps.get_model("reporting", "RootCause")
    for order, (code, label, label_en, function) in enumerate(INITIAL_ROOT_CAUSES):
        RootCause.objects.get_or_create(
            code=code,
            defaults={"label": label, "label_en": label_en, "function": function,
                      "sort_order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
