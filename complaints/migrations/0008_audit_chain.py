"""Seal columns on the case file's history (complaints.integrity.audit) and the chain heads."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_complaint_anonymised_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "complaint_id",
                    models.BigIntegerField(
                        primary_key=True, serialize=False, verbose_name="complaint"
                    ),
                ),
                ("length", models.PositiveIntegerField(default=0, verbose_name="rows")),
                ("head_hash", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain heads",
            },
        ),
        migrations.AddField(
            model_name="historicalcomplaint",
            name="chain_seq",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="position in the chain"
            ),
        ),
        migrations.AddField(
            model_name="historicalcomplaint",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalcomplaint",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalcomplaint",
            name="personal_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalcomplaint",
            name="personal_salt",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="historicalcomplaint",
            name="seal_version",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="historicalcorrespondence",
            name="chain_seq",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="position in the chain"
            ),
        ),
        migrations.AddField(
            model_name="historicalcorrespondence",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalcorrespondence",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalcorrespondence",
            name="personal_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalcorrespondence",
            name="personal_salt",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="historicalcorrespondence",
            name="seal_version",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="chain_seq",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="position in the chain"
            ),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="personal_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="personal_salt",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="seal_version",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="historicalextension",
            name="chain_seq",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="position in the chain"
            ),
        ),
        migrations.AddField(
            model_name="historicalextension",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalextension",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalextension",
            name="personal_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalextension",
            name="personal_salt",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="historicalextension",
            name="seal_version",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="historicalpause",
            name="chain_seq",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="position in the chain"
            ),
        ),
        migrations.AddField(
            model_name="historicalpause",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalpause",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalpause",
            name="personal_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalpause",
            name="personal_salt",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="historicalpause",
            name="seal_version",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="historicalrecusal",
            name="chain_seq",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="position in the chain"
            ),
        ),
        migrations.AddField(
            model_name="historicalrecusal",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalrecusal",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalrecusal",
            name="personal_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalrecusal",
            name="personal_salt",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="historicalrecusal",
            name="seal_version",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
    ]
