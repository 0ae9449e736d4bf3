"""Pages for officials (DESIGN §7). Thin: they read through selectors and render templates.

Every page takes ``?as_of=YYYY-MM-DD`` (default: today in Asia/Shanghai) and shows the registry
on that date. A bad parameter gives the page with a message saying what was wrong (status 400),
never a server error.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import InvalidDate, parse_iso_date
from core.restrict import get_visible_or_404, visible, visible_among

from . import roles, selectors
from .choices import Category, DecisionStatus, EventType, Funding, Rank, UnitKind
from .filtersets import CHOICE_ERRORS, UNIT_STATUS_CHOICES, UnitFilterSet
from .lineage_svg import Edge, Node, layout
from .models import Decision, Jurisdiction, Unit, UnitVersion
from .selectors.units import unit_list as list_units

PAGE_SIZE = 50
MAX_DEPARTMENT_CHOICES = 500
# What the pages read themselves besides a list's filters and ``as_of`` (a list refuses any
# other name it has no filter of).
PAGE_PARAMETERS = ("page", "format")
MAX_LINEAGE_NODES = 80

CHANGE_LABELS = {
    "rename": gettext_lazy("更名"),
    "transfer": gettext_lazy("划转主管部门"),
    "relocate": gettext_lazy("变更行政区划"),
    "reclassify": gettext_lazy("调整类别"),
    "regrade": gettext_lazy("调整规格"),
    "refund": gettext_lazy("调整经费形式"),
    "flag": gettext_lazy("调整标识或职能"),
    "change": gettext_lazy("变更"),
}


# ---------------------------------------------------------------------------------------------
# What every page shares: access, the as-of date, parameters, rendering
# ---------------------------------------------------------------------------------------------


def official_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Login first; then a user without read permission gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.may_read(request.user):
            raise PermissionDenied(_("您没有查看登记信息的权限。"))
        return view(request, *args, **kwargs)

    return wrapper


class Params:
    """Reads query parameters, collecting a message for each bad one instead of failing."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.problems: list[str] = []
        self.as_of_given = bool(request.GET.get("as_of", "").strip())
        self.as_of = self.date("as_of", selectors.today(), label=_("查询日期"))

    def text(self, name: str, max_length: int = 100) -> str:
        raw = self.request.GET.get(name, "").strip()[:max_length]
        if any(ord(ch) < 32 for ch in raw):
            self.problems.append(_("参数 %(name)s 含有控制字符，已忽略。") % {"name": name})
            return ""
        return raw

    def refuse(self, label: str, message: str) -> None:
        """A problem with a parameter, named by its label."""
        self.problems.append(_("%(label)s：%(message)s") % {"label": label, "message": message})

    def date(self, name: str, default: dt.date, *, label: str) -> dt.date:
        """A date parameter (``core.dates``), or the default when it is not given."""
        raw = self.request.GET.get(name)
        if raw is None:
            return default
        try:
            return parse_iso_date(raw)
        except InvalidDate as exc:
            self.refuse(label, exc.message)
            return default

    def choice(self, name: str, choices: Iterable[str], *, label: str, default: str = "") -> str:
        raw = self.text(name)
        if raw and raw not in set(choices):
            self.refuse(label, str(CHOICE_ERRORS["invalid_choice"]) % {"value": raw})
            return default
        return raw or default

    def list_filters(self) -> dict[str, str]:
        """The parameters of a list as given, but the page's own and ``as_of`` (read above);
        empty ones are left out, as a form sends its empty fields."""
        given = {
            name: self.text(name)
            for name in self.request.GET
            if name not in PAGE_PARAMETERS and name != "as_of"
        }
        return {name: value for name, value in given.items() if value}

    def refused_filters(self, exc: ValidationError, labels: Mapping[str, Any]) -> None:
        """The problems of a list's filter set, each named by the label of its filter."""
        for name, messages in exc.message_dict.items():
            for message in messages:
                if name in labels:
                    self.refuse(str(labels[name].label), message)
                else:
                    self.problems.append(message)

    def boolean(self, name: str) -> bool:
        return self.text(name).lower() in {"1", "true", "yes", "on"}


def as_of_query(params: Params) -> str:
    """``?as_of=…`` to carry the chosen date along links, or nothing for today."""
    return f"?as_of={params.as_of.isoformat()}" if params.as_of_given else ""


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], params: Params
) -> HttpResponse:
    keep = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in ("as_of", "page")
        for value in values
    ]
    page_context = {
        "as_of": params.as_of,
        "as_of_given": params.as_of_given,
        "as_of_query": as_of_query(params),
        "keep_params": keep,
        "problems": params.problems,
        **context,
    }
    return render(request, template, page_context, status=400 if params.problems else 200)


def csv_response(
    filename: str, header: list[str], rows: Iterable[list[Any]]
) -> StreamingHttpResponse:
    """A CSV download, UTF-8 with a byte-order mark so spreadsheet programs read the Chinese."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(["" if value is None else value for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def label_of(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def event_row(
    *,
    key: str,
    type: str,
    effective_on: dt.date,
    sources: list[tuple[str, str]],
    targets: list[tuple[str, str]],
    fields: list[str] | None = None,
) -> dict[str, Any]:
    """One line of an events table: the event, its label (the type, or for a change what
    changed), and its units as (key, name)."""
    if type == EventType.CHANGE and fields is not None:
        display = str(CHANGE_LABELS.get(selectors.change_label(fields), CHANGE_LABELS["change"]))
    else:
        display = label_of(EventType, type)
    return {
        "key": key,
        "type": type,
        "display": str(display),
        "effective_on": effective_on,
        "sources": [{"key": k, "name": n} for k, n in sources],
        "targets": [{"key": k, "name": n} for k, n in targets],
        "fields": [field_label(name) for name in fields or ()],
    }


def field_label(name: str) -> str:
    try:
        field = UnitVersion._meta.get_field(name)
    except Exception:  # a name that is not a field of versions
        return name
    return str(field.verbose_name) if isinstance(field, models.Field) else name


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
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
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
    ids = {v.parent_id for v in versions if v.parent_id}
    names: dict[int | None, str] = (
        dict(selectors.versions_on(on).filter(unit_id__in=ids).values_list("unit_id", "name"))
        if ids
        else {}
    )
    for v in versions:
        v.parent_name = names.get(v.parent_id) or (v.parent.key if v.parent else "")


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
    lineage = selectors.unit_lineage(unit=unit, depth=depth)
    shown = visible_among(Unit, lineage.units, user)
    lineage.units = {uid: u for uid, u in lineage.units.items() if uid in shown}
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
        depth_of = -lineage.ancestors.get(unit_id, 0) or lineage.descendants.get(unit_id, 0)
        nodes.append(
            Node(
                id=unit_id,
                label=span.name,
                href=reverse("units:unit-detail", kwargs={"key": other.key}) + query,
                start=span.start,
                end=span.end,
                depth=depth_of,
                focus=unit_id == unit.pk,
            )
        )
    edges = [
        Edge(
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
    return layout(nodes, edges, on=on)


@official_required
def unit_detail(request: HttpRequest, key: str) -> HttpResponse:
    params = Params(request)
    unit = get_visible_or_404(Unit.objects.all(), request, key=key)
    history = selectors.unit_history(unit=unit)
    state = next(
        (
            v
            for v in history.versions
            if v.valid_from <= params.as_of and (v.valid_to is None or params.as_of < v.valid_to)
        ),
        None,
    )
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


# ---------------------------------------------------------------------------------------------
# Department page
# ---------------------------------------------------------------------------------------------


def step_chart(
    steps: list[tuple[dt.date, int]], on: dt.date, *, width: int = 720, height: int = 220
) -> dict[str, Any] | None:
    """Geometry of a step chart of counts over time (SVG user units), marking ``on``."""
    if not steps:
        return None
    left, right, top, bottom = 44, 16, 16, 30
    lo = min(steps[0][0], on)
    hi = max(steps[-1][0], on, selectors.today())
    pad = max(30, (hi - lo).days // 20)
    lo, hi = lo - dt.timedelta(days=pad), hi + dt.timedelta(days=pad)
    total = max(1, (hi - lo).days)
    top_value = max(1, max(n for _d, n in steps))
    inner_w, inner_h = width - left - right, height - top - bottom

    def x(day: dt.date) -> float:
        return round(left + inner_w * (day - lo).days / total, 1)

    def y(n: int) -> float:
        return round(top + inner_h * (1 - n / top_value), 1)

    points = [(x(lo), y(0))]
    for day, n in steps:
        points.append((x(day), points[-1][1]))
        points.append((x(day), y(n)))
    points.append((x(hi), points[-1][1]))
    value_on = 0
    for day, n in steps:
        if day <= on:
            value_on = n
    grid = sorted({0, top_value, (top_value + 1) // 2})
    years = hi.year - lo.year
    step = next((s for s in (1, 2, 5, 10, 20, 50) if years / s <= 8), 100)
    ticks = [
        {"x": x(dt.date(year, 1, 1)), "label": str(year)}
        for year in range(lo.year + 1, hi.year + 1)
        if year % step == 0
    ]
    return {
        "width": width,
        "height": height,
        "path": "M" + " L".join(f"{px},{py}" for px, py in points),
        "marker_x": x(on),
        "marker_y": y(value_on),
        "value_on": value_on,
        "grid": [{"y": y(n), "label": n} for n in grid],
        "ticks": ticks,
        "left": left,
        "right": width - right,
        "bottom": height - bottom,
        "steps": steps,
    }


@official_required
def department_detail(request: HttpRequest, key: str) -> HttpResponse:
    params = Params(request)
    department = get_visible_or_404(Unit.objects.all(), request, key=key, kind=UnitKind.DEPARTMENT)
    state = selectors.unit_state(unit=department, on=params.as_of)
    institutions = list(
        visible(
            list_units(on=params.as_of, filters={"parent": key, "kind": UnitKind.INSTITUTION}),
            request,
        ).order_by("name", "unit__key")
    )
    counted = [
        v for v in institutions if not (v.category == Category.BUSINESS and v.pending_wind_down)
    ]
    steps = selectors.department_institution_counts(department=department)
    context = {
        "department": department,
        "state": state,
        "name": state.name if state else department.key,
        "institutions": institutions,
        "counted": len(counted),
        "pending": len(institutions) - len(counted),
        "chart": step_chart(steps, params.as_of),
    }
    return render_page(request, "units/department_detail.html", context, params)


# ---------------------------------------------------------------------------------------------
# Decision page
# ---------------------------------------------------------------------------------------------


@official_required
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    params = Params(request)
    decision = get_visible_or_404(Decision.objects.select_related("approved_by"), request, pk=pk)
    details = selectors.change_details(
        decisions=[decision], start=dt.date.min, end=dt.date.max, user=request.user
    )[0]
    events = [
        event_row(
            key=item.event.key,
            type=item.event.type,
            effective_on=item.event.effective_on,
            sources=[(u.unit.key, u.name) for u in item.sources],
            targets=[(u.unit.key, u.name) for u in item.targets or item.after],
            fields=sorted(item.event.attributes) if item.event.type == EventType.CHANGE else None,
        )
        for item in details.events
    ]
    context = {
        "decision": decision,
        "events": events,
        "is_draft": decision.status == DecisionStatus.DRAFT,
        "attachments": list(visible(decision.attachments.all(), request)),
    }
    return render_page(request, "units/decision_detail.html", context, params)
