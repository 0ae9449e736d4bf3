"""Reads of versions on a date: the version in force, the latest name, the institutions counted,
the spans of units (DESIGN §2, §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ..choices import Category, UnitKind
from ..models import Jurisdiction, Unit, UnitVersion
from ..rules import VERSION_COLUMNS
from .jurisdictions import jurisdiction_ids


def today() -> dt.date:
    return timezone.localdate()


def active_on(on: dt.date, prefix: str = "") -> Q:
    """Versions in force on a date: valid_from <= on < valid_to (or open)."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


class Dated(Protocol):
    """A version in memory: stored, or derived and not yet stored."""

    valid_from: dt.date
    valid_to: dt.date | None


def is_in_force(version: Dated, on: dt.date) -> bool:
    """``active_on`` for a version in memory."""
    return version.valid_from <= on and (version.valid_to is None or on < version.valid_to)


def version_in_force(versions: Iterable[UnitVersion], on: dt.date) -> UnitVersion | None:
    """Of a unit's versions in memory, the one in force on a date, or None."""
    return next((v for v in versions if is_in_force(v, on)), None)


def ended_on(on: dt.date) -> Q:
    """The last version of a unit that ended on or before a date (no version follows it)."""
    following = UnitVersion.objects.filter(unit=OuterRef("unit"), valid_from=OuterRef("valid_to"))
    # The stubs type ``Q & <expression>`` as Combinable; at run time it is a Q.
    return Q(valid_to__lte=on) & ~Exists(following)  # type: ignore[return-value]


def unit_status_on(on: dt.date, status: str = "active") -> Q:
    """One version of each unit by status on a date: ``active`` (the version in force),
    ``ended`` (the last version of units ended on or before the date) or ``all`` (both)."""
    if status == "ended":
        return ended_on(on)
    if status == "all":
        return active_on(on) | ended_on(on)
    return active_on(on)


def versions_on(on: dt.date | None = None) -> QuerySet[UnitVersion]:
    return UnitVersion.objects.filter(active_on(on or today()))


def unit_state(*, unit: Unit, on: dt.date | None = None) -> UnitVersion | None:
    """The version of a unit in force on a date, or None (not yet established, or ended)."""
    return (
        UnitVersion.objects.filter(active_on(on or today()), unit=unit)
        .select_related("jurisdiction", "parent")
        .first()
    )


def names_on(unit_ids: Iterable[int], on: dt.date) -> dict[int, str]:
    """The name of each unit in force on a date (units not in force are left out): one query."""
    ids = set(unit_ids)
    if not ids:
        return {}
    return dict(versions_on(on).filter(unit_id__in=ids).values_list("unit_id", "name"))


def version_values(version: UnitVersion) -> dict[str, Any]:
    """The attribute values of a version by attribute name (references by their ids)."""
    return {name.removesuffix("_id"): getattr(version, name) for name in VERSION_COLUMNS}


@dataclass
class UnitRecord:
    """A unit on a date: its state then (None when not in force, with ``parent_name`` set on
    it), when it was established and when and by which event it ended."""

    key: str
    kind: str
    as_of: dt.date
    state: UnitVersion | None
    established_on: dt.date | None
    ended_on: dt.date | None
    ended_by: str | None

    @property
    def active(self) -> bool:
        return self.state is not None


def unit_record(*, unit: Unit, on: dt.date) -> UnitRecord:
    """The unit on a date, with its span (two queries)."""
    versions = list(
        UnitVersion.objects.filter(unit=unit)
        .select_related("jurisdiction", "parent", "closed_by")
        .order_by("valid_from")
    )
    state = version_in_force(versions, on)
    if state is not None and state.parent_id:
        state.parent_name = names_on([state.parent_id], on).get(state.parent_id)
    last = versions[-1] if versions else None
    return UnitRecord(
        key=unit.key,
        kind=unit.kind,
        as_of=on,
        state=state,
        established_on=versions[0].valid_from if versions else None,
        ended_on=last.valid_to if last else None,
        ended_by=last.closed_by.key if last and last.valid_to and last.closed_by else None,
    )


def latest_versions(
    unit_ids: Iterable[int], *, on: dt.date | None = None
) -> dict[int, UnitVersion]:
    """The latest version of each unit (with ``on``: the latest one begun on or before that
    date), whether or not it is still in force: one query."""
    versions = UnitVersion.objects.filter(unit_id__in=set(unit_ids))
    later = UnitVersion.objects.filter(unit=OuterRef("unit"), valid_from__gt=OuterRef("valid_from"))
    if on is not None:
        versions = versions.filter(valid_from__lte=on)
        later = later.filter(valid_from__lte=on)
    return {v.unit_id: v for v in versions.filter(~Exists(later)).order_by()}


def latest_names(unit_ids: Iterable[int], *, on: dt.date | None = None) -> dict[int, str]:
    """The latest name of each unit (see ``latest_versions``): one query."""
    return {unit_id: v.name for unit_id, v in latest_versions(unit_ids, on=on).items()}


def institution_versions(*, exclude_pending: bool = True) -> QuerySet[UnitVersion]:
    """Versions of institutions that count (DESIGN §4): with ``exclude_pending``, not those of
    business institutions pending wind-down (see ``units.rules.is_counted_institution``)."""
    qs = UnitVersion.objects.filter(kind=UnitKind.INSTITUTION)
    if exclude_pending:
        qs = qs.exclude(category=Category.BUSINESS, pending_wind_down=True)
    return qs


def counted_institutions(
    *,
    on: dt.date,
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = False,
    exclude_pending: bool = True,
) -> QuerySet[UnitVersion]:
    """Versions of the institutions counted on a date (DESIGN §4)."""
    qs = institution_versions(exclude_pending=exclude_pending).filter(active_on(on))
    if jurisdiction is not None:
        if subdivisions:
            qs = qs.filter(jurisdiction_id__in=jurisdiction_ids(jurisdiction, subdivisions=True))
        else:
            qs = qs.filter(jurisdiction=jurisdiction)
    return qs


def institutions_per_department(
    *,
    on: dt.date,
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = False,
    exclude_pending: bool = True,
) -> dict[int | None, int]:
    """Number of institutions per supervising unit id on a date (one grouped query)."""
    rows = (
        counted_institutions(
            on=on,
            jurisdiction=jurisdiction,
            subdivisions=subdivisions,
            exclude_pending=exclude_pending,
        )
        .order_by()
        .values("parent_id")
        .annotate(n=Count("id"))
    )
    return {row["parent_id"]: row["n"] for row in rows}


@dataclass
class UnitSpan:
    unit_id: int
    kind: str
    start: dt.date
    end: dt.date | None
    name: str


def unit_spans(unit_ids: Iterable[int]) -> dict[int, UnitSpan]:
    """First day, end (None while active) and latest name of each unit, in one query."""
    spans: dict[int, UnitSpan] = {}
    ids = list(unit_ids)
    if not ids:
        return spans
    rows = (
        UnitVersion.objects.filter(unit_id__in=ids)
        .order_by("unit_id", "valid_from")
        .values_list("unit_id", "kind", "valid_from", "valid_to", "name")
    )
    for unit_id, kind, start, end, name in rows:
        span = spans.get(unit_id)
        if span is None:
            spans[unit_id] = UnitSpan(unit_id, kind, start, end, name)
        else:
            span.end, span.name = end, name
    return spans


def department_institution_counts(
    *, department: Unit, exclude_pending: bool = True
) -> list[tuple[dt.date, int]]:
    """The number of institutions a department supervised over time, as (date, count) steps:
    from each date on, the count holds until the next step. One grouped query over versions."""
    qs = institution_versions(exclude_pending=exclude_pending).filter(parent=department)
    delta: dict[dt.date, int] = {}
    for row in qs.order_by().values("valid_from", "valid_to").annotate(n=Count("id")):
        delta[row["valid_from"]] = delta.get(row["valid_from"], 0) + row["n"]
        if row["valid_to"] is not None:
            delta[row["valid_to"]] = delta.get(row["valid_to"], 0) - row["n"]
    return _steps(delta)


def _steps(delta: dict[dt.date, int]) -> list[tuple[dt.date, int]]:
    steps: list[tuple[dt.date, int]] = []
    count = 0
    for day in sorted(delta):
        if delta[day] == 0:
            continue
        count += delta[day]
        steps.append((day, count))
    return steps
