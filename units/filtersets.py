"""FilterSets of the registry core: one per model, names as in DESIGN §2.

A bad value (unknown code, unknown jurisdiction or unit key, bad date) or an unknown parameter
name makes the filter set invalid: the API answers 400 naming the parameter, a page says so.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField
from drf_spectacular.drainage import set_override

from core.api import NOT_FOUND, UNKNOWN, unknown_parameter_message
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
from .models import Decision, Event, EventParticipant, Jurisdiction, Unit, UnitVersion
from .rules import DIVISION_CODE_FORMAT, UNIT_KEY_FORMAT
from .selectors import search


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


def declare(filter_: filters.Filter, **schema: Any) -> None:
    """Declare the OpenAPI schema of a filter's parameter: the constraints it keeps, with its
    help text as the description."""
    help_text = filter_.extra.get("help_text")
    set_override(filter_, "field", {**schema, **({"description": help_text} if help_text else {})})


# The largest value an id can have (a signed 64-bit integer), and a count (a positive
# integer field, on every engine).
MAX_ID = 2**63 - 1
MAX_COUNT = 2**31 - 1


class IntegerFilter(filters.NumberFilter):
    """An integer from ``min_value`` to ``max_value``; another value is refused, saying so."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int = 0, max_value: int = MAX_ID, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        declare(self, type="integer", minimum=min_value, maximum=max_value)


CHOICE_ERRORS = {"invalid_choice": _("“%(value)s”不是可选的值。")}


class ChoiceFilter(filters.ChoiceFilter):
    """A code; an unknown one is refused with the value it was given."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", CHOICE_ERRORS)
        super().__init__(*args, **kwargs)


class ReferenceField(ModelChoiceField):
    """A form field naming a row by its key: a value of the wrong form is invalid (400), a
    well-formed one that names no row the user may read is not found (404)."""

    def __init__(self, *args, pattern: str | None = None, max_length: int = 100, **kwargs):
        self.pattern = pattern
        self.max_length = max_length
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value)
        malformed = self.pattern and not re.fullmatch(self.pattern, text)
        if len(text) > self.max_length or "\x00" in text or malformed:
            raise forms.ValidationError(
                _("“%(value)s”的格式不对。"), code="invalid", params={"value": text[:40]}
            )
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if exc.code != "invalid_choice":
                raise
            raise forms.ValidationError(
                exc.message, code=NOT_FOUND, params={"value": text[:40]}
            ) from None


class ModelChoiceFilter(filters.ModelChoiceFilter):
    """A key (division code, unit key, decision number): one of the wrong form is refused
    (400), an unknown one is not found (404), each with the value it was given. The schema
    declares the form (``pattern``, at most ``max_length`` characters; empty means not given)."""

    field_class = ReferenceField

    def __init__(self, *args, pattern: str | None = None, max_length: int = 100, **kwargs):
        kwargs.setdefault("error_messages", CHOICE_ERRORS)
        super().__init__(*args, pattern=pattern, max_length=max_length, **kwargs)
        schema: dict[str, Any] = {"type": "string", "maxLength": max_length}
        if pattern:
            # Empty means the filter is not given.
            schema["pattern"] = f"^(?:{pattern.removeprefix('^').removesuffix('$')})?$"
        declare(self, **schema)


class DivisionCodeFilter(ModelChoiceFilter):
    """A jurisdiction by its six-digit division code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Jurisdiction.objects.all())
        super().__init__(
            *args, to_field_name="code", pattern=DIVISION_CODE_FORMAT, max_length=6, **kwargs
        )


class UnitKeyFilter(ModelChoiceFilter):
    """A unit (or an event) by its key."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.all())
        super().__init__(*args, to_field_name="key", pattern=UNIT_KEY_FORMAT, **kwargs)


class DecisionNumberFilter(ModelChoiceFilter):
    """A decision by its document number."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Decision.objects.all())
        super().__init__(*args, to_field_name="number", **kwargs)


class RegistryFilterSet(filters.FilterSet):
    """A typed parameter given empty (``?as_of=``) is an error, not silently ignored, and so is
    a parameter of unknown name. ``parameters`` names those the surface reads itself (a
    page number, a format), which are known too."""

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        parameters: Collection[str] = (),
    ):
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
        self.parameters = frozenset(parameters)
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
        known = sorted({*self.filters, *self.parameters})
        for name in self.data:
            if name not in known:
                # The message as a parameter: the name may hold a "%".
                unknown = forms.ValidationError(
                    "%(message)s",
                    code=UNKNOWN,
                    params={"message": unknown_parameter_message(name, known)},
                )
                self.form.errors[name] = self.form.error_class([unknown])
                valid = False
        return valid


class JurisdictionFilterSet(RegistryFilterSet):
    code = filters.CharFilter(help_text=_("行政区划代码（精确）。"))
    level = ChoiceFilter(choices=JurisdictionLevel.choices, help_text=_("层级。"))
    parent = DivisionCodeFilter(help_text=_("上级行政区划代码（6位）。"))
    name = filters.CharFilter(lookup_expr="icontains", help_text=_("名称包含。"))

    class Meta:
        model = Jurisdiction
        fields = ["code", "level", "parent", "name"]


UNIT_STATUS_CHOICES = [
    ("active", _("存续")),
    ("ended", _("已撤销或终止")),
    ("all", _("全部")),
]


class UnitFilterSet(RegistryFilterSet):
    """The one set of filters of the unit list, on the API and the pages alike (DESIGN §6):
    every field of DESIGN §2 under its name. The list shows one version of each unit, by
    ``status`` on ``as_of``: the version in force (default), or the last one of a unit that
    has ended."""

    as_of = ISODateFilter(
        method="filter_nothing",
        label=_("查询日期"),
        help_text=_("查询日期（YYYY-MM-DD），默认今天：列出该日存续的机构及其当日状态。"),
    )
    status = ChoiceFilter(
        choices=UNIT_STATUS_CHOICES,
        method="filter_nothing",
        label=_("状态"),
        help_text=_(
            "active（默认）：当日存续的机构；ended：当日已终止的机构，显示其最后状态；all：两者。"
        ),
    )
    key = filters.CharFilter(
        field_name="unit__key", label=_("机构标识"), help_text=_("机构标识（精确）。")
    )
    kind = ChoiceFilter(choices=UnitKind.choices, label=_("类别"), help_text=_("机构类别。"))
    name = filters.CharFilter(
        lookup_expr="icontains", label=_("名称"), help_text=_("当日名称包含。")
    )
    short_name = filters.CharFilter(
        lookup_expr="icontains", label=_("简称"), help_text=_("当日简称包含。")
    )
    credit_code = filters.CharFilter(
        label=_("统一社会信用代码"), help_text=_("统一社会信用代码（精确）。")
    )
    jurisdiction = DivisionCodeFilter(
        method="filter_jurisdiction",
        label=_("行政区划"),
        help_text=_("行政区划代码（6位）。"),
    )
    subdivisions = BooleanFilter(
        method="filter_nothing",
        label=_("含下级行政区划"),
        help_text=_("与 jurisdiction 同用：true 时包含其下级行政区划。"),
    )
    parent = UnitKeyFilter(label=_("主管部门"), help_text=_("主管部门的机构标识。"))
    category = ChoiceFilter(
        choices=Category.choices, label=_("事业单位类别"), help_text=_("事业单位类别。")
    )
    rank = ChoiceFilter(choices=Rank.choices, label=_("机构规格"), help_text=_("机构规格。"))
    funding = ChoiceFilter(choices=Funding.choices, label=_("经费形式"), help_text=_("经费形式。"))
    sector = filters.CharFilter(label=_("行业领域"), help_text=_("行业领域（精确）。"))
    business_functions = BooleanFilter(label=_("有经营职能"), help_text=_("有经营职能。"))
    market_replaceable = BooleanFilter(
        label=_("承担市场可替代职能"), help_text=_("承担市场可替代职能。")
    )
    pending_wind_down = BooleanFilter(label=_("待消化"), help_text=_("待消化。"))
    functions = filters.CharFilter(
        lookup_expr="icontains", label=_("主要职能"), help_text=_("主要职能包含。")
    )
    internal_bodies = IntegerFilter(
        max_value=MAX_COUNT, label=_("内设机构数"), help_text=_("内设机构数。")
    )
    internal_bodies_min = IntegerFilter(
        field_name="internal_bodies",
        lookup_expr="gte",
        max_value=MAX_COUNT,
        label=_("内设机构数下限"),
        help_text=_("内设机构数不少于。"),
    )
    internal_bodies_max = IntegerFilter(
        field_name="internal_bodies",
        lookup_expr="lte",
        max_value=MAX_COUNT,
        label=_("内设机构数上限"),
        help_text=_("内设机构数不多于。"),
    )
    q = filters.CharFilter(
        method="filter_q",
        label=_("检索"),
        help_text=_("全文检索：现用名或曾用名、简称、标识、信用代码。"),
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
        found = queryset.filter(unit_id__in=search.matching_unit_ids(value))
        return found.alias(search_rank=search.search_rank(value)).order_by(
            "search_rank", "unit__key"
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        on = self.form.cleaned_data.get("as_of") or selectors.today()
        status = self.form.cleaned_data.get("status") or UNIT_STATUS_CHOICES[0][0]
        parent_name = (
            UnitVersion.objects.filter(selectors.active_on(on), unit_id=OuterRef("parent_id"))
            .order_by()
            .values("name")[:1]
        )
        queryset = queryset.filter(selectors.unit_status_on(on, status)).annotate(
            parent_name=Subquery(parent_name)
        )
        return super().filter_queryset(queryset)


class DecisionFilterSet(RegistryFilterSet):
    number = filters.CharFilter(help_text=_("文号（精确）。"))
    title = filters.CharFilter(lookup_expr="icontains", help_text=_("标题包含。"))
    issuer = filters.CharFilter(lookup_expr="icontains", help_text=_("发文机关包含。"))
    status = ChoiceFilter(choices=DecisionStatus.choices, help_text=_("状态。"))
    issued_from = ISODateFilter(
        field_name="issued_on", lookup_expr="gte", help_text=_("发文日期不早于。")
    )
    issued_to = ISODateFilter(
        field_name="issued_on", lookup_expr="lte", help_text=_("发文日期不晚于。")
    )
    q = filters.CharFilter(method="filter_q", help_text=_("文号或标题包含。"))

    class Meta:
        model = Decision
        fields = ["number", "title", "issuer", "status", "issued_from", "issued_to", "q"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))


class EventFilterSet(RegistryFilterSet):
    key = filters.CharFilter(help_text=_("事项标识（精确）。"))
    type = ChoiceFilter(choices=EventType.choices, help_text=_("事项类型。"))
    decision = DecisionNumberFilter(help_text=_("决定文号。"))
    unit = UnitKeyFilter(method="filter_unit", help_text=_("涉及的机构标识（来源或目标）。"))
    effective_from = ISODateFilter(
        field_name="effective_on", lookup_expr="gte", help_text=_("生效日期不早于。")
    )
    effective_to = ISODateFilter(
        field_name="effective_on", lookup_expr="lte", help_text=_("生效日期不晚于。")
    )
    status = ChoiceFilter(
        field_name="decision__status",
        choices=DecisionStatus.choices,
        help_text=_("所属决定的状态。"),
    )

    class Meta:
        model = Event
        fields = ["key", "type", "decision", "unit", "effective_from", "effective_to", "status"]

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.filter(
            pk__in=EventParticipant.objects.filter(unit=value).values("event_id")
        )
