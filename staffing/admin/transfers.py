"""Transfers: entered through a service, never changed or deleted here; corrections are
reversing transfers."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import RegistryError
from staffing import services
from staffing.forms import TransferForm
from staffing.models import Transfer
from staffing.selectors.panels import TRANSFER_RELATED

from .base import ServiceEntryAdmin, add_problems, form_page


@admin.register(Transfer)
class TransferAdmin(ServiceEntryAdmin):
    list_display = [
        "date",
        "kind",
        "amount",
        "from_label",
        "to_label",
        "decision",
        "event",
        "reason",
        "derived",
        "planned",
    ]
    list_filter = ["reason", "kind", "derived", "planned"]
    search_fields = [
        "decision__number",
        "event__key",
        "from_account__unit__key",
        "to_account__unit__key",
    ]
    list_select_related = list(TRANSFER_RELATED)
    actions = ["reverse_selected"]

    @admin.display(description=_("转出账户"))
    def from_label(self, obj):
        return str(obj.from_account)

    @admin.display(description=_("转入账户"))
    def to_label(self, obj):
        return str(obj.to_account)

    def add_view(self, request, form_url="", extra_context=None):
        """Transfer entry tied to a decision: calls ``transfer_post``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TransferForm(request.POST or None, initial=request.GET.dict() or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    transfer = services.transfer_post(
                        date=data["date"],
                        kind=data["kind"],
                        amount=data["amount"],
                        from_account=services.resolve_account(data["from_account"]),
                        to_account=services.resolve_account(data["to_account"]),
                        decision=data["decision"],
                        event=data["event"],
                        reason=data["reason"],
                        note=data["note"],
                        user=request.user,
                    )
            except RegistryError as exc:
                add_problems(form, exc)
            else:
                self.message_user(
                    request,
                    gettext("已登记划转：%(t)s") % {"t": transfer},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:staffing_transfer_changelist"))
        return form_page(self, request, form, gettext("登记编制划转"))

    @admin.action(description=_("冲正所选划转"), permissions=["add"])
    def reverse_selected(self, request, queryset):
        done = 0
        for transfer in queryset.order_by("-date", "-id"):
            try:
                services.transfer_reverse(transfer=transfer, user=request.user)
                done += 1
            except RegistryError as exc:
                self.message_user(request, f"#{transfer.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(
                request, gettext("已冲正 %(n)d 笔划转。") % {"n": done}, messages.SUCCESS
            )
