"""The audit trail: readable, never added, changed or deleted here (superusers included)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from units.audit import AUDIT_COLUMNS
from units.models import AuditEntry


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


# The columns of an audit row, in their order, with the before and after values shown readably.
_AUDIT_ENTRY_FIELDS: list[str] = [
    f"{column}_display" if column in ("before", "after") else column for column in AUDIT_COLUMNS
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
