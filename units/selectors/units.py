"""The unit list of the pages and the API (DESIGN §6), chosen and filtered by its FilterSet.

Imported from this module (not from the package), since the filter sets read through the
package's selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ..filtersets import UnitFilterSet
from ..models import UnitVersion


def unit_list(
    *,
    filters: Mapping[str, Any] | None = None,
    on: dt.date | None = None,
    queryset: QuerySet[UnitVersion] | None = None,
    parameters: Collection[str] = (),
) -> QuerySet[UnitVersion]:
    """One version of each unit, chosen and filtered by ``UnitFilterSet`` from the parameters
    as given (text, or values), ordered by unit key. ``on`` stands for ``as_of``;
    ``parameters`` names those the caller reads itself (a page number, a format). A bad value
    or an unknown parameter raises ``ValidationError`` naming each parameter."""
    data = {name: value for name, value in (filters or {}).items() if value is not None}
    if on is not None:
        data["as_of"] = on
    if queryset is None:
        queryset = UnitVersion.objects.select_related("unit", "jurisdiction", "parent").order_by(
            "unit__key"
        )
    filterset = UnitFilterSet(data, queryset, parameters=parameters)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs
