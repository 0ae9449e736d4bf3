"""Clerks and approvers may upload and import registry workbooks."""

from django.db import migrations

ROLES = {
    "clerk": ["add_importbatch", "view_importbatch"],
    "approver": ["add_importbatch", "view_importbatch"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("reform_registry")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="reform_registry", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="reform_registry",
        codename__in={c for codes in ROLES.values() for c in codes},
    )
    for group in Group.objects.filter(name__in=list(ROLES)):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("reform_registry", "0001_import_batch"),
        ("units", "0004_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
