"""Jurisdiction scopes: which users are limited to which jurisdictions, granted and withdrawn
through ``units.permissions`` with an audit row."""

from __future__ import annotations

from django.contrib import admin

from core.admin import RestrictedAdminMixin
from units import permissions
from units.models import JurisdictionScope

from .base import adopt_saved


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
        adopt_saved(obj, scope)

    def delete_model(self, request, obj):
        permissions.scope_revoke(scope=obj)

    def delete_queryset(self, request, queryset):
        for scope in queryset:
            permissions.scope_revoke(scope=scope)
