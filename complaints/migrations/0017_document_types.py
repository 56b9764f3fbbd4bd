"""Identity documents: the Hong Kong/Macao, Taiwan and residence-permit types apart,
and the agent's own document type, so every number is checked under its type
(complaints.rules.identifiers)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0016_name_statistics"),
    ]

    operations = [
        migrations.AddField(
            model_name='complaint',
            name='agent_id_type',
            field=models.CharField(blank=True, choices=[('resident_id', 'Resident identity card'), ('hmt', 'Mainland travel permit for Hong Kong and Macao residents'), ('tw', 'Mainland travel permit for Taiwan residents'), ('hmt_res', 'Residence permit for Hong Kong, Macao and Taiwan residents'), ('passport', 'Passport'), ('other', 'Other')], max_length=12, verbose_name='agent / heir ID type'),
        ),
        migrations.AddField(
            model_name='historicalcomplaint',
            name='agent_id_type',
            field=models.CharField(blank=True, choices=[('resident_id', 'Resident identity card'), ('hmt', 'Mainland travel permit for Hong Kong and Macao residents'), ('tw', 'Mainland travel permit for Taiwan residents'), ('hmt_res', 'Residence permit for Hong Kong, Macao and Taiwan residents'), ('passport', 'Passport'), ('other', 'Other')], max_length=12, verbose_name='agent / heir ID type'),
        ),
        migrations.AlterField(
            model_name='complaint',
            name='id_type',
            field=models.CharField(blank=True, choices=[('resident_id', 'Resident identity card'), ('hmt', 'Mainland travel permit for Hong Kong and Macao residents'), ('tw', 'Mainland travel permit for Taiwan residents'), ('hmt_res', 'Residence permit for Hong Kong, Macao and Taiwan residents'), ('passport', 'Passport'), ('other', 'Other')], max_length=12, verbose_name='ID type'),
        ),
        migrations.AlterField(
            model_name='historicalcomplaint',
            name='id_type',
            field=models.CharField(blank=True, choices=[('resident_id', 'Resident identity card'), ('hmt', 'Mainland travel permit for Hong Kong and Macao residents'), ('tw', 'Mainland travel permit for Taiwan residents'), ('hmt_res', 'Residence permit for Hong Kong, Macao and Taiwan residents'), ('passport', 'Passport'), ('other', 'Other')], max_length=12, verbose_name='ID type'),
        ),
    ]
