"""The shared base of the office's change forms: saves call services, and a refused write
(``RegistryError``) is shown on the page it came from, field by field where the problem names
one, and nothing is written."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from core.admin import RestrictedAdminMixin
from core.errors import RegistryError
from units.forms import with_request


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


def adopt_saved(target, saved) -> None:
    """Make the admin's unsaved instance the object a service created."""
    for name, value in saved.__dict__.items():
        if not name.startswith("_"):
            target.__dict__[name] = value
    target._state.adding = False
    target._state.db = saved._state.db
