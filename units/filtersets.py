"""FilterSets of the registry core: one per model, names as in DESIGN §2.

A bad value (unknown code, unknown jurisdiction or unit key, bad date) makes the filter set
invalid, and the API answers 400 naming the parameter.
"""

from __future__ import annotations

import copy

import django_filters as filters
from django import forms
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.dates import InvalidDate, ISODateFilter

from . import selectors
from .choices import (
    Category,
    DecisionStatus,
    EventType,
    Funding,
    JurisdictionLevel,
    Rank,
    UnitKind,
)
from .models import Decision, Event, Jurisdiction, Unit, UnitVersion


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is an error, not silently ignored."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise forms.ValidationError(_("应为 true 或 false。"), code="invalid")


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class RegistryFilterSet(filters.FilterSet):
    """A typed parameter given empty (``?as_of=``) is an error, not silently ignored."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's own __init__ deep-copies every declared filter (and the querysets
        # they hold) for each request, which costs more than a page of the unit list's SQL. A
        # filter keeps no per-request state but its model and parent, set here, and the form
        # field it builds lazily on the copy; a shallow copy of each filter is enough.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(declared) for name, declared in self.base_filters.items()}
        for declared in self.filters.values():
            declared.model = queryset.model
            declared.parent = self
            if declared.method is not None:
                declared.method = declared.method  # rebinds the FilterMethod to this copy

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, declared in self.filters.items():
            typed = isinstance(
                declared,
                filters.DateFilter | filters.NumberFilter | filters.ChoiceFilter | BooleanFilter,
            ) and not isinstance(declared, filters.ModelChoiceFilter)
            if typed and name in self.data and str(self.data.get(name)).strip() == "":
                if name not in self.form.errors:
                    empty = isinstance(declared, filters.DateFilter)
                    self.form.add_error(name, InvalidDate("").message if empty else _("不能为空。"))
                valid = False
        return valid


class JurisdictionFilterSet(RegistryFilterSet):
    level = filters.ChoiceFilter(choices=JurisdictionLevel.choices, help_text=_("层级。"))
    parent = filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.all(),
        to_field_name="code",
        help_text=_("上级行政区划代码（6位）。"),
    )
    name = filters.CharFilter(lookup_expr="icontains", help_text=_("名称包含。"))

    class Meta:
        model = Jurisdiction
        fields = ["level", "parent", "name"]


class UnitFilterSet(RegistryFilterSet):
    """Filters of the unit list; the list shows each unit's version in force on ``as_of``."""

    as_of = ISODateFilter(
        method="filter_nothing",
        help_text=_("查询日期（YYYY-MM-DD），默认今天：列出该日存续的机构及其当日状态。"),
    )
    key = filters.CharFilter(field_name="unit__key", help_text=_("机构标识（精确）。"))
    kind = filters.ChoiceFilter(choices=UnitKind.choices, help_text=_("机构类别。"))
    name = filters.CharFilter(lookup_expr="icontains", help_text=_("当日名称包含。"))
    short_name = filters.CharFilter(lookup_expr="icontains", help_text=_("当日简称包含。"))
    credit_code = filters.CharFilter(help_text=_("统一社会信用代码（精确）。"))
    jurisdiction = filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.all(),
        to_field_name="code",
        method="filter_jurisdiction",
        help_text=_("行政区划代码（6位）。"),
    )
    subdivisions = BooleanFilter(
        method="filter_nothing",
        help_text=_("与 jurisdiction 同用：true 时包含其下级行政区划。"),
    )
    parent = filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        to_field_name="key",
        help_text=_("主管部门的机构标识。"),
    )
    category = filters.ChoiceFilter(choices=Category.choices, help_text=_("事业单位类别。"))
    rank = filters.ChoiceFilter(choices=Rank.choices, help_text=_("机构规格。"))
    funding = filters.ChoiceFilter(choices=Funding.choices, help_text=_("经费形式。"))
    sector = filters.CharFilter(help_text=_("行业领域（精确）。"))
    business_functions = BooleanFilter(help_text=_("有经营职能。"))
    market_replaceable = BooleanFilter(help_text=_("承担市场可替代职能。"))
    pending_wind_down = BooleanFilter(help_text=_("待消化。"))
    functions = filters.CharFilter(lookup_expr="icontains", help_text=_("主要职能包含。"))
    internal_bodies = IntegerFilter(help_text=_("内设机构数。"))
    internal_bodies_min = IntegerFilter(
        field_name="internal_bodies", lookup_expr="gte", help_text=_("内设机构数不少于。")
    )
    internal_bodies_max = IntegerFilter(
        field_name="internal_bodies", lookup_expr="lte", help_text=_("内设机构数不多于。")
    )
    q = filters.CharFilter(
        method="filter_q", help_text=_("全文检索：现用名或曾用名、简称、标识、信用代码。")
    )

    class Meta:
        model = UnitVersion
        fields: list[str] = []

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_jurisdiction(self, queryset: QuerySet, name: str, value: Jurisdiction) -> QuerySet:
        if self.form.cleaned_data.get("subdivisions"):
            ids = selectors.jurisdiction_ids(value, subdivisions=True)
            return queryset.filter(jurisdiction_id__in=ids)
        return queryset.filter(jurisdiction=value)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        return queryset.filter(unit_id__in=selectors.units_matching(value).values("id"))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        on = self.form.cleaned_data.get("as_of") or selectors.today()
        parent_name = (
            UnitVersion.objects.filter(selectors.active_on(on), unit_id=OuterRef("parent_id"))
            .order_by()
            .values("name")[:1]
        )
        queryset = queryset.filter(selectors.active_on(on)).annotate(
            parent_name=Subquery(parent_name)
        )
        return super().filter_queryset(queryset)


class DecisionFilterSet(RegistryFilterSet):
    number = filters.CharFilter(help_text=_("文号（精确）。"))
    status = filters.ChoiceFilter(choices=DecisionStatus.choices, help_text=_("状态。"))
    issued_from = ISODateFilter(
        field_name="issued_on", lookup_expr="gte", help_text=_("发文日期不早于。")
    )
    issued_to = ISODateFilter(
        field_name="issued_on", lookup_expr="lte", help_text=_("发文日期不晚于。")
    )
    q = filters.CharFilter(method="filter_q", help_text=_("文号或标题包含。"))

    class Meta:
        model = Decision
        fields = ["number", "status", "issued_from", "issued_to", "q"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from django.db.models import Q

        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))


class EventFilterSet(RegistryFilterSet):
    type = filters.ChoiceFilter(choices=EventType.choices, help_text=_("事项类型。"))
    decision = filters.ModelChoiceFilter(
        queryset=Decision.objects.all(), to_field_name="number", help_text=_("决定文号。")
    )
    unit = filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        to_field_name="key",
        method="filter_unit",
        help_text=_("涉及的机构标识（来源或目标）。"),
    )
    effective_from = ISODateFilter(
        field_name="effective_on", lookup_expr="gte", help_text=_("生效日期不早于。")
    )
    effective_to = ISODateFilter(
        field_name="effective_on", lookup_expr="lte", help_text=_("生效日期不晚于。")
    )
    status = filters.ChoiceFilter(
        field_name="decision__status",
        choices=DecisionStatus.choices,
        help_text=_("所属决定的状态。"),
    )

    class Meta:
        model = Event
        fields = ["type", "decision", "unit", "effective_from", "effective_to", "status"]

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        from .models import EventParticipant

        return queryset.filter(
            pk__in=EventParticipant.objects.filter(unit=value).values("event_id")
        )
