"""A department's page: its state and the institutions it supervises, counted, over time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from core.restrict import get_visible_or_404, visible
from units import rules, selectors
from units.choices import UnitKind
from units.models import Unit
from units.selectors.units import unit_list

from . import charts
from .base import Params, official_required, render_page


@official_required
def department_detail(request: HttpRequest, key: str) -> HttpResponse:
    params = Params(request)
    department = get_visible_or_404(Unit.objects.all(), request, key=key, kind=UnitKind.DEPARTMENT)
    state = selectors.unit_state(unit=department, on=params.as_of)
    institutions = list(
        visible(
            unit_list(on=params.as_of, filters={"parent": key, "kind": UnitKind.INSTITUTION}),
            request,
        ).order_by("name", "unit__key")
    )
    counted = [
        v
        for v in institutions
        if rules.is_counted_institution(v.kind, v.category, v.pending_wind_down)
    ]
    steps = selectors.department_institution_counts(department=department)
    # The first date the registry knows of the department: its chart starts there.
    span = selectors.unit_spans([department.pk]).get(department.pk)
    context = {
        "department": department,
        "state": state,
        "name": state.name if state else department.key,
        "institutions": institutions,
        "counted": len(counted),
        "pending": len(institutions) - len(counted),
        "chart": charts.step_chart(
            steps,
            params.as_of,
            today=selectors.today(),
            known_from=span.start if span else None,
        ),
    }
    return render_page(request, "units/department_detail.html", context, params)
