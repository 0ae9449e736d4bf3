"""The API router: /api/v1/ of every app, and the reports."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from rest_framework.routers import DefaultRouter

from staffing.api.views import BalanceViewSet, HeadcountViewSet, TransferViewSet
from units.api.views import DecisionViewSet, EventViewSet, JurisdictionViewSet, UnitViewSet

from .feed import FeedView
from .reports import (
    ChangesReportView,
    InstitutionsReportView,
    QuotasReportView,
    ReformSummaryView,
)


def not_found(request, *args, **kwargs):
    return JsonResponse(
        {
            "error": {
                "status": 404,
                "code": "not_found",
                "message": _("未找到。"),
                "problems": [{"message": _("未找到。")}],
            }
        },
        status=404,
    )


router = DefaultRouter()
router.register("jurisdictions", JurisdictionViewSet, basename="jurisdiction")
router.register("units", UnitViewSet, basename="unit")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("events", EventViewSet, basename="event")
router.register("balances", BalanceViewSet, basename="balance")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("headcounts", HeadcountViewSet, basename="headcount")

urlpatterns = [
    path("", include(router.urls)),
    path("reports/reform-summary/", ReformSummaryView.as_view(), name="report-reform-summary"),
    path("reports/institutions/", InstitutionsReportView.as_view(), name="report-institutions"),
    path("reports/quotas/", QuotasReportView.as_view(), name="report-quotas"),
    path("reports/changes/", ChangesReportView.as_view(), name="report-changes"),
    path("feed/", FeedView.as_view(), name="feed"),
    # Anything else under /api/v1/ (a line break included) is a 404 in the API's own error shape.
    re_path(r"^[\s\S]*$", not_found, name="api-not-found"),
]
