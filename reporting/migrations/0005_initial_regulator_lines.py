from django.db import migrations


def load(apps, schema_editor):
    """The regulator's lines, the insurer's lines the notices need (保证保险 and
    信用保险 apart, 疾病保险) and the initial mapping (reporting.regulator_lines)."""
    from reporting.regulator_lines import (
        INITIAL_MAPPING,
        MOVED_SYNONYMS,
        NEW_PRODUCT_LINES,
        REGULATOR_LINES,
    )

    Code = apps.get_model("complaints", "Code")
    RegulatorLine = apps.get_model("reporting", "RegulatorLine")
    Mapping = apps.get_model("reporting", "ProductLineMapping")
    lines = {}
    for order, (code, label, label_en, sector) in enumerate(REGULATOR_LINES):
        lines[code], _ = RegulatorLine.objects.get_or_create(
            code=code,
            defaults={"label": label, "label_en": label_en, "sector": sector,
                      "sort_order": order * 10},
        )
    for code, moved in MOVED_SYNONYMS.items():
        for entry in Code.objects.filter(kind="product_line", code=code):
            kept = [s for s in entry.synonyms.splitlines() if s.strip() not in moved]
            entry.synonyms = "\n".join(kept)
            entry.save(update_fields=["synonyms"])
    # Listed right after the line they come out of.
    after = {"surety": "credit_surety", "credit": "credit_surety",
             "critical_illness": "health"}
    for step, (code, label, label_en, group, synonyms) in enumerate(NEW_PRODUCT_LINES):
        anchor = Code.objects.filter(kind="product_line", code=after[code]).first()
        order = (anchor.sort_order if anchor else 900) + 1 + step % 2
        Code.objects.get_or_create(
            kind="product_line",
            code=code,
            defaults={"label": label, "label_en": label_en, "group": group,
                      "synonyms": "\n".join(synonyms), "sort_order": order},
        )
    for code, (line, note) in INITIAL_MAPPING.items():
        entry = Code.objects.filter(kind="product_line", code=code).first()
        if entry is not None:
            Mapping.objects.get_or_create(
                product_line=entry, defaults={"regulator_line": lines[line], "note": note}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_regulator_basis"),
        ("complaints", "0035_regulator_transfer"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
