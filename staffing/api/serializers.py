"""Serializers of the staffing ledger."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.dates import ISODateSerializerField
from units.api.serializers import named_row, unit_key_field
from units.models import Unit

from ..choices import AccountType, QuotaKindCode, TransferReason
from ..models import Account, HeadcountReport, Transfer


def account_label(account: Account) -> str:
    """A unit key, ``pool:CODE`` or ``external`` (as in the workbook)."""
    # Check constraints give unit accounts a unit and pool accounts a jurisdiction.
    if account.type == AccountType.UNIT:
        assert account.unit is not None
        return account.unit.key
    if account.type == AccountType.POOL:
        assert account.jurisdiction is not None
        return f"pool:{account.jurisdiction.code}"
    return "external"


@extend_schema_serializer(description=_("一个账户及其在查询日期各编制类型的余额。"))
class BalanceSerializer(serializers.ModelSerializer):
    """An account and its balance per quota kind on ``as_of``."""

    account = serializers.SerializerMethodField(help_text=_("机构标识、pool:代码 或 external。"))
    type = serializers.ChoiceField(choices=AccountType.choices)
    unit = serializers.CharField(source="unit.key", allow_null=True, default=None)
    jurisdiction = serializers.CharField(
        source="jurisdiction.code",
        allow_null=True,
        default=None,
        help_text=_("周转池所属行政区划代码。"),
    )
    as_of = serializers.SerializerMethodField()
    balances = serializers.SerializerMethodField(
        help_text=_("各编制类型的余额（该日及以前划转之和）。")
    )

    class Meta:
        model = Account
        fields = ["account", "type", "unit", "jurisdiction", "as_of", "balances"]

    def get_account(self, account: Account) -> str:
        return account_label(account)

    @extend_schema_field(serializers.DateField())
    def get_as_of(self, account: Account):
        return self.context["as_of"].isoformat()

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_balances(self, account: Account) -> dict[str, int]:
        rows = self.context["balances"]
        kinds = self.context["kinds"]
        return {kind: rows.get((account.pk, kind), 0) for kind in kinds}


class TransferSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=QuotaKindCode.choices)
    reason = serializers.ChoiceField(choices=TransferReason.choices)
    # The stubs see DRF's own Field.source attribute; declared fields are taken off the class.
    source = serializers.SerializerMethodField(help_text=_("转出账户。"))  # type: ignore[assignment]
    target = serializers.SerializerMethodField(help_text=_("转入账户。"))
    decision = serializers.CharField(source="decision.number", help_text=_("依据文件文号。"))
    event = serializers.CharField(source="event.key", allow_null=True, default=None)
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "date",
            "kind",
            "amount",
            "source",
            "target",
            "decision",
            "event",
            "campaign",
            "reason",
            "derived",
            "planned",
            "reverses",
            "note",
        ]

    def get_source(self, transfer: Transfer) -> str:
        return account_label(transfer.from_account)

    def get_target(self, transfer: Transfer) -> str:
        return account_label(transfer.to_account)


class HeadcountSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.key", help_text=_("机构标识。"))
    kind = serializers.ChoiceField(choices=QuotaKindCode.choices)

    class Meta:
        model = HeadcountReport
        fields = ["id", "unit", "kind", "as_of", "actual", "source", "created_at"]


@extend_schema_serializer(description=_("其他系统报送的一份实有人数；与其他写入一样由服务校验。"))
class HeadcountInputSerializer(serializers.Serializer):
    """A headcount report pushed by another system; the service validates it like every
    other write."""

    unit = unit_key_field(help_text=_("机构标识。"))
    kind = serializers.ChoiceField(choices=QuotaKindCode.choices, default=QuotaKindCode.INSTITUTION)
    as_of = ISODateSerializerField(help_text=_("统计日期（YYYY-MM-DD）。"))
    actual = serializers.IntegerField(min_value=0, max_value=10_000_000, help_text=_("实有人数。"))
    # The stubs see DRF's own Field.source attribute; declared fields are taken off the class.
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=100, required=False, allow_blank=True, default="", help_text=_("来源系统。")
    )

    def validate_unit(self, key: str) -> Unit:
        """The unit of the key (404 naming ``unit`` when none has it): any unit, the
        service refusing (403) one outside the user's jurisdictions."""
        return named_row(Unit.objects.all(), key=key)
