"""Headcount reports: entered through a service, never changed or deleted here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from core.errors import RegistryError
from staffing import services
from staffing.forms import HeadcountForm
from staffing.models import HeadcountReport

from .base import ServiceEntryAdmin, add_problems, form_page


@admin.register(HeadcountReport)
class HeadcountReportAdmin(ServiceEntryAdmin):
    list_display = ["unit", "kind", "as_of", "actual", "source"]
    list_filter = ["kind"]
    search_fields = ["unit__key"]
    list_select_related = ["unit"]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = HeadcountForm(request.POST or None, initial=request.GET.dict() or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = services.headcount_report(**form.cleaned_data, user=request.user)
            except RegistryError as exc:
                add_problems(form, exc)
            else:
                self.message_user(
                    request, gettext("已登记实有人数：%(r)s") % {"r": report}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:staffing_headcountreport_changelist"))
        return form_page(self, request, form, gettext("登记实有人数"))
