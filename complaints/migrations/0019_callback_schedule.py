"""The satisfaction callback (回访): its due date after closure, who called, the
complainant's words; the sweep's index of callbacks still to be made; the API's
list of callbacks due in the personal-data access log."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0018_redress_payment_method"),
    ]

    operations = [
        migrations.AddField(
            model_name='complaint',
            name='callback_by',
            field=models.CharField(blank=True, max_length=100, verbose_name='called back by'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='callback_due',
            field=models.DateField(blank=True, null=True, verbose_name='callback due'),
        ),
        migrations.AddField(
            model_name='historicalcomplaint',
            name='callback_by',
            field=models.CharField(blank=True, max_length=100, verbose_name='called back by'),
        ),
        migrations.AddField(
            model_name='historicalcomplaint',
            name='callback_due',
            field=models.DateField(blank=True, null=True, verbose_name='callback due'),
        ),
        migrations.AlterField(
            model_name='complaint',
            name='callback_note',
            field=models.TextField(blank=True, verbose_name="complainant's words"),
        ),
        migrations.AlterField(
            model_name='historicalcomplaint',
            name='callback_note',
            field=models.TextField(blank=True, verbose_name="complainant's words"),
        ),
        migrations.AlterField(
            model_name='personaldataaccess',
            name='surface',
            field=models.CharField(choices=[('changelist', 'Complaint list'), ('my_work', 'My work'), ('duplicates', 'Duplicate check at registration'), ('outbox', 'Notification outbox'), ('mail', 'E-mails read'), ('change', 'Complaint page'), ('history', 'History'), ('history_version', 'Old version'), ('letter', 'Printable notice'), ('notification', 'Notification'), ('mail_message', 'E-mail read'), ('export', 'Export'), ('data_access', 'Data-access request'), ('callbacks_api', 'Callbacks due (API)')], max_length=20, verbose_name='where'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['callback_due'], name='complaint_callback_due'),
        ),
    ]
