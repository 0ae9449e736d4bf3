"""Clerks may register units that existed before the registry (the admin's registration form
calls units.services.unit_register), as they already may through a workbook import."""

from django.db import migrations

CODENAMES = ["add_unit", "add_namedunit", "add_department", "add_institution"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(Permission.objects.filter(content_type__app_label="units", codename__in=CODENAMES))
    for group in Group.objects.filter(name="clerk"):
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="units", codename__in=CODENAMES)
    for group in Group.objects.filter(name="clerk"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("units", "0006_as_of_indexes_lead_with_jurisdiction")]

    operations = [migrations.RunPython(grant, revoke)]
