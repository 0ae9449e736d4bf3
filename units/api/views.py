"""API of the registry core (DESIGN §6): jurisdictions, units (state, history, lineage),
decisions, events. Thin: querysets, serializers, filter sets, selectors."""

from __future__ import annotations

import datetime as dt
from typing import overload

from django.db.models import Count, Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ID_REGEX, DeclaredParametersMixin
from core.dates import InvalidDate, parse_iso_date
from core.pagination import CappedCountPagination
from core.restrict import RestrictedViewSetMixin

from .. import selectors
from ..filtersets import DecisionFilterSet, EventFilterSet, JurisdictionFilterSet, UnitFilterSet
from ..models import Decision, Event, EventParticipant, Jurisdiction, Unit, UnitVersion
from ..rules import DIVISION_CODE_FORMAT, UNIT_KEY_FORMAT
from ..selectors import search
from .serializers import (
    DecisionSerializer,
    EventSerializer,
    JurisdictionSerializer,
    LineageParams,
    LineageSerializer,
    UnitDetailSerializer,
    UnitHistorySerializer,
    UnitOnDateParams,
    UnitStateSerializer,
)

# The forms of the keys in the paths: a key of another form is a 404, like an unknown one.
KEY_REGEX = UNIT_KEY_FORMAT.removeprefix("^").removesuffix("$")
CODE_REGEX = DIVISION_CODE_FORMAT.removeprefix("^").removesuffix("$")


@overload
def parse_date(request, name: str, default: dt.date) -> dt.date: ...
@overload
def parse_date(request, name: str, default: None = None) -> dt.date | None: ...
def parse_date(request, name: str, default: dt.date | None = None) -> dt.date | None:
    """A date query parameter (``core.dates``), or 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return parse_iso_date(raw)
    except InvalidDate as exc:
        raise exceptions.ValidationError({name: [exc.message]}) from None


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("行政区划列表"),
        description=gettext_lazy("行政区划及其事业单位限额，按代码排序。"),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("一个行政区划"),
        description=gettext_lazy("一个行政区划（按六位代码）及其事业单位限额。"),
    ),
)
class JurisdictionViewSet(
    DeclaredParametersMixin, RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    """Administrative divisions with their institution caps."""

    queryset = (
        Jurisdiction.objects.select_related("parent")
        .prefetch_related("caps__decision")
        .order_by("code")
    )
    serializer_class = JurisdictionSerializer
    filterset_class = JurisdictionFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    csv_filename = "jurisdictions"

    def get_object(self):
        try:
            return self.get_queryset().get(code=self.kwargs["code"])
        except (Jurisdiction.DoesNotExist, ValueError):
            raise Http404 from None


class UnitSearchPagination(CappedCountPagination):
    """A search of the unit list counts its matches only up to the limit (DESIGN §6)."""

    def paginator_of(self, rows, per_page, request):
        return search.search_paginator(rows, per_page, request.query_params.get("q"))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("机构列表（某日状态）"),
        description=gettext_lazy("各机构在查询日期（默认今天）的状态，按机构标识排序。"),
    ),
)
class UnitViewSet(
    DeclaredParametersMixin,
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Units addressed by key; the list gives each unit's state on ``as_of``, chosen and
    filtered by ``UnitFilterSet`` (the one set of filters of the unit list, as in
    ``selectors.units.unit_list``)."""

    queryset = UnitVersion.objects.select_related("unit", "jurisdiction", "parent").order_by(
        "unit__key"
    )
    serializer_class = UnitStateSerializer
    filterset_class = UnitFilterSet
    lookup_field = "key"
    lookup_value_regex = KEY_REGEX
    csv_filename = "units"
    parameters = {"retrieve": UnitOnDateParams, "lineage": LineageParams}
    pagination_class = UnitSearchPagination

    def get_unit(self) -> Unit:
        """The unit of the URL, or 404 (also outside the user's jurisdictions)."""
        try:
            return Unit.objects.restrict(self.request.user).get(key=self.kwargs["key"])
        except (Unit.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(
        summary=gettext_lazy("一个机构（某日状态）"),
        description=gettext_lazy("一个机构（按机构标识）在查询日期（默认今天）的登记状态。"),
        parameters=[UnitOnDateParams],
        responses=UnitDetailSerializer,
    )
    def retrieve(self, request, key=None, **kwargs):
        unit = self.get_unit()
        on = self.query_parameters.get("as_of") or selectors.today()
        record = selectors.unit_record(unit=unit, on=on)
        return Response(UnitDetailSerializer(record, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=gettext_lazy("机构沿革：版本与事项"),
        description=gettext_lazy("机构的全部版本及其参与的改革事项。"),
        responses=UnitHistorySerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def history(self, request, key=None, **kwargs):
        history = selectors.labelled_history(unit=self.get_unit())
        return Response(UnitHistorySerializer(history).data)

    @extend_schema(
        summary=gettext_lazy("机构谱系：前身与后继"),
        description=gettext_lazy("沿改革事项追溯的前身与后继机构，最多 depth 步。"),
        parameters=[LineageParams],
        responses=LineageSerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def lineage(self, request, key=None, **kwargs):
        unit = self.get_unit()
        depth = self.query_parameters.get("depth")
        lineage = selectors.unit_lineage(unit=unit, depth=depth, user=request.user)
        graph = lineage.graph(selectors.latest_names(lineage.units))
        return Response(LineageSerializer({"key": unit.key, "depth": depth, **graph}).data)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("改革决定列表"),
        description=gettext_lazy(
            "改革决定（文号、标题、发文日期、状态、附件），按发文日期从新到旧。"
        ),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("一个改革决定"),
        description=gettext_lazy("一个改革决定及其附件。"),
    ),
)
class DecisionViewSet(
    DeclaredParametersMixin, RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = (
        Decision.objects.annotate(event_count=Count("events"))
        .prefetch_related("attachments")
        .order_by("-issued_on", "number")
    )
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilterSet
    lookup_value_regex = ID_REGEX
    csv_filename = "decisions"


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("改革事项列表"),
        description=gettext_lazy("改革事项及其来源和目标机构，按生效日期排序。"),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("一个改革事项"),
        description=gettext_lazy("一个改革事项（按事项标识）及其来源和目标机构。"),
    ),
)
class EventViewSet(DeclaredParametersMixin, RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        Event.objects.select_related("decision")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=EventParticipant.objects.select_related("unit").order_by(
                    "role", "position", "id"
                ),
            )
        )
        .order_by("effective_on", "id")
    )
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    lookup_field = "key"
    lookup_value_regex = KEY_REGEX
    csv_filename = "events"

    def get_object(self):
        try:
            return self.get_queryset().get(key=self.kwargs["key"])
        except (Event.DoesNotExist, ValueError):
            raise Http404 from None
