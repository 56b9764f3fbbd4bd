"""Compliance keeps the handlers' reply and decision templates: a permission on
the institution, granted to the compliance role groups that already exist
(new groups get it from organisations.permissions.ROLE_PERMISSIONS)."""

from django.db import migrations

CODENAME = "manage_templates"


def grant_to_compliance(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Membership = apps.get_model("organisations", "Membership")
    GroupPerm = apps.get_model("organisations", "InstitutionGroupObjectPermission")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="organisations", model="institution"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=CODENAME,
        defaults={"name": "Manage reply and decision templates"},
    )
    compliance = Membership.objects.filter(role="compliance").values_list(
        "institution_id", flat=True
    )
    for institution_id in set(compliance):
        group = Group.objects.filter(name=f"org:{institution_id}:compliance").first()
        if group is not None:
            GroupPerm.objects.get_or_create(
                group=group, permission=permission, content_object_id=institution_id
            )


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_department"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='institution',
            options={'ordering': ['path'], 'permissions': [('view_complaints', 'View the complaints of this subtree'), ('handle_complaints', 'Register and handle complaints'), ('assign_complaints', 'Assign complaints to handlers'), ('approve_decisions', 'Approve decisions and first extensions'), ('approve_further_extension', 'Approve a further extension'), ('review_complaints', 'Review (核查) lower-level decisions'), ('view_personal_data', "See complainants' personal data unmasked"), ('export_complaints', 'Export complaints to spreadsheets'), ('import_complaints', 'Import complaints from spreadsheets'), ('view_reports', 'Read KPIs and statistics'), ('manage_templates', 'Manage reply and decision templates')], 'verbose_name': 'institution', 'verbose_name_plural': 'institutions'},
        ),
        migrations.RunPython(grant_to_compliance, migrations.RunPython.noop),
    ]
