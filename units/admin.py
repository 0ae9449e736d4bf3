"""The office's admin screens (in Chinese): departments and institutions as they are today,
reform decisions with their events and attachments, approval with a preview, the audit trail.

Every write goes through ``units.services``; a refused write (``RegistryError``) is shown on
the page it came from, field by field where the problem names one, and nothing is written.
Every screen reads within the user's jurisdictions (``core.admin.RestrictedAdminMixin``).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import RestrictedAdminMixin
from core.errors import RegistryError
from core.restrict import restricted

from . import permissions, selectors, services
from .choices import Category, DecisionStatus, Funding, Rank, UnitKind
from .forms import (
    NEW_UNIT_SLOTS,
    AttachmentForm,
    DecisionForm,
    EventForm,
    UnitRegisterForm,
    with_request,
)
from .models import (
    AuditEntry,
    Decision,
    DecisionAttachment,
    Department,
    Event,
    EventParticipant,
    Institution,
    InstitutionCap,
    Jurisdiction,
    JurisdictionScope,
    NamedUnit,
    Unit,
    UnitVersion,
)
from .projection import ATTRIBUTE_FIELDS

admin.site.site_header = _("机构编制登记 · 管理后台")
admin.site.site_title = _("机构编制登记")
admin.site.index_title = _("改革事项录入与审批")


# ---------------------------------------------------------------------------------------------
# Writes through the services, problems shown on the form
# ---------------------------------------------------------------------------------------------


class ServiceFormAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """A change form whose saves call services. When a service refuses, the transaction is
    rolled back and the same POST is validated again with the problems as form errors."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        return with_request(super().get_form(request, obj, change=change, **kwargs), request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RegistryError as exc:
            request.registry_problems = exc.problems or [{"message": exc.message}]
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RegistryError as exc:  # a problem no form field could hold
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _copy_saved(target, saved) -> None:
    """Make the admin's unsaved instance the object a service created."""
    for name, value in saved.__dict__.items():
        if not name.startswith("_"):
            target.__dict__[name] = value
    target._state.adding = False
    target._state.db = saved._state.db


# ---------------------------------------------------------------------------------------------
# Departments and institutions: the state today, derived from versions
# ---------------------------------------------------------------------------------------------


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
        _copy_saved(obj, unit)

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
        return request.user.has_perm("units.view_unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------
# Decisions, their events and attachments
# ---------------------------------------------------------------------------------------------


def _is_draft(obj) -> bool:
    return obj is None or obj.status == DecisionStatus.DRAFT


def _attribute_fieldset(prefix: str) -> list[str]:
    return [prefix + name for name in ATTRIBUTE_FIELDS]


class EventInline(RestrictedAdminMixin, admin.StackedInline):
    model = Event
    form = EventForm
    extra = 1
    fk_name = "decision"
    classes = ["rr-events"]
    readonly_fields = ["participants_display", "attributes_display"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_request(formset.form, request)
        return formset

    def get_queryset(self, request):
        # Of an event, the units the user reads (an event touching one is shown).
        participants = EventParticipant.objects.restrict(request.user).select_related("unit")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("participants", queryset=participants))
        )

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if _is_draft(obj) and self.has_add_permission(request, obj) else 0

    def get_fieldsets(self, request, obj=None):
        if not (_is_draft(obj) and self.has_change_permission(request, obj)):
            return [
                (
                    None,
                    {
                        "fields": [
                            "key",
                            "type",
                            "effective_on",
                            "participants_display",
                            "attributes_display",
                            "note",
                        ]
                    },
                )
            ]
        sets: list[tuple[Any, dict]] = [
            (None, {"fields": ["key", "type", "effective_on", "sources", "targets", "note"]}),
            (
                _("设定的属性（变更、并入）"),
                {"fields": _attribute_fieldset("set_"), "classes": ["rr-for-change-absorb"]},
            ),
        ]
        for slot in range(1, NEW_UNIT_SLOTS + 1):
            sets.append(
                (
                    gettext("新设机构 %(n)d") % {"n": slot},
                    {
                        "fields": [f"new{slot}_key", f"new{slot}_kind"]
                        + _attribute_fieldset(f"new{slot}_"),
                        "classes": [
                            "rr-for-establish-merge-split" if slot == 1 else "rr-for-split"
                        ],
                    },
                )
            )
        return sets

    def get_readonly_fields(self, request, obj=None):
        if _is_draft(obj) and self.has_change_permission(request, obj):
            return []
        return ["key", "type", "effective_on", "participants_display", "attributes_display", "note"]

    @admin.display(description=_("涉及机构"))
    def participants_display(self, event):
        rows = []
        parts = sorted(event.participants.all(), key=lambda p: (p.role, p.position, p.pk))
        for part in parts:
            label = part.get_role_display()
            if part.creates:
                label = gettext("新设")
                name = (part.attributes or {}).get("name", "")
                rows.append((label, f"{name}（{part.unit.key}）"))
            else:
                rows.append((label, part.unit.key))
        return format_html_join("", "<div>{}：{}</div>", rows) or "—"

    @admin.display(description=_("设定的属性"))
    def attributes_display(self, event):
        if not event.attributes:
            return "—"
        return json.dumps(event.attributes, ensure_ascii=False)

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class AttachmentInline(RestrictedAdminMixin, admin.TabularInline):
    model = DecisionAttachment
    form = AttachmentForm
    extra = 1
    fields = ["title", "file"]

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if _is_draft(obj) and self.has_add_permission(request, obj) else 0

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # Attachments are added or removed, never edited in place.
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if _is_draft(obj) else ["title", "file"]

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class DecisionStatusFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return DecisionStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Decision)
class DecisionAdmin(ServiceFormAdmin):
    form = DecisionForm
    inlines = [EventInline, AttachmentInline]
    change_form_template = "admin/units/decision/change_form.html"
    list_display = [
        "number",
        "title",
        "issued_on",
        "status",
        "event_count",
        "approved_by",
        "approved_at",
    ]
    list_filter = [DecisionStatusFilter, "issued_on"]
    search_fields = ["number", "title", "issuer"]
    date_hierarchy = "issued_on"
    actions = ["delete_drafts"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=Count("events"))

    @admin.display(description=_("事项数"), ordering="event_count")
    def event_count(self, obj):
        return obj.event_count

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return [
                "number",
                "title",
                "issuer",
                "issued_on",
                "status",
                "created_by",
                "approved_by",
                "approved_at",
                "revoked_by",
                "revoked_at",
            ]
        return ["number", "title", "issuer", "issued_on", "revision"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        return []

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.has_perm("units.delete_decision"):
            actions.pop("delete_drafts", None)
        return actions

    # -- writes ----------------------------------------------------------------------------

    def _revision(self, request) -> int | None:
        """The revision the user edited, for the first write of this save only."""
        revision = getattr(request, "_decision_revision", None)
        request._decision_revision = None
        return revision

    def save_model(self, request, obj, form, change):
        header = {k: form.cleaned_data[k] for k in ("number", "title", "issuer", "issued_on")}
        if not change:
            decision = services.decision_create(user=request.user, **header)
            _copy_saved(obj, decision)
            request._decision_revision = None
            return
        request._decision_revision = form.cleaned_data.get("revision")
        changed = {k: v for k, v in header.items() if k in form.changed_data}
        if changed:
            services.decision_update(
                decision=obj, revision=self._revision(request), user=request.user, **changed
            )

    def save_related(self, request, form, formsets, change):
        request.registry_event_keys = {
            f.event_key() for fs in formsets if fs.model is Event for f in fs.forms
        }
        super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        decision = form.instance
        user = request.user
        # The services wrote and audited each row; the admin's change message lists none.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is Event:
            for event_form in formset.deleted_forms:
                if event_form.instance.pk:
                    services.event_delete(
                        event=event_form.instance, revision=self._revision(request), user=user
                    )
            for event_form in formset.forms:
                if event_form in formset.deleted_forms or not event_form.has_changed():
                    continue
                data = event_form.cleaned_data
                values = {
                    "type": data["type"],
                    "effective_on": data["effective_on"],
                    "sources": list(data.get("sources") or []),
                    "targets": list(data.get("targets") or []),
                    "new_units": None
                    if event_form.new_units() is None
                    else [
                        services.NewUnit(key, kind, attrs)
                        for key, kind, attrs in event_form.new_units()
                    ],
                    "attributes": event_form.set_attributes(),
                    "note": data.get("note") or "",
                }
                if event_form.instance.pk:
                    services.event_update(
                        event=event_form.instance,
                        revision=self._revision(request),
                        user=user,
                        **values,
                    )
                else:
                    services.event_create(
                        decision=decision,
                        key=data["key"],
                        revision=self._revision(request),
                        user=user,
                        **values,
                    )
        elif formset.model is DecisionAttachment:
            for attachment_form in formset.deleted_forms:
                if attachment_form.instance.pk:
                    services.attachment_delete(attachment=attachment_form.instance, user=user)
            for attachment_form in formset.forms:
                if attachment_form in formset.deleted_forms:
                    continue
                if attachment_form.instance.pk is None and attachment_form.has_changed():
                    data = attachment_form.cleaned_data
                    if data.get("file"):
                        services.attachment_add(
                            decision=decision,
                            title=data.get("title") or "",
                            file=data["file"],
                            user=user,
                        )

    def delete_model(self, request, obj):
        services.decision_delete(decision=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for decision in queryset:
                services.decision_delete(decision=decision, user=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except RegistryError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:units_decision_change", args=[object_id]))

    @admin.action(description=_("删除所选草稿决定"), permissions=["delete"])
    def delete_drafts(self, request, queryset):
        try:
            self.delete_queryset(request, queryset)
        except RegistryError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, gettext("已删除所选草稿决定。"), messages.SUCCESS)

    # -- approval --------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name=f"{info[0]}_{info[1]}_approve",
            ),
            path(
                "<path:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name=f"{info[0]}_{info[1]}_revoke",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and permissions.can_approve(request.user):
            extra["can_approve"] = obj.status == DecisionStatus.DRAFT
            extra["can_revoke"] = obj.status == DecisionStatus.APPROVED
        extra["decision_obj"] = obj
        return super().change_view(request, object_id, form_url, extra)

    def _decision_for_approval(self, request, object_id) -> Decision:
        if not permissions.can_approve(request.user):
            raise PermissionDenied
        decision = self.get_object(request, object_id)
        if decision is None:
            raise Http404(gettext("决定不存在或不在您的管辖范围内。"))
        try:  # the preview names every unit the decision touches: all must be the user's
            permissions.check_decisions_in_scope(request.user, [decision])
        except permissions.NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        return decision

    def _approval_page(self, request, decision, *, revoke: bool, problems=None):
        preview = selectors.decision_preview(decision, revoke=revoke)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": (gettext("撤回决定") if revoke else gettext("批准决定"))
            + " "
            + decision.number,
            "decision": decision,
            "preview": preview,
            "revoke": revoke,
            "problems": problems if problems is not None else preview.problems,
            "can_submit": decision.status
            == (DecisionStatus.APPROVED if revoke else DecisionStatus.DRAFT),
            "change_url": reverse("admin:units_decision_change", args=[decision.pk]),
        }
        return TemplateResponse(request, "admin/units/decision/approve.html", context)

    def approve_view(self, request, object_id):
        decision = self._decision_for_approval(request, object_id)
        if request.method == "POST":
            try:
                services.decision_approve(decision=decision, user=request.user)
            except RegistryError as exc:
                decision.refresh_from_db()
                return self._approval_page(request, decision, revoke=False, problems=exc.problems)
            self.message_user(
                request, gettext("决定 %(n)s 已批准。") % {"n": decision.number}, messages.SUCCESS
            )
            return HttpResponseRedirect(reverse("admin:units_decision_change", args=[decision.pk]))
        return self._approval_page(request, decision, revoke=False)

    def revoke_view(self, request, object_id):
        decision = self._decision_for_approval(request, object_id)
        if request.method == "POST":
            try:
                services.decision_revoke(decision=decision, user=request.user)
            except RegistryError as exc:
                decision.refresh_from_db()
                return self._approval_page(request, decision, revoke=True, problems=exc.problems)
            self.message_user(
                request, gettext("决定 %(n)s 已撤回。") % {"n": decision.number}, messages.SUCCESS
            )
            return HttpResponseRedirect(reverse("admin:units_decision_change", args=[decision.pk]))
        return self._approval_page(request, decision, revoke=True)


# ---------------------------------------------------------------------------------------------
# Reference data, scopes and the audit trail (read-only here)
# ---------------------------------------------------------------------------------------------


class ReadOnlyAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Jurisdiction)
class JurisdictionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(InstitutionCap)
class InstitutionCapAdmin(ReadOnlyAdmin):
    list_display = ["jurisdiction", "valid_from", "cap", "decision"]
    list_select_related = ["jurisdiction", "decision"]


@admin.register(JurisdictionScope)
class JurisdictionScopeAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Which users are limited to which jurisdictions; granted and withdrawn with an audit row."""

    list_display = ["user", "jurisdiction"]
    list_select_related = ["user", "jurisdiction"]
    search_fields = ["user__username", "jurisdiction__name", "jurisdiction__code"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        scope = permissions.scope_grant(user=obj.user, jurisdiction=obj.jurisdiction)
        _copy_saved(obj, scope)

    def delete_model(self, request, obj):
        permissions.scope_revoke(scope=obj)

    def delete_queryset(self, request, queryset):
        for scope in queryset:
            permissions.scope_revoke(scope=scope)


class AuditActionFilter(admin.SimpleListFilter):
    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return [(a, a) for a in sorted(actions)]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditObjectFilter(admin.SimpleListFilter):
    title = _("对象类型")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
        return [(t, t) for t in sorted(types)]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


class ActorKindFilter(admin.SimpleListFilter):
    title = _("操作来源")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [("user", _("用户")), ("command", _("命令"))]

    def queryset(self, request, queryset):
        if self.value() == "user":
            return queryset.filter(user__isnull=False)
        if self.value() == "command":
            return queryset.filter(Q(user__isnull=True))
        return queryset


_AUDIT_ENTRY_FIELDS: list[str] = [
    "at",
    "user",
    "actor",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before_display",
    "after_display",
]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail: readable, never added, changed or deleted here (superusers included)."""

    list_display = ["at", "actor", "action", "object_type", "object_repr", "request_id"]
    list_filter = [AuditActionFilter, AuditObjectFilter, ActorKindFilter, "at"]
    search_fields = ["actor", "object_repr", "object_id", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    fields = list(_AUDIT_ENTRY_FIELDS)
    readonly_fields = _AUDIT_ENTRY_FIELDS
    actions = None

    @admin.display(description=_("修改前"))
    def before_display(self, obj):
        return self._json(obj.before)

    @admin.display(description=_("修改后"))
    def after_display(self, obj):
        return self._json(obj.after)

    @staticmethod
    def _json(value):
        if value is None:
            return "—"
        return format_html(
            "<pre style='white-space:pre-wrap'>{}</pre>",
            json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True),
        )

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (
            request.user.is_superuser or request.user.has_perm("units.view_auditentry")
        )


__all__ = [
    "AuditEntryAdmin",
    "DecisionAdmin",
    "DepartmentAdmin",
    "InstitutionAdmin",
]
