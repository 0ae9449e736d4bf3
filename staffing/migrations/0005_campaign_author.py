"""A recovery campaign names who previewed it (its author may discard the preview); campaigns
stored before are given the user of their preview's audit row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def authors_from_the_audit_trail(apps, schema_editor):
    RecoveryCampaign = apps.get_model("staffing", "RecoveryCampaign")
    AuditEntry = apps.get_model("units", "AuditEntry")
    previews = AuditEntry.objects.filter(
        action="preview", object_type="staffing.recoverycampaign", user__isnull=False
    )
    for object_id, user_id in previews.values_list("object_id", "user_id").iterator():
        if object_id.isdigit():
            RecoveryCampaign.objects.filter(pk=int(object_id), created_by__isnull=True).update(
                created_by_id=user_id
            )


class Migration(migrations.Migration):

    dependencies = [
        ('staffing', '0004_transfers_of_deleted_drafts'),
        ('units', '0007_clerks_register_units'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='recoverycampaign',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人'),
        ),
        migrations.RunPython(authors_from_the_audit_trail, migrations.RunPython.noop),
    ]
