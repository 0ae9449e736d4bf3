"""The six quota kinds of DESIGN §3, with their Chinese labels."""

from django.db import migrations

KINDS = [
    ("institution", "事业编制", False),
    ("administrative", "行政编制", False),
    ("logistics", "工勤编制", False),
    ("leader_chief", "正职领导职数", True),
    ("leader_deputy", "副职领导职数", True),
    ("leader_section", "科级领导职数", True),
]


def create_kinds(apps, schema_editor):
    QuotaKind = apps.get_model("staffing", "QuotaKind")
    for position, (code, name, leadership) in enumerate(KINDS):
        QuotaKind.objects.update_or_create(
            code=code, defaults={"name": name, "leadership": leadership, "position": position}
        )


def remove_kinds(apps, schema_editor):
    apps.get_model("staffing", "QuotaKind").objects.filter(
        code__in=[code for code, _n, _l in KINDS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_ledger")]

    operations = [migrations.RunPython(create_kinds, remove_kinds)]
