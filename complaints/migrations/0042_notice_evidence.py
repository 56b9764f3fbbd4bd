# Complaint.notice_evidence: the attachments' "notice sent" or "call recording"
# as a column of the complaint (complaints.models.derived.NoticeEvidence), set
# here for the complaints whose case file already holds one.

import complaints.models.derived
from django.db import migrations

EVIDENCE_KINDS = ("notice", "recording")


def fill(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Attachment = apps.get_model("complaints", "Attachment")
    db = schema_editor.connection.alias
    with_evidence = Attachment.objects.using(db).filter(kind__in=EVIDENCE_KINDS)
    Complaint.objects.using(db).filter(
        pk__in=with_evidence.values("complaint_id")
    ).update(notice_evidence=True)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0041_personal_data_access_fk_indexes_covered"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="notice_evidence",
            field=complaints.models.derived.NoticeEvidence(
                default=False,
                editable=False,
                verbose_name="notice evidence on file",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
