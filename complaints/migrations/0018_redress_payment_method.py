"""How a redress payment was made, and its reference (DOMAIN.md C15)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0017_document_types"),
    ]

    operations = [
        migrations.AddField(
            model_name='complaint',
            name='redress_method',
            field=models.CharField(blank=True, choices=[('bank_transfer', 'Bank transfer'), ('original_route', 'Refund to the original payment'), ('premium_offset', 'Set off against premium'), ('cash', 'Cash'), ('cheque', 'Cheque'), ('other', 'Other')], max_length=16, verbose_name='paid by'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='redress_reference',
            field=models.CharField(blank=True, max_length=60, verbose_name='payment reference'),
        ),
        migrations.AddField(
            model_name='historicalcomplaint',
            name='redress_method',
            field=models.CharField(blank=True, choices=[('bank_transfer', 'Bank transfer'), ('original_route', 'Refund to the original payment'), ('premium_offset', 'Set off against premium'), ('cash', 'Cash'), ('cheque', 'Cheque'), ('other', 'Other')], max_length=16, verbose_name='paid by'),
        ),
        migrations.AddField(
            model_name='historicalcomplaint',
            name='redress_reference',
            field=models.CharField(blank=True, max_length=60, verbose_name='payment reference'),
        ),
    ]
