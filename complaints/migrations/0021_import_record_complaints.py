"""The complaints a committed import registered (its result page lists them)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0020_code_synonyms"),
    ]

    operations = [
        migrations.AddField(
            model_name='importrecord',
            name='complaints',
            field=models.ManyToManyField(blank=True, related_name='+', to='complaints.complaint', verbose_name='complaints registered'),
        ),
    ]
