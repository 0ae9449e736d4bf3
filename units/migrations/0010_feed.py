"""The outbox of the change feed (DESIGN §9): its entries, the units and jurisdictions each
touches, and the one-row counter that numbers them in commit order (created here at 0)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def create_counter(apps, schema_editor):
    apps.get_model("units", "FeedCounter").objects.get_or_create(pk=1, defaults={"last_seq": 0})


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0009_unit_search_entry"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedCounter",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("last_seq", models.BigIntegerField(default=0, verbose_name="最后序号")),
            ],
            options={
                "verbose_name": "变更序号",
                "verbose_name_plural": "变更序号",
                "ordering": ["id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)),
                        name="units_feedcounter_one_row",
                        violation_error_message="变更序号只有一行。",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="FeedEntry",
            fields=[
                (
                    "seq",
                    models.BigIntegerField(primary_key=True, serialize=False, verbose_name="序号"),
                ),
                (
                    "uid",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, unique=True, verbose_name="标识"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("decision.approved", "决定批准"),
                            ("decision.revoked", "决定撤回"),
                            ("unit.registered", "机构登记"),
                            ("transfer.posted", "编制划转"),
                            ("transfer.reversed", "划转冲正"),
                            ("headcount.reported", "实有人数报告"),
                            ("campaign.applied", "收回行动执行"),
                            ("campaign.reversed", "收回行动冲回"),
                        ],
                        max_length=32,
                        verbose_name="变更类型",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="时间")),
                ("payload", models.JSONField(blank=True, default=dict, verbose_name="内容")),
                (
                    "decision",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="feed_entries",
                        to="units.decision",
                        verbose_name="决定",
                    ),
                ),
            ],
            options={
                "verbose_name": "变更记录",
                "verbose_name_plural": "变更记录",
                "ordering": ["seq"],
            },
        ),
        migrations.CreateModel(
            name="FeedEntryJurisdiction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jurisdiction_links",
                        to="units.feedentry",
                        verbose_name="变更记录",
                    ),
                ),
                (
                    "jurisdiction",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="units.jurisdiction",
                        verbose_name="行政区划",
                    ),
                ),
            ],
            options={
                "verbose_name": "变更涉及行政区划",
                "verbose_name_plural": "变更涉及行政区划",
                "ordering": ["entry", "jurisdiction"],
            },
        ),
        migrations.CreateModel(
            name="FeedEntryUnit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="unit_links",
                        to="units.feedentry",
                        verbose_name="变更记录",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="feed_links",
                        to="units.unit",
                        verbose_name="机构",
                    ),
                ),
            ],
            options={
                "verbose_name": "变更涉及机构",
                "verbose_name_plural": "变更涉及机构",
                "ordering": ["entry", "unit"],
            },
        ),
        migrations.AddConstraint(
            model_name="feedentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("seq__gt", 0)),
                name="units_feedentry_seq_positive",
                violation_error_message="变更序号必须大于零。",
            ),
        ),
        migrations.AddConstraint(
            model_name="feedentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "decision.approved",
                            "decision.revoked",
                            "unit.registered",
                            "transfer.posted",
                            "transfer.reversed",
                            "headcount.reported",
                            "campaign.applied",
                            "campaign.reversed",
                        ],
                    )
                ),
                name="units_feedentry_kind_valid",
                violation_error_message="未知的变更类型。",
            ),
        ),
        migrations.AddIndex(
            model_name="feedentryjurisdiction",
            index=models.Index(
                fields=["jurisdiction", "entry"], name="units_feed_jurisdiction_entry"
            ),
        ),
        migrations.AddConstraint(
            model_name="feedentryjurisdiction",
            constraint=models.UniqueConstraint(
                fields=("entry", "jurisdiction"),
                name="units_feedentryjurisdiction_once_per_entry",
                violation_error_message="同一行政区划在一条变更记录中只出现一次。",
            ),
        ),
        migrations.AddIndex(
            model_name="feedentryunit",
            index=models.Index(fields=["unit", "entry"], name="units_feed_unit_entry"),
        ),
        migrations.AddConstraint(
            model_name="feedentryunit",
            constraint=models.UniqueConstraint(
                fields=("entry", "unit"),
                name="units_feedentryunit_once_per_entry",
                violation_error_message="同一机构在一条变更记录中只出现一次。",
            ),
        ),
        migrations.RunPython(create_counter, migrations.RunPython.noop),
    ]
