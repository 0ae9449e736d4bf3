"""What was established, ended or changed between two dates, grouped by decision (DESIGN §7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.restrict import visible
from units.models import Decision

from .. import reports
from ..reports.reform import latest_reform_period
from .base import Params, event_row, official_required, render_page, report_jurisdictions

CHANGES_PAGE_SIZE = 25  # decisions per page


@official_required
def changes(request: HttpRequest) -> HttpResponse:
    """What was established, ended or changed between two dates, grouped by decision; by
    default over the latest reform (``latest_reform_period``, the reform dashboard's default),
    up to the date given as ``to`` (or ``as_of``) when only that is given."""
    params = Params(request)
    jurisdictions = report_jurisdictions(request)
    code = params.choice("jurisdiction", [j.code for j in jurisdictions], label=_("行政区划"))
    jurisdiction = next((j for j in jurisdictions if j.code == code), None)
    end = params.date("to", params.as_of, label=_("截止日期"))
    end_given = "to" in request.GET or params.as_of_given
    latest = None
    if "from" not in request.GET:
        latest = latest_reform_period(
            jurisdiction=jurisdiction, up_to=end if end_given else None, user=request.user
        )
        if latest is not None and not end_given:
            end = latest.after
    fallback = latest.before if latest is not None else end - dt.timedelta(days=365)
    start = params.date("from", fallback, label=_("起始日期"))
    if start > end:
        params.problems.append(
            _("起始日期 %(start)s 晚于截止日期 %(end)s，已交换两者。")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
        start, end = end, start
    report = reports.changes_report(
        start=start, end=end, jurisdiction=jurisdiction, user=request.user
    )
    page = Paginator(group_changes(report), CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    groups = list(page.object_list)
    pks = dict(
        visible(
            Decision.objects.filter(number__in=[g["number"] for g in groups]), request
        ).values_list("number", "pk")
    )
    for group in groups:
        group["pk"] = pks.get(group["number"])
    context = {
        "range_page": True,
        "start": start,
        "end": end,
        "jurisdictions": jurisdictions,
        "jurisdiction": code,
        "report": report,
        "groups": groups,
        "page": page,
    }
    return render_page(request, "reports/changes.html", context, params)


def group_changes(report: reports.ChangesReport) -> list[dict[str, Any]]:
    """The events of a changes report grouped by decision, their units named."""
    names: dict[str, str] = {}
    fields: dict[tuple[str, str], list[str]] = {}
    for row in (*report.ended, *report.established, *report.changed):
        names.setdefault(row.key, row.name)
    for row in report.changed:
        fields[(row.event, row.key)] = row.fields
        names[row.key] = row.name
    groups: dict[str, dict[str, Any]] = {}
    for event in report.events:
        group = groups.setdefault(
            event.decision,
            {"number": event.decision, "title": event.decision_title, "events": []},
        )
        changed_fields = None
        if event.sources and (event.key, event.sources[0]) in fields:
            changed_fields = fields[(event.key, event.sources[0])]
        group["events"].append(
            event_row(
                key=event.key,
                type=event.type,
                effective_on=event.effective_on,
                sources=[(k, names.get(k, k)) for k in event.sources],
                targets=[(k, names.get(k, k)) for k in event.targets],
                fields=changed_fields,
            )
        )
    return list(groups.values())
