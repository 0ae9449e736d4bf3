"""The search index (DESIGN §6): one row per unit and tier (current or former texts) with the
texts' character n-grams, a text-search vector under a GIN index on PostgreSQL and text under an
FTS5 table on SQLite; filled here from the stored versions."""

import django.db.models.deletion

import units.models
from django.db import migrations, models

from units.services.search import SEARCHED_FIELDS, search_entry_rows

TABLE = "units_unitsearchentry"
FTS = f"{TABLE}_fts"

POSTGRESQL_INDEX = (
    f"CREATE INDEX units_search_grams ON {TABLE} USING gin (grams)",
    "DROP INDEX IF EXISTS units_search_grams",
)
# An FTS5 table over the grams of the index rows (external content: it stores only its
# index), kept by triggers; unicode61 keeps every CJK character and digit as a token's.
SQLITE_INDEX = (
    [
        f'CREATE VIRTUAL TABLE "{FTS}" USING fts5(grams, content="{TABLE}", content_rowid="id")',
        f'CREATE TRIGGER "{FTS}_insert" AFTER INSERT ON "{TABLE}" BEGIN '
        f'INSERT INTO "{FTS}"(rowid, grams) VALUES (new.id, new.grams); END',
        f'CREATE TRIGGER "{FTS}_delete" AFTER DELETE ON "{TABLE}" BEGIN '
        f'INSERT INTO "{FTS}"("{FTS}", rowid, grams) VALUES (\'delete\', old.id, old.grams); END',
        f'CREATE TRIGGER "{FTS}_update" AFTER UPDATE ON "{TABLE}" BEGIN '
        f'INSERT INTO "{FTS}"("{FTS}", rowid, grams) VALUES (\'delete\', old.id, old.grams); '
        f'INSERT INTO "{FTS}"(rowid, grams) VALUES (new.id, new.grams); END',
    ],
    [
        f'DROP TRIGGER IF EXISTS "{FTS}_insert"',
        f'DROP TRIGGER IF EXISTS "{FTS}_delete"',
        f'DROP TRIGGER IF EXISTS "{FTS}_update"',
        f'DROP TABLE IF EXISTS "{FTS}"',
    ],
)


def _run(schema_editor, statements):
    for sql in [statements] if isinstance(statements, str) else statements:
        schema_editor.execute(sql)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_INDEX[0])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_INDEX[0])


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_INDEX[1])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_INDEX[1])


def fill_index(apps, schema_editor):
    Unit = apps.get_model("units", "Unit")
    UnitVersion = apps.get_model("units", "UnitVersion")
    UnitSearchEntry = apps.get_model("units", "UnitSearchEntry")
    keys = dict(Unit.objects.values_list("id", "key"))
    versions = {}
    for row in UnitVersion.objects.order_by("unit_id", "valid_from").values(
        "unit_id", *SEARCHED_FIELDS
    ):
        versions.setdefault(row["unit_id"], []).append(row)
    entries = [
        UnitSearchEntry(unit_id=uid, tier=tier, text=text, grams=grams)
        for unit_id, values in versions.items()
        for uid, tier, text, grams in search_entry_rows(unit_id, keys[unit_id], values)
    ]
    UnitSearchEntry.objects.bulk_create(entries, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0008_decision_number_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitSearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "tier",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "现用名称"), (1, "曾用名称")], verbose_name="层次"
                    ),
                ),
                ("text", models.TextField(verbose_name="检索文本")),
                ("grams", units.models.SearchGramsField(verbose_name="字元")),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_entries",
                        to="units.unit",
                        verbose_name="机构",
                    ),
                ),
            ],
            options={
                "verbose_name": "检索条目",
                "verbose_name_plural": "检索条目",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit", "tier"),
                        name="units_unitsearchentry_once_per_tier",
                        violation_error_message="每个机构每一层次只有一个检索条目。",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("tier__in", [0, 1])),
                        name="units_unitsearchentry_tier_valid",
                        violation_error_message="未知的检索层次。",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(fill_index, migrations.RunPython.noop),
    ]
