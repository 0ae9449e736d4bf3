"""Quota kinds and accounts, with the quota panel of a unit and the pool screen of a
jurisdiction (``screens``)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.restrict import visible
from staffing import selectors
from staffing.choices import AccountType, QuotaKindCode
from staffing.models import Account, QuotaKind, RecoveryCampaign
from units.models import Jurisdiction, Unit

from .base import date_asked
from .screens import ledger_rows


@admin.register(QuotaKind)
class QuotaKindAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "leadership"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """Accounts, with links to the quota panel of a unit and the pool screen."""

    list_display = ["account_label", "type", "screen"]
    list_filter = ["type"]
    search_fields = ["unit__key", "jurisdiction__code", "jurisdiction__name"]
    list_select_related = ["unit", "jurisdiction"]

    @admin.display(description=_("账户"))
    def account_label(self, obj):
        return str(obj)

    @admin.display(description=_("查看"))
    def screen(self, obj):
        if obj.type == AccountType.UNIT:
            url = reverse("admin:staffing_quota_panel", args=[obj.unit.key])
            return format_html('<a href="{}">{}</a>', url, gettext("编制面板"))
        if obj.type == AccountType.POOL:
            url = reverse("admin:staffing_pool_screen", args=[obj.jurisdiction.code])
            return format_html('<a href="{}">{}</a>', url, gettext("周转池"))
        return "—"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("panel/<str:key>/", wrap(self.panel_view), name="staffing_quota_panel"),
            path("pool/<str:code>/", wrap(self.pool_view), name="staffing_pool_screen"),
            *super().get_urls(),
        ]

    def _shown(self, request, queryset, missing: str):
        """The one record of ``queryset`` the user may see, for a screen that needs the right to
        view transfers; 404 with ``missing`` when there is none."""
        if not request.user.has_perm("staffing.view_transfer"):
            raise PermissionDenied
        found = visible(queryset, request).first()
        if found is None:
            raise Http404(missing)
        return found

    def _screen(self, request, template: str, context: dict) -> TemplateResponse:
        """``template`` rendered inside the admin with ``context``."""
        context = {**self.admin_site.each_context(request), **context, "opts": self.model._meta}
        return TemplateResponse(request, template, context)

    def panel_view(self, request, key: str):
        """The quota panel of a unit: balances per kind on a date, latest headcount, vacancy or
        over-staffing, leadership posts, and the ledger lines."""
        unit = self._shown(request, Unit.objects.filter(key=key), gettext("机构不存在。"))
        on = date_asked(request)
        panel = selectors.unit_quota_panel(unit, on, user=request.user)
        context = {
            "title": gettext("编制面板：%(unit)s")
            % {"unit": panel.state.name if panel.state else key},
            "panel": panel,
            "on": on,
            "rows": ledger_rows(panel.account, panel.lines, hidden=panel.hidden),
            "can_add": request.user.has_perm("staffing.add_transfer"),
        }
        return self._screen(request, "admin/staffing/quota_panel.html", context)

    def pool_view(self, request, code: str):
        jurisdiction = self._shown(
            request, Jurisdiction.objects.filter(code=code), gettext("行政区划不存在。")
        )
        on = date_asked(request)
        screen = selectors.pool_screen(jurisdiction, on, user=request.user)
        context = {
            "title": gettext("编制周转池：%(name)s") % {"name": jurisdiction.name},
            "screen": screen,
            "on": on,
            "balances": [(QuotaKindCode(k).label, v) for k, v in screen.balances.items()],
            "rows": ledger_rows(screen.account, screen.lines, screen.opening, screen.hidden),
            "truncated": screen.line_count - len(screen.lines),
            "campaigns": visible(
                RecoveryCampaign.objects.filter(jurisdiction=jurisdiction), request
            ),
        }
        return self._screen(request, "admin/staffing/pool_screen.html", context)
