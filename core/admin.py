"""The read policy in the admin: screens, their forms and the site's own lookups read only what
the user may read (``core.restrict``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.urls import URLPattern, path

from .restrict import RestrictedQuerySet, restrict_field, visible_among


class RestrictedAdminMixin:
    """For a ModelAdmin or an inline: its list, change, history and delete pages, and the
    autocomplete it serves, read its queryset restricted to the user; the choices of its
    foreign keys are restricted too."""

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).restrict(request.user)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        return restrict_field(field, request.user)

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        return restrict_field(field, request.user)


class ReadOnlyAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Rows the admin shows, within the user's read policy, but never adds, changes or deletes
    (reference data, ledger facts, the audit trail): they are written by services only."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


def restricted_shortcut(request: Any, content_type_id: str, object_id: str) -> Any:
    """The admin's "view on site": the public address of an object the user may read, else
    404 (the address names the object: a unit's key)."""
    try:
        model = ContentType.objects.get(pk=content_type_id).model_class()
        if model is None:
            raise Http404
        pk = model._meta.pk.to_python(object_id)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if isinstance(model._default_manager.all(), RestrictedQuerySet) and not visible_among(
        model, [pk], request.user
    ):
        raise Http404
    return shortcut(request, content_type_id, object_id)


class RegistryAdminSite(admin.AdminSite):
    """The admin site, with its "view on site" redirect restricted to what the user may read."""

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if isinstance(pattern, URLPattern) and pattern.name == "view_on_site":
                urls[index] = path(
                    "r/<path:content_type_id>/<path:object_id>/",
                    self.admin_view(restricted_shortcut),
                    name="view_on_site",
                )
        return urls
