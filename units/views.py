"""Pages for officials. Thin: they call selectors and render templates."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from .models import Decision, Unit


@login_required
def unit_detail(request, key):
    unit = get_object_or_404(Unit, key=key)
    return HttpResponse(unit.key)


@login_required
def decision_detail(request, pk):
    decision = get_object_or_404(Decision, pk=pk)
    return HttpResponse(decision.number)
