"""Institutions counted on a date, grouped by a field (DESIGN §4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery

from core.restrict import restricted, visible_among
from units import selectors
from units.choices import Category, Funding, Rank
from units.models import Jurisdiction, Unit, UnitVersion

GROUPINGS = ("department", "category", "rank", "funding", "sector", "jurisdiction")
# The labels of the groupings whose values are codes.
CODE_LABELS: dict[str, Any] = {
    "category": Category.choices,
    "rank": Rank.choices,
    "funding": Funding.choices,
}


@dataclass
class GroupCount:
    key: str
    label: str
    count: int


@dataclass
class InstitutionsReport:
    jurisdiction: str | None
    on: dt.date
    group_by: str
    subdivisions: bool
    exclude_pending: bool
    total: int
    groups: list[GroupCount]


def institutions_report(
    *,
    on: dt.date,
    group_by: str = "department",
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = False,
    exclude_pending: bool = True,
    user: Any = None,
) -> InstitutionsReport:
    """Institutions counted on a date, grouped by department, category, rank, funding, sector
    or jurisdiction: one grouped query (and one for the jurisdiction tree). Of the units the
    user reads; a supervising department the user does not read is not named."""
    if group_by not in GROUPINGS:
        raise ValueError(group_by)
    counted = selectors.counted_institutions(
        on=on,
        jurisdiction=jurisdiction,
        subdivisions=subdivisions,
        exclude_pending=exclude_pending,
    )
    qs = restricted(counted, user).order_by()
    if group_by == "department":
        groups = _per_department(qs, on=on, user=user)
    elif group_by == "jurisdiction":
        rows = qs.values_list("jurisdiction__code", "jurisdiction__name").annotate(n=Count("id"))
        groups = [GroupCount(code, name, n) for code, name, n in rows]
    else:
        labels = dict(CODE_LABELS.get(group_by, ()))
        value_rows = qs.values_list(group_by).annotate(n=Count("id"))
        groups = [GroupCount(value, str(labels.get(value, value)), n) for value, n in value_rows]
    groups.sort(key=lambda g: (-g.count, g.key))
    return InstitutionsReport(
        jurisdiction=jurisdiction.code if jurisdiction else None,
        on=on,
        group_by=group_by,
        subdivisions=subdivisions,
        exclude_pending=exclude_pending,
        total=sum(g.count for g in groups),
        groups=groups,
    )


def _per_department(qs: QuerySet[UnitVersion], *, on: dt.date, user: Any) -> list[GroupCount]:
    """Per supervising unit, named as on the date; one the user does not read is not named."""
    parent_name = UnitVersion.objects.filter(
        selectors.active_on(on), unit_id=OuterRef("parent_id")
    ).values("name")[:1]
    rows = list(
        qs.values("parent_id", "parent__key")
        .annotate(n=Count("id"), label=Subquery(parent_name))
        .values_list("parent_id", "parent__key", "label", "n")
    )
    named = visible_among(Unit, {row[0] for row in rows if row[0]}, user)
    return [
        GroupCount(key or "", label or "", n) if parent in named else GroupCount("", "", n)
        for parent, key, label, n in rows
    ]
