"""What the staffing screens share: the base of screens that enter rows through a service, the
date a screen is asked for, and the form page that shows a service's refusal."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_permission_codename
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdmin
from core.errors import RegistryError
from staffing.forms import DateForm
from units.selectors import today


class ServiceEntryAdmin(ReadOnlyAdmin):
    """Rows that are facts, added only through a screen of their own that calls a service (its
    ``add_view``, given the model's add permission); never changed or deleted here: corrections
    are new rows (a reversing transfer, a later report)."""

    def has_add_permission(self, request, obj=None):
        codename = get_permission_codename("add", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")


def date_asked(request) -> dt.date:
    """The date a screen is asked for (``?on=``), else today."""
    form = DateForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("on"):
        return form.cleaned_data["on"]
    return today()


def add_problems(form, exc: RegistryError) -> None:
    for problem in exc.problems or [{"message": exc.message}]:
        form.add_error(None, problem.get("message") or exc.message)


def form_page(admin_obj, request, form, title: str, intro: str = ""):
    context = {
        **admin_obj.admin_site.each_context(request),
        "title": title,
        "form": form,
        "intro": intro,
        "opts": admin_obj.model._meta,
    }
    return TemplateResponse(request, "admin/staffing/form.html", context)
