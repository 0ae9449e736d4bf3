"""FilterSets of the staffing ledger: accounts (balances), transfers, headcount reports."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.dates import ISODateFilter
from units.filtersets import (
    BooleanFilter,
    DecisionNumberFilter,
    DivisionCodeFilter,
    IntegerFilter,
    RegistryFilterSet,
    UnitKeyFilter,
)
from units.models import Event, Jurisdiction, Unit
from units.selectors import versions_on

from .choices import AccountType, QuotaKindCode, TransferReason
from .models import Account, HeadcountReport, Transfer
from .rules import MAX_AMOUNT


class AccountFilterSet(RegistryFilterSet):
    """Which accounts to show balances of; the date is ``as_of`` (default today)."""

    as_of = ISODateFilter(
        method="filter_nothing", help_text=_("余额日期（YYYY-MM-DD），默认今天。")
    )
    kind = filters.ChoiceFilter(
        choices=QuotaKindCode.choices,
        method="filter_nothing",
        help_text=_("只给出该编制类型的余额。"),
    )
    type = filters.ChoiceFilter(choices=AccountType.choices, help_text=_("账户类型。"))
    unit = UnitKeyFilter(help_text=_("机构标识。"))
    jurisdiction = DivisionCodeFilter(
        method="filter_jurisdiction",
        help_text=_("行政区划代码：该行政区划的周转池及当日属于它的机构。"),
    )

    class Meta:
        model = Account
        fields = ["as_of", "kind", "type", "unit", "jurisdiction"]

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_jurisdiction(self, queryset: QuerySet, name: str, value: Jurisdiction) -> QuerySet:
        on = self.form.cleaned_data.get("as_of")
        units = versions_on(on).filter(jurisdiction=value).values("unit_id")
        return queryset.filter(Q(jurisdiction=value) | Q(unit_id__in=units))


class TransferFilterSet(RegistryFilterSet):
    kind = filters.ChoiceFilter(choices=QuotaKindCode.choices, help_text=_("编制类型。"))
    reason = filters.ChoiceFilter(choices=TransferReason.choices, help_text=_("事由。"))
    decision = DecisionNumberFilter(help_text=_("依据文件文号。"))
    event = UnitKeyFilter(queryset=Event.objects.all(), help_text=_("改革事项标识。"))
    unit = UnitKeyFilter(method="filter_unit", help_text=_("转出或转入该机构。"))
    pool = DivisionCodeFilter(method="filter_pool", help_text=_("转出或转入该行政区划的周转池。"))
    date_from = ISODateFilter(field_name="date", lookup_expr="gte", help_text=_("不早于。"))
    date_to = ISODateFilter(field_name="date", lookup_expr="lte", help_text=_("不晚于。"))
    amount_min = IntegerFilter(
        field_name="amount", lookup_expr="gte", max_value=MAX_AMOUNT, help_text=_("数量不少于。")
    )
    amount_max = IntegerFilter(
        field_name="amount", lookup_expr="lte", max_value=MAX_AMOUNT, help_text=_("数量不多于。")
    )
    campaign = IntegerFilter(min_value=1, help_text=_("编制收回批次的编号。"))
    reverses = IntegerFilter(min_value=1, help_text=_("所冲回划转的编号。"))
    derived = BooleanFilter(help_text=_("是否由事项推导的默认划转。"))
    planned = BooleanFilter(help_text=_("是否待批准（尚未计入余额）。"))

    class Meta:
        model = Transfer
        fields = [
            "kind",
            "reason",
            "decision",
            "event",
            "unit",
            "pool",
            "date_from",
            "date_to",
            "amount_min",
            "amount_max",
            "campaign",
            "reverses",
            "derived",
            "planned",
        ]

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.filter(Q(from_account__unit=value) | Q(to_account__unit=value))

    def filter_pool(self, queryset: QuerySet, name: str, value: Jurisdiction) -> QuerySet:
        pool = Q(type=AccountType.POOL, jurisdiction=value)
        ids = Account.objects.filter(pool).values("id")
        return queryset.filter(Q(from_account__in=ids) | Q(to_account__in=ids))


class HeadcountFilterSet(RegistryFilterSet):
    unit = UnitKeyFilter(help_text=_("机构标识。"))
    kind = filters.ChoiceFilter(choices=QuotaKindCode.choices, help_text=_("编制类型。"))
    as_of_from = ISODateFilter(field_name="as_of", lookup_expr="gte", help_text=_("不早于。"))
    as_of_to = ISODateFilter(field_name="as_of", lookup_expr="lte", help_text=_("不晚于。"))
    actual_min = IntegerFilter(
        field_name="actual",
        lookup_expr="gte",
        max_value=MAX_AMOUNT,
        help_text=_("实有人数不少于。"),
    )
    actual_max = IntegerFilter(
        field_name="actual",
        lookup_expr="lte",
        max_value=MAX_AMOUNT,
        help_text=_("实有人数不多于。"),
    )
    source = filters.CharFilter(help_text=_("来源系统（精确）。"))

    class Meta:
        model = HeadcountReport
        fields = ["unit", "kind", "as_of_from", "as_of_to", "actual_min", "actual_max", "source"]
