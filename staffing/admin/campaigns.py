"""Recovery campaigns: previewed (add), then applied by approvers or reversed; a preview may be
discarded by its author or an approver."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext

from core.errors import RegistryError
from core.restrict import visible
from staffing import services
from staffing.choices import CampaignRule, CampaignStatus
from staffing.forms import CampaignForm
from staffing.models import RecoveryCampaign
from staffing.selectors import campaign_totals_by_rule
from units.permissions import APPROVE
from units.selectors import latest_names

from .base import ServiceEntryAdmin, add_problems, form_page


def _approves(user, campaign: RecoveryCampaign) -> bool:
    """Who may apply or reverse a campaign: an approver (its jurisdiction the service checks)."""
    return user.has_perm(APPROVE)


@admin.register(RecoveryCampaign)
class RecoveryCampaignAdmin(ServiceEntryAdmin):
    """Preview a campaign (add), then apply it (approvers) or reverse it, or discard the preview
    (its author or an approver)."""

    list_display = ["__str__", "on", "decision", "kind", "share", "status", "total", "created_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["jurisdiction", "decision", "created_by"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/apply/", wrap(self.apply_view), name="staffing_campaign_apply"),
            path("<int:pk>/reverse/", wrap(self.reverse_view), name="staffing_campaign_reverse"),
            path("<int:pk>/discard/", wrap(self.discard_view), name="staffing_campaign_discard"),
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
                add_problems(form, exc)
            else:
                return HttpResponseRedirect(
                    reverse("admin:staffing_recoverycampaign_change", args=[campaign.pk])
                )
        return form_page(
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
        names = latest_names(
            [ln.unit_id for ln in lines] + [s.unit_id for s in skips], on=campaign.on
        )
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
            "can_discard": campaign.status == CampaignStatus.PREVIEW
            and services.campaign_may_discard(request.user, campaign),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/staffing/campaign_detail.html", context)

    def _act(self, request, pk: int, service, done: str, *, may=_approves, then: str = ""):
        """POST only: call the service on the campaign the user may see (else 404) when
        ``may(user, campaign)`` (else 403); show what it did or why it refused, then go back to
        the campaign (or to ``then`` once it is done)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        campaign = (
            visible(RecoveryCampaign.objects.select_related("created_by"), request)
            .filter(pk=pk)
            .first()
        )
        if campaign is None:
            raise Http404
        if not may(request.user, campaign):
            raise PermissionDenied
        try:
            service(campaign=campaign, user=request.user)
        except RegistryError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
            if then:
                return HttpResponseRedirect(then)
        return HttpResponseRedirect(reverse("admin:staffing_recoverycampaign_change", args=[pk]))

    def apply_view(self, request, pk: int):
        return self._act(request, pk, services.campaign_apply, gettext("收回行动已执行。"))

    def reverse_view(self, request, pk: int):
        return self._act(request, pk, services.campaign_reverse, gettext("收回行动已冲回。"))

    def discard_view(self, request, pk: int):
        return self._act(
            request,
            pk,
            services.campaign_discard,
            gettext("收回行动的预览已放弃。"),
            may=services.campaign_may_discard,
            then=reverse("admin:staffing_recoverycampaign_changelist"),
        )


def _totals(lines) -> list[tuple[str, int]]:
    totals = campaign_totals_by_rule(lines)
    return [(str(CampaignRule(rule).label), amount) for rule, amount in totals.items()]
