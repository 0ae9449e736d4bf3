"""Jurisdictions and their institution caps: reference data, read-only here."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from units.models import InstitutionCap, Jurisdiction


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
