"""The staffing screens of the admin: the quota panel of a unit, the pool screen of a
jurisdiction, transfer and headcount entry, recovery campaigns (preview, apply, reverse).

Transfers are never changed or deleted here: corrections are reversing transfers. Every write
calls ``staffing.services``; a refusal (``RegistryError``) is shown on the form and nothing is
written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import RestrictedAdminMixin
from core.errors import RegistryError
from core.restrict import visible
from units.models import Jurisdiction, Unit
from units.selectors import today

from . import selectors, services
from .choices import AccountType, CampaignStatus, QuotaKindCode, TransferReason
from .forms import CampaignForm, DateForm, HeadcountForm, TransferForm
from .ledger import account_labels, resolve_account
from .models import (
    Account,
    HeadcountReport,
    QuotaKind,
    RecoveryCampaign,
    Transfer,
)

APPROVE = "units.approve_decision"


def _on(request) -> dt.date:
    form = DateForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("on"):
        return form.cleaned_data["on"]
    return today()


def _add_problems(form, exc: RegistryError) -> None:
    for problem in exc.problems or [{"message": exc.message}]:
        form.add_error(None, problem.get("message") or exc.message)


def ledger_rows(
    account: Account | None,
    lines: list[Transfer],
    opening: dict[str, int] | None = None,
    hidden: set[int] | frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """The ledger of one account as rows: signed amount, counterpart and running balance per
    kind from the opening balances (planned transfers shown, not counted). ``hidden`` lines
    (the user may not read them) are counted in the balance but not shown."""
    if account is None:
        return []
    shown = [t for t in lines if t.pk not in hidden]
    labels = account_labels({t.from_account_id for t in shown} | {t.to_account_id for t in shown})
    running: dict[str, int] = dict(opening or {})
    rows = []
    for t in lines:
        incoming = t.to_account_id == account.pk
        delta = t.amount if incoming else -t.amount
        if not t.planned:
            running[t.kind] = running.get(t.kind, 0) + delta
        if t.pk in hidden:
            continue
        rows.append(
            {
                "transfer": t,
                "delta": delta,
                "counterpart": labels.get(t.from_account_id if incoming else t.to_account_id),
                "kind": QuotaKindCode(t.kind).label,
                "reason": TransferReason(t.reason).label,
                "balance": running.get(t.kind, 0),
            }
        )
    return rows


class NoEditAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Ledger rows are facts: no change, no delete. Rows are read within the user's scope."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuotaKind)
class QuotaKindAdmin(NoEditAdmin):
    list_display = ["code", "name", "leadership"]

    def has_add_permission(self, request):
        return False


@admin.register(Account)
class AccountAdmin(NoEditAdmin):
    """Accounts, with links to the quota panel of a unit and the pool screen."""

    list_display = ["account_label", "type", "screen"]
    list_filter = ["type"]
    search_fields = ["unit__key", "jurisdiction__code", "jurisdiction__name"]
    list_select_related = ["unit", "jurisdiction"]

    def has_add_permission(self, request):
        return False

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

    def _check_view(self, request):
        if not request.user.has_perm("staffing.view_transfer"):
            raise PermissionDenied

    def panel_view(self, request, key: str):
        """The quota panel of a unit: balances per kind on a date, latest headcount, vacancy or
        over-staffing, leadership posts, and the ledger lines."""
        self._check_view(request)
        unit = visible(Unit.objects.filter(key=key), request).first()
        if unit is None:
            raise Http404(gettext("机构不存在。"))
        on = _on(request)
        panel = selectors.unit_quota_panel(unit, on, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("编制面板：%(unit)s")
            % {"unit": panel.state.name if panel.state else key},
            "panel": panel,
            "on": on,
            "rows": ledger_rows(panel.account, panel.lines, hidden=panel.hidden),
            "opts": self.model._meta,
            "can_add": request.user.has_perm("staffing.add_transfer"),
        }
        return TemplateResponse(request, "admin/staffing/quota_panel.html", context)

    def pool_view(self, request, code: str):
        self._check_view(request)
        jurisdiction = visible(Jurisdiction.objects.filter(code=code), request).first()
        if jurisdiction is None:
            raise Http404(gettext("行政区划不存在。"))
        on = _on(request)
        screen = selectors.pool_screen(jurisdiction, on, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("编制周转池：%(name)s") % {"name": jurisdiction.name},
            "screen": screen,
            "on": on,
            "balances": [(QuotaKindCode(k).label, v) for k, v in screen.balances.items()],
            "rows": ledger_rows(screen.account, screen.lines, screen.opening, screen.hidden),
            "truncated": screen.line_count - len(screen.lines),
            "campaigns": visible(
                RecoveryCampaign.objects.filter(jurisdiction=jurisdiction), request
            ),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/staffing/pool_screen.html", context)


def _form_page(admin_obj, request, form, title: str, intro: str = ""):
    context = {
        **admin_obj.admin_site.each_context(request),
        "title": title,
        "form": form,
        "intro": intro,
        "opts": admin_obj.model._meta,
    }
    return TemplateResponse(request, "admin/staffing/form.html", context)


@admin.register(Transfer)
class TransferAdmin(NoEditAdmin):
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
    list_select_related = [
        "from_account__unit",
        "from_account__jurisdiction",
        "to_account__unit",
        "to_account__jurisdiction",
        "decision",
        "event",
    ]
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
                        from_account=resolve_account(data["from_account"]),
                        to_account=resolve_account(data["to_account"]),
                        decision=data["decision"],
                        event=data["event"],
                        reason=data["reason"],
                        note=data["note"],
                        user=request.user,
                    )
            except RegistryError as exc:
                _add_problems(form, exc)
            else:
                self.message_user(
                    request,
                    gettext("已登记划转：%(t)s") % {"t": transfer},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:staffing_transfer_changelist"))
        return _form_page(self, request, form, gettext("登记编制划转"))

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


@admin.register(HeadcountReport)
class HeadcountReportAdmin(NoEditAdmin):
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
                _add_problems(form, exc)
            else:
                self.message_user(
                    request, gettext("已登记实有人数：%(r)s") % {"r": report}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:staffing_headcountreport_changelist"))
        return _form_page(self, request, form, gettext("登记实有人数"))


@admin.register(RecoveryCampaign)
class RecoveryCampaignAdmin(NoEditAdmin):
    """Preview a campaign (add), then apply it (approvers) or reverse it."""

    list_display = ["__str__", "on", "decision", "kind", "share", "status", "total"]
    list_filter = ["status", "kind"]
    list_select_related = ["jurisdiction", "decision"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/apply/", wrap(self.apply_view), name="staffing_campaign_apply"),
            path("<int:pk>/reverse/", wrap(self.reverse_view), name="staffing_campaign_reverse"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CampaignForm(request.POST or None, initial=request.GET.dict() or None)
        if request.method == "POST" and form.is_valid():
            try:
                campaign = services.campaign_preview(**form.cleaned_data, user=request.user)
            except RegistryError as exc:
                _add_problems(form, exc)
            else:
                return HttpResponseRedirect(
                    reverse("admin:staffing_recoverycampaign_change", args=[campaign.pk])
                )
        return _form_page(
            self,
            request,
            form,
            gettext("编制收回：预览"),
            gettext(
                "按顺序执行三条规则：①有空编的收回空编的一定比例（向下取整）；②经营类、未分类或有经营职能的收回剩余全部空编；③承担市场可替代职能的预收剩余全部编制。未报实有人数的机构不纳入，单独列出。"
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = self.get_object(request, object_id)
        if campaign is None:
            raise Http404
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        lines = list(
            visible(campaign.lines.select_related("unit"), request).order_by("unit__key", "id")
        )
        skips = list(visible(campaign.skips.select_related("unit"), request).order_by("unit__key"))
        names = _names([ln.unit_id for ln in lines] + [s.unit_id for s in skips], campaign.on)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("编制收回：%(c)s") % {"c": campaign},
            "campaign": campaign,
            "lines": [(ln, names.get(ln.unit_id, ln.unit.key)) for ln in lines],
            "skips": [(s, names.get(s.unit_id, s.unit.key)) for s in skips],
            "totals": _totals(lines),
            "can_apply": campaign.status == CampaignStatus.PREVIEW
            and request.user.has_perm(APPROVE),
            "can_reverse": campaign.status == CampaignStatus.APPLIED
            and request.user.has_perm(APPROVE),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/staffing/campaign_detail.html", context)

    def _act(self, request, pk: int, service, done: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(APPROVE):
            raise PermissionDenied
        campaign = visible(RecoveryCampaign.objects.filter(pk=pk), request).first()
        if campaign is None:
            raise Http404
        try:
            service(campaign=campaign, user=request.user)
        except RegistryError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:staffing_recoverycampaign_change", args=[pk]))

    def apply_view(self, request, pk: int):
        return self._act(request, pk, services.campaign_apply, gettext("收回行动已执行。"))

    def reverse_view(self, request, pk: int):
        return self._act(request, pk, services.campaign_reverse, gettext("收回行动已冲回。"))


def _names(unit_ids: list[int], on: dt.date) -> dict[int, str]:
    from units.models import UnitVersion

    names: dict[int, str] = {}
    for unit_id, name in (
        UnitVersion.objects.filter(unit_id__in=set(unit_ids), valid_from__lte=on)
        .order_by("unit_id", "valid_from")
        .values_list("unit_id", "name")
    ):
        names[unit_id] = name
    return names


def _totals(lines) -> list[tuple[str, int]]:
    from .choices import CampaignRule

    totals = dict.fromkeys(CampaignRule.values, 0)
    for line in lines:
        totals[line.rule] += line.amount
    return [(str(CampaignRule(rule).label), amount) for rule, amount in totals.items()]
