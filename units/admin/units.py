"""Departments and institutions as they are today (each by its version in force), their
registration through ``services``, and the lookup the other screens search units with."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import BooleanField, Case, Exists, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import RestrictedAdminMixin
from core.restrict import restricted
from units import roles, selectors, services
from units.choices import Category, DecisionStatus, Funding, Rank, UnitKind
from units.forms import UnitRegisterForm
from units.models import Department, Event, Institution, Jurisdiction, NamedUnit, Unit, UnitVersion
from units.rules import ATTRIBUTE_FIELDS

from .base import ServiceFormAdmin, adopt_saved


def _today_version(field: str) -> Subquery:
    latest = UnitVersion.objects.filter(
        unit=OuterRef("pk"), valid_from__lte=selectors.today()
    ).order_by("-valid_from")
    return Subquery(latest.values(field)[:1])


def _first_version(field: str) -> Subquery:
    return Subquery(
        UnitVersion.objects.filter(unit=OuterRef("pk")).order_by("valid_from").values(field)[:1]
    )


def _active_unit_ids(**filters: Any):
    return selectors.versions_on(selectors.today()).filter(**filters).values("unit_id")


class StatusFilter(admin.SimpleListFilter):
    title = _("存续状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("存续")), ("ended", _("已终止")), ("future", _("尚未成立"))]

    def queryset(self, request, queryset):
        today = selectors.today()
        if self.value() == "active":
            return queryset.filter(pk__in=_active_unit_ids())
        if self.value() == "ended":
            return queryset.filter(
                pk__in=UnitVersion.objects.filter(valid_to__lte=today).values("unit_id")
            ).exclude(pk__in=_active_unit_ids())
        if self.value() == "future":
            return queryset.exclude(
                pk__in=UnitVersion.objects.filter(valid_from__lte=today).values("unit_id")
            )
        return queryset


class _ChoiceFilter(admin.SimpleListFilter):
    """Filters units by an attribute of their version in force today."""

    field = ""
    codes: Any = None

    def lookups(self, request, model_admin):
        return self.codes.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(pk__in=_active_unit_ids(**{self.field: self.value()}))
        return queryset


class CategoryFilter(_ChoiceFilter):
    title = _("事业单位类别")
    parameter_name = "category"
    field = "category"
    codes = Category


class RankFilter(_ChoiceFilter):
    title = _("机构规格")
    parameter_name = "rank"
    field = "rank"
    codes = Rank


class FundingFilter(_ChoiceFilter):
    title = _("经费形式")
    parameter_name = "funding"
    field = "funding"
    codes = Funding


class PendingFilter(admin.SimpleListFilter):
    title = _("待消化")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(pk__in=_active_unit_ids(pending_wind_down=self.value() == "yes"))
        return queryset


class JurisdictionFilter(admin.SimpleListFilter):
    title = _("行政区划")
    parameter_name = "jurisdiction"

    def lookups(self, request, model_admin):
        qs = Jurisdiction.objects.restrict(request.user)
        return [(j.code, str(j)) for j in qs.order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(pk__in=_active_unit_ids(jurisdiction__code=self.value()))
        return queryset


class SupervisorFilter(admin.SimpleListFilter):
    title = _("主管部门")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        departments = selectors.versions_on(selectors.today()).filter(
            kind=UnitKind.DEPARTMENT,
            unit__in=UnitVersion.objects.filter(parent__isnull=False).values("parent_id"),
        )
        departments = restricted(departments, request.user)
        return [
            (key, f"{name}（{key}）")
            for key, name in departments.order_by("name").values_list("unit__key", "name")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(pk__in=_active_unit_ids(parent__key=self.value()))
        return queryset


class UnitScreenAdmin(ServiceFormAdmin):
    """Units of one kind, each shown by its version in force today (or its last one)."""

    kind = ""
    form = UnitRegisterForm
    change_form_template = "admin/units/unit_change_form.html"
    list_display = [
        "display_name",
        "short_name_display",
        "key",
        "status_display",
        "jurisdiction_display",
        "parent_display",
        "credit_code_display",
    ]
    list_filter = [
        StatusFilter,
        JurisdictionFilter,
        SupervisorFilter,
        CategoryFilter,
        RankFilter,
        FundingFilter,
        PendingFilter,
    ]
    search_fields = ["key"]
    search_help_text = _("按现名、曾用名、简称、标识或统一社会信用代码查找")
    list_per_page = 50
    readonly_fields = ["key", "kind", "created_at", "public_page"]

    def get_queryset(self, request):
        parent_name = Subquery(
            UnitVersion.objects.filter(
                unit=OuterRef("parent_id"), valid_from__lte=selectors.today()
            )
            .order_by("-valid_from")
            .values("name")[:1]
        )
        latest = UnitVersion.objects.filter(
            unit=OuterRef("pk"), valid_from__lte=selectors.today()
        ).order_by("-valid_from")
        qs = (
            super()
            .get_queryset(request)
            .annotate(
                current_name=Coalesce(_today_version("name"), _first_version("name")),
                current_short_name=Coalesce(
                    _today_version("short_name"), _first_version("short_name")
                ),
                current_jurisdiction=_today_version("jurisdiction__name"),
                current_parent_key=_today_version("parent__key"),
                current_parent_name=Subquery(
                    latest.annotate(parent_today_name=parent_name).values("parent_today_name")[:1]
                ),
                current_credit_code=_today_version("credit_code"),
                current_valid_from=_today_version("valid_from"),
                current_valid_to=_today_version("valid_to"),
                current_ended=Case(
                    When(current_valid_to__lte=selectors.today(), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                ),
            )
        )
        return qs

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=selectors.units_matching(search_term).values("id")), False

    @admin.display(description=_("名称"), ordering="current_name")
    def display_name(self, obj):
        return obj.current_name or obj.key

    @admin.display(description=_("简称"), ordering="current_short_name")
    def short_name_display(self, obj):
        return obj.current_short_name or "—"

    @admin.display(description=_("状态"))
    def status_display(self, obj):
        if obj.current_valid_from is None:
            return gettext("尚未成立")
        if obj.current_ended:
            return gettext("已终止（%(date)s）") % {"date": obj.current_valid_to.isoformat()}
        return gettext("存续")

    @admin.display(description=_("行政区划"), ordering="current_jurisdiction")
    def jurisdiction_display(self, obj):
        return obj.current_jurisdiction or "—"

    @admin.display(description=_("主管部门"), ordering="current_parent_name")
    def parent_display(self, obj):
        if not obj.current_parent_key:
            return "—"
        return obj.current_parent_name or obj.current_parent_key

    @admin.display(description=_("统一社会信用代码"))
    def credit_code_display(self, obj):
        return obj.current_credit_code or "—"

    @admin.display(description=_("公开页面"))
    def public_page(self, obj):
        url = reverse("units:unit-detail", kwargs={"key": obj.key})
        return format_html('<a href="{}" target="_blank">{}</a>', url, url)

    # Units and versions are never edited here: versions are derived from approved events.
    def has_add_permission(self, request):
        return request.user.has_perm("units.add_unit")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["key", "established_on", *ATTRIBUTE_FIELDS]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        unit = services.unit_register(
            key=form.cleaned_data["key"],
            kind=self.kind,
            established_on=form.cleaned_data["established_on"],
            attributes=form.attributes(),
            user=request.user,
        )
        adopt_saved(obj, unit)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            extra["history"] = selectors.unit_history(unit=obj)
            extra["public_url"] = reverse("units:unit-detail", kwargs={"key": obj.key})
            extra["draft_events"] = list(
                Event.objects.filter(participants__unit=obj, decision__status=DecisionStatus.DRAFT)
                .select_related("decision")
                .distinct()
                .order_by("effective_on")
            )
        return super().change_view(request, object_id, form_url, extra)


@admin.register(Department)
class DepartmentAdmin(UnitScreenAdmin):
    kind = UnitKind.DEPARTMENT
    list_filter = [StatusFilter, JurisdictionFilter, SupervisorFilter, RankFilter, FundingFilter]


@admin.register(Institution)
class InstitutionAdmin(UnitScreenAdmin):
    kind = UnitKind.INSTITUTION


@admin.register(Unit)
class UnitLookupAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Serves the autocomplete of units (sources, targets, supervising units); no screen."""

    search_fields = ["key"]

    def get_model_perms(self, request):
        return {}

    def get_queryset(self, request):
        today = selectors.today()
        versions = UnitVersion.objects.filter(unit=OuterRef("pk"))
        qs = (
            NamedUnit.objects.restrict(request.user)
            .annotate(
                current_name=Coalesce(_today_version("name"), _first_version("name")),
                current_active=Exists(versions.filter(selectors.active_on(today))),
                current_ended=Exists(versions.filter(valid_to__lte=today)),
            )
            .filter(Exists(versions))
            .order_by("-current_active", "key")  # units that exist today first
        )
        return qs

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=selectors.units_matching(search_term).values("id")), False

    def has_view_permission(self, request, obj=None):
        return roles.may_read(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------
# Decisions, their events and attachments
# ---------------------------------------------------------------------------------------------
