"""The roles of the office as auth groups (units.roles) with their permissions."""

from django.db import migrations

VIEW_MODELS = [
    "jurisdiction",
    "institutioncap",
    "unit",
    "namedunit",
    "department",
    "institution",
    "unitregistration",
    "unitversion",
    "decision",
    "decisionattachment",
    "event",
    "eventparticipant",
    "unitdocument",
]
DRAFT_MODELS = ["decision", "event", "decisionattachment"]

ROLES = {
    "clerk": [f"view_{m}" for m in VIEW_MODELS]
    + [f"{a}_{m}" for m in DRAFT_MODELS for a in ("add", "change", "delete")],
    "approver": [f"view_{m}" for m in VIEW_MODELS] + ["approve_decision", "view_auditentry"],
    "official": [f"view_{m}" for m in VIEW_MODELS] + ["view_auditentry"],
    "api-client": [f"view_{m}" for m in VIEW_MODELS],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run; the groups need them now.
    units_config = apps.get_app_config("units")
    models_module = getattr(units_config, "models_module", None)
    units_config.models_module = models_module or True
    create_permissions(units_config, apps=apps, verbosity=0)
    units_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=role)
        perms = list(
            Permission.objects.filter(content_type__app_label="units", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"permissions missing for role {role}: {sorted(missing)}")
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_admin_screens_and_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
