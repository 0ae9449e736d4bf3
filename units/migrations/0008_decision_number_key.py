"""Document numbers are compared in one form (brackets, widths and spaces aside): each decision
keeps its number in that form, unique. The stored decisions get theirs here; two stored
decisions whose numbers already share a form (entered before this rule) are both kept, the
later one's form followed by ``#`` and its id, until one of them is renumbered."""

import unicodedata

from django.db import migrations, models

# The rule of units.rules.decision_number_key as it was when this migration was written.
_BRACKETS = str.maketrans(
    {**dict.fromkeys("〔[【(〖〘", "〔"), **dict.fromkeys("〕]】)〗〙", "〕")}
)


def _number_key(number):
    text = unicodedata.normalize("NFKC", number or "").translate(_BRACKETS)
    return "".join(text.split())


def fill_number_keys(apps, schema_editor):
    Decision = apps.get_model("units", "Decision")
    taken = set()
    for decision in Decision.objects.order_by("pk").only("pk", "number"):
        key = _number_key(decision.number)
        if key in taken:
            key = f"{key}#{decision.pk}"
        taken.add(key)
        Decision.objects.filter(pk=decision.pk).update(number_key=key)


class Migration(migrations.Migration):
    dependencies = [("units", "0007_clerks_register_units")]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="number_key",
            field=models.CharField(
                default="", editable=False, max_length=200, verbose_name="文号（比较形式）"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_number_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.UniqueConstraint(
                fields=("number_key",),
                name="units_decision_number_key_unique",
                violation_error_message="已有文号相同的决定（不计括号、全角半角和空格的差别）。",
            ),
        ),
    ]
