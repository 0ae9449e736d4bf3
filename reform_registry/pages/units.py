"""The unit pages for officials: the search (list, CSV download) and a unit's page with its
state, timeline and lineage diagram."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.restrict import get_visible_or_404, visible
from units import selectors
from units.choices import Category, DecisionStatus, EventType, Funding, Rank, UnitKind
from units.filtersets import UNIT_STATUS_CHOICES, UnitFilterSet
from units.models import Jurisdiction, Unit, UnitVersion
from units.selectors import search
from units.selectors.history import unit_creation
from units.selectors.units import unit_list as list_units

from . import charts
from .base import (
    CHANGE_LABELS,
    PAGE_PARAMETERS,
    Params,
    as_of_query,
    csv_response,
    field_label,
    label_of,
    official_required,
    render_page,
)

PAGE_SIZE = 50
MAX_DEPARTMENT_CHOICES = 500
MAX_LINEAGE_NODES = 80


@official_required
def home(request: HttpRequest) -> HttpResponse:
    target = "/units/"
    if request.GET.get("as_of"):
        target += "?" + request.GET.urlencode()
    return redirect(target)


# ---------------------------------------------------------------------------------------------
# Unit search
# ---------------------------------------------------------------------------------------------


@official_required
def unit_list(request: HttpRequest) -> HttpResponseBase:
    params = Params(request)
    jurisdictions = list(
        visible(Jurisdiction.objects.order_by("code"), request).values_list("code", "name")
    )
    filters = params.list_filters()
    try:
        versions = list_units(filters=filters, on=params.as_of, parameters=PAGE_PARAMETERS)
    except ValidationError as exc:  # the page lists the problems and the rest still filters
        params.refused_filters(exc, UnitFilterSet.base_filters)
        filters = {name: value for name, value in filters.items() if name not in exc.error_dict}
        versions = list_units(filters=filters, on=params.as_of, parameters=PAGE_PARAMETERS)
    versions = visible(versions, request)
    if params.text("format") == "csv" and not params.problems:
        return unit_list_csv(versions, params.as_of)
    departments = list(
        visible(
            list_units(
                on=params.as_of,
                filters={"kind": UnitKind.DEPARTMENT, "jurisdiction": filters.get("jurisdiction")},
            ),
            request,
        ).values_list("unit__key", "name")[: MAX_DEPARTMENT_CHOICES + 1]
    )
    paginator = search.search_paginator(versions, PAGE_SIZE, filters.get("q"))
    page = paginator.get_page(request.GET.get("page"))
    name_parents(page.object_list, params.as_of)
    context = {
        "page": page,
        "filters": filters,
        "status": filters.get("status", UNIT_STATUS_CHOICES[0][0]),
        "subdivisions": filters.get("subdivisions", "").lower() in ("true", "1"),
        "jurisdictions": jurisdictions,
        "departments": departments[:MAX_DEPARTMENT_CHOICES],
        "departments_as_select": len(departments) <= MAX_DEPARTMENT_CHOICES,
        "kinds": UnitKind.choices,
        "categories": Category.choices,
        "ranks": Rank.choices,
        "fundings": Funding.choices,
        "statuses": UNIT_STATUS_CHOICES,
    }
    return render_page(request, "units/unit_list.html", context, params)


def name_parents(versions: Iterable[UnitVersion], on: dt.date) -> None:
    """Set ``parent_name`` on each version: its supervising unit's name on the date (one query)."""
    versions = list(versions)
    names = selectors.names_on({v.parent_id for v in versions if v.parent_id}, on)
    for v in versions:
        v.parent_name = (names.get(v.parent_id) if v.parent_id else None) or (
            v.parent.key if v.parent else ""
        )


def unit_list_csv(versions: Any, on: dt.date) -> StreamingHttpResponse:
    header = [
        _("标识"),
        _("类别"),
        _("名称"),
        _("简称"),
        _("统一社会信用代码"),
        _("行政区划代码"),
        _("行政区划"),
        _("主管部门标识"),
        _("主管部门"),
        _("事业单位类别"),
        _("机构规格"),
        _("经费形式"),
        _("待消化"),
        _("版本起始日期"),
        _("版本终止日期"),
    ]
    parent_names: dict[int, str] = {}

    def rows() -> Iterable[list[Any]]:
        for v in versions.iterator(chunk_size=2000):
            yield [
                v.unit.key,
                label_of(UnitKind, v.kind),
                v.name,
                v.short_name,
                v.credit_code,
                v.jurisdiction.code,
                v.jurisdiction.name,
                v.parent.key if v.parent else "",
                parent_names.get(v.parent_id, "") if v.parent_id else "",
                label_of(Category, v.category) if v.category else "",
                label_of(Rank, v.rank) if v.rank else "",
                label_of(Funding, v.funding) if v.funding else "",
                _("是") if v.pending_wind_down else "",
                v.valid_from.isoformat(),
                v.valid_to.isoformat() if v.valid_to else "",
            ]

    # Names of the supervising units on the date, one query.
    parent_names.update(
        selectors.versions_on(on)
        .filter(unit_id__in=versions.order_by().values("parent_id"))
        .values_list("unit_id", "name")
    )
    return csv_response(f"units-{on.isoformat()}.csv", [str(h) for h in header], rows())


# ---------------------------------------------------------------------------------------------
# Unit page: state, timeline, lineage
# ---------------------------------------------------------------------------------------------


def lineage_diagram(
    unit: Unit, on: dt.date, query: str, depth: int | None = None, *, user: Any = None
) -> Any:
    """The lineage of a unit as a diagram, of the units the user reads."""
    lineage = selectors.unit_lineage(unit=unit, depth=depth, user=user)
    if len(lineage.units) > MAX_LINEAGE_NODES:
        # Keep the nearest generations: a diagram of hundreds of rows helps nobody.
        distance = {unit.pk: 0, **lineage.ancestors, **lineage.descendants}
        keep = sorted(lineage.units, key=lambda uid: (distance.get(uid, 0), uid))
        lineage.units = {uid: lineage.units[uid] for uid in keep[:MAX_LINEAGE_NODES]}
    spans = selectors.unit_spans(lineage.units)
    nodes = []
    for unit_id, other in lineage.units.items():
        span = spans.get(unit_id)
        if span is None:
            continue
        nodes.append(
            charts.Node(
                id=unit_id,
                label=span.name,
                href=reverse("units:unit-detail", kwargs={"key": other.key}) + query,
                start=span.start,
                end=span.end,
                depth=lineage.generation(unit_id),
                focus=unit_id == unit.pk,
            )
        )
    edges = [
        charts.Edge(
            predecessor=e.predecessor_id,
            successor=e.successor_id,
            on=e.effective_on,
            type=e.event_type,
            title=" · ".join(
                [label_of(EventType, e.event_type), e.decision_number, e.effective_on.isoformat()]
            ),
        )
        for e in lineage.edges
    ]
    if len(nodes) <= 1:
        return None
    return charts.lineage_layout(nodes, edges, on=on)


@official_required
def unit_detail(request: HttpRequest, key: str) -> HttpResponse:
    params = Params(request)
    unit = get_visible_or_404(Unit.objects.all(), request, key=key)
    history = selectors.unit_history(unit=unit)
    state = selectors.version_in_force(history.versions, params.as_of)
    shown = state
    shown_on = params.as_of  # the day the state and the quota panel describe
    notice = ""
    if state is None and history.versions:
        first, last = history.versions[0], history.versions[-1]
        if params.as_of < first.valid_from:
            shown, shown_on = first, first.valid_from
            notice = _("该机构在 %(date)s 尚未成立（%(start)s 成立），下面显示其成立时的状态。") % {
                "date": params.as_of.isoformat(),
                "start": first.valid_from.isoformat(),
            }
        else:
            shown = last
            shown_on = last.valid_to - dt.timedelta(days=1) if last.valid_to else params.as_of
            notice = _("该机构已于 %(end)s 终止，下面显示其最后的状态。") % {
                "end": last.valid_to.isoformat() if last.valid_to else ""
            }
    planned_name = ""
    if not history.versions:  # created by a draft, or by a decision since revoked
        creation = unit_creation(unit=unit)
        if creation is not None:
            planned_name = str(creation.attributes.get("name") or "")
            decision = creation.event.decision
            messages = {
                DecisionStatus.REVOKED: _("设立该机构的决定 %(number)s 已撤回，该机构没有生效。"),
                DecisionStatus.DRAFT: _(
                    "该机构由尚未批准的决定 %(number)s 拟设立（拟于 %(date)s 生效），尚未生效。"
                ),
            }
            if decision.status in messages:
                notice = messages[DecisionStatus(decision.status)] % {
                    "number": decision.number,
                    "date": creation.event.effective_on.isoformat(),
                }
    if shown is not None:
        name_parents([shown], params.as_of if state else shown.valid_from)
    timeline = []
    for version in reversed(history.versions):
        fields = history.changes.get(version.pk)
        change = None
        if fields is not None:
            change = CHANGE_LABELS.get(selectors.change_label(fields))
        timeline.append(
            {
                "version": version,
                "current": version is state,
                "change": change,
                "fields": [field_label(name) for name in fields or ()],
            }
        )
    query = as_of_query(params)
    context = {
        "unit": unit,
        "name": shown.name if shown is not None else planned_name or unit.key,
        "state": shown,
        "shown_on": shown_on,
        "active": state is not None,
        "notice": notice,
        "history": history,
        "timeline": timeline,
        "diagram": lineage_diagram(unit, params.as_of, query, user=request.user),
        "documents": list(
            visible(unit.documents.select_related("decision"), request).order_by("-issued_on")
        ),
        "is_department": unit.kind == UnitKind.DEPARTMENT,
    }
    return render_page(request, "units/unit_detail.html", context, params)
