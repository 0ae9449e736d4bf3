"""API of the staffing ledger (DESIGN §6): balances per unit and pool on a date, transfers,
headcount reports (writable through the staffing service)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core import audit as actor_context
from core.api import ID_REGEX, DeclaredParametersMixin
from core.restrict import RestrictedViewSetMixin
from units.api.views import parse_date
from units.selectors import today

from .. import services
from ..choices import QuotaKindCode
from ..filtersets import AccountFilterSet, HeadcountFilterSet, TransferFilterSet
from ..models import Account, HeadcountReport, Transfer
from ..selectors import balance_rows
from ..selectors.panels import TRANSFER_RELATED
from .serializers import (
    BalanceSerializer,
    HeadcountInputSerializer,
    HeadcountSerializer,
    TransferSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("编制余额（机构与周转池，某日）"),
        description=gettext_lazy("机构账户和周转池账户在查询日期（默认今天）各编制类型的余额。"),
    )
)
class BalanceViewSet(
    DeclaredParametersMixin,
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Balances per quota kind of unit and pool accounts on ``as_of``: one grouped query for
    the page, whatever its size."""

    queryset = Account.objects.select_related("unit", "jurisdiction").order_by("type", "id")
    serializer_class = BalanceSerializer
    filterset_class = AccountFilterSet
    csv_filename = "balances"

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        on = parse_date(request, "as_of", today())
        kind = request.query_params.get("kind") or None
        kinds = [kind] if kind else list(QuotaKindCode.values)
        rows = balance_rows([a.pk for a in page], on=on, kind=kind) if page else {}
        context = {**self.get_serializer_context(), "as_of": on, "balances": rows, "kinds": kinds}
        data = BalanceSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("编制划转列表"),
        description=gettext_lazy(
            "编制划转（日期、编制类型、数量、转出和转入账户、依据），按日期排序。"
        ),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("一笔编制划转"),
        description=gettext_lazy("一笔编制划转及其依据的决定和事项。"),
    ),
)
class TransferViewSet(
    DeclaredParametersMixin, RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = Transfer.objects.select_related(*TRANSFER_RELATED).order_by("date", "id")
    serializer_class = TransferSerializer
    filterset_class = TransferFilterSet
    lookup_value_regex = ID_REGEX
    csv_filename = "transfers"


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("实有人数报告列表"),
        description=gettext_lazy("各机构各编制类型的实有人数报告。"),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("一份实有人数报告"),
        description=gettext_lazy("一份实有人数报告（机构、编制类型、日期、人数、来源）。"),
    ),
    create=extend_schema(
        summary=gettext_lazy("报送实有人数"),
        description=gettext_lazy(
            "报送一份实有人数，需要 staffing.add_headcountreport 权限；同一数字重复报送只记一次"
            "（200），不同的数字被拒绝（409）。"
        ),
        request=HeadcountInputSerializer,
        responses={201: HeadcountSerializer, 200: HeadcountSerializer},
    ),
)
class HeadcountViewSet(
    DeclaredParametersMixin,
    RestrictedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Headcount reports. POST needs the ``staffing.add_headcountreport`` permission; the
    same figure reported twice is accepted once (200), a different one is refused (409)."""

    queryset = HeadcountReport.objects.select_related("unit").order_by("unit__key", "kind", "as_of")
    serializer_class = HeadcountSerializer
    filterset_class = HeadcountFilterSet
    lookup_value_regex = ID_REGEX
    write_permission = "staffing.add_headcountreport"
    write_permission_label = pgettext_lazy("权限", "报送实有人数")
    csv_filename = "headcounts"

    def get_serializer_class(self):
        if self.action == "create":
            return HeadcountInputSerializer
        return HeadcountSerializer

    def create(self, request, *args, **kwargs):
        incoming = HeadcountInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = incoming.validated_data
        unit = values["unit"]
        existed = HeadcountReport.objects.filter(
            unit=unit, kind=values["kind"], as_of=values["as_of"]
        ).exists()
        with actor_context.acting(
            user=request.user, request_id=getattr(request, "request_id", None)
        ):
            report = services.headcount_report(
                unit=unit,
                kind=values["kind"],
                as_of=values["as_of"],
                actual=values["actual"],
                source=values["source"],
                user=request.user,
            )
        return Response(
            HeadcountSerializer(report).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    def get_object(self):
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (HeadcountReport.DoesNotExist, ValueError, OverflowError):
            raise Http404 from None
