"""Every role reads the ledger; clerks enter transfers, headcounts and campaign previews;
approvers also apply and reverse campaigns (checked with units.approve_decision)."""

from django.db import migrations

VIEW = [
    "view_quotakind",
    "view_account",
    "view_transfer",
    "view_headcountreport",
    "view_recoverycampaign",
    "view_campaignline",
    "view_campaignskip",
]
ENTER = ["add_transfer", "add_headcountreport", "add_recoverycampaign"]
ROLES = {
    "clerk": VIEW + ENTER,
    "approver": VIEW + ENTER,
    "official": VIEW,
    "api-client": VIEW,
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("staffing")
    models_module = getattr(config, "models_module", None)
    config.models_module = models_module or True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="staffing", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="staffing",
        codename__in={c for codes in ROLES.values() for c in codes},
    )
    for group in Group.objects.filter(name__in=list(ROLES)):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("staffing", "0002_quota_kinds"),
        ("units", "0004_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
