"""A decision's page: its events with their units named as they were."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse

from core.restrict import get_visible_or_404, visible
from units import selectors
from units.choices import DecisionStatus, EventType
from units.models import Decision

from .base import Params, event_row, official_required, render_page


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
