"""Reads of the registry core: state on a date, lists, histories, lineage, counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .choices import Category, DecisionStatus, EventType, ParticipantRole, UnitKind
from .models import Decision, Event, EventParticipant, Jurisdiction, Unit, UnitVersion

MAX_LINEAGE_DEPTH = 100


def today() -> dt.date:
    return timezone.localdate()


def active_on(on: dt.date, prefix: str = "") -> Q:
    """Versions in force on a date: valid_from <= on < valid_to (or open)."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


def versions_on(on: dt.date | None = None) -> QuerySet[UnitVersion]:
    return UnitVersion.objects.filter(active_on(on or today()))


def unit_state(*, unit: Unit, on: dt.date | None = None) -> UnitVersion | None:
    """The version of a unit in force on a date, or None (not yet established, or ended)."""
    return (
        UnitVersion.objects.filter(active_on(on or today()), unit=unit)
        .select_related("jurisdiction", "parent")
        .first()
    )


def jurisdiction_ids(jurisdiction: Jurisdiction, *, subdivisions: bool) -> list[int]:
    """The jurisdiction, and with ``subdivisions`` all its descendants (one recursive query)."""
    if not subdivisions:
        return [jurisdiction.pk]
    table = Jurisdiction._meta.db_table
    sql = f"""
        WITH RECURSIVE tree(id, depth) AS (
            SELECT id, 0 FROM {table} WHERE id = %s
            UNION
            SELECT j.id, tree.depth + 1 FROM {table} j JOIN tree ON j.parent_id = tree.id
            WHERE tree.depth < 20
        )
        SELECT DISTINCT id FROM tree
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [jurisdiction.pk])
        return [row[0] for row in cursor.fetchall()]


def counted_institutions(
    *,
    on: dt.date,
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = False,
    exclude_pending: bool = True,
) -> QuerySet[UnitVersion]:
    """Versions of the institutions counted on a date (DESIGN §4)."""
    qs = versions_on(on).filter(kind=UnitKind.INSTITUTION)
    if jurisdiction is not None:
        if subdivisions:
            qs = qs.filter(jurisdiction_id__in=jurisdiction_ids(jurisdiction, subdivisions=True))
        else:
            qs = qs.filter(jurisdiction=jurisdiction)
    if exclude_pending:
        qs = qs.exclude(category=Category.BUSINESS, pending_wind_down=True)
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


def unit_list(
    *, on: dt.date | None = None, filters: dict[str, Any] | None = None
) -> QuerySet[UnitVersion]:
    """Units as they were on a date, as their versions, filtered by §2 fields."""
    qs = versions_on(on).select_related("unit", "jurisdiction", "parent")
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if name == "jurisdiction":
            qs = qs.filter(jurisdiction__code=value)
        elif name == "parent":
            qs = qs.filter(parent__key=value)
        elif name == "q":
            qs = qs.filter(unit__in=units_matching(value).values("id"))
        else:
            qs = qs.filter(**{name: value})
    return qs.order_by("unit__key")


def units_matching(text: str) -> QuerySet[Unit]:
    """Units whose current or former name, short name, key or credit code contains the text."""
    text = text.strip()
    return Unit.objects.filter(
        Q(key__icontains=text)
        | Q(versions__name__icontains=text)
        | Q(versions__short_name__icontains=text)
        | Q(versions__credit_code__iexact=text)
    ).distinct()


@dataclass
class HistoryEntry:
    version: UnitVersion
    opened_by: Event | None
    closed_by: Event | None


@dataclass
class UnitHistory:
    unit: Unit
    versions: list[UnitVersion]
    events: list[Event]
    registration: Any = None
    changes: dict[int, list[str]] = field(default_factory=dict)


def unit_history(*, unit: Unit) -> UnitHistory:
    """Versions of a unit with the events (and decisions) that opened and closed them, and every
    approved event it took part in. A fixed number of queries."""
    versions = list(
        UnitVersion.objects.filter(unit=unit)
        .select_related("jurisdiction", "parent", "opened_by__decision", "closed_by__decision")
        .order_by("valid_from")
    )
    events = list(
        Event.objects.filter(participants__unit=unit, decision__status=DecisionStatus.APPROVED)
        .select_related("decision")
        .distinct()
        .order_by("effective_on", "id")
    )
    registration = getattr(unit, "registration", None) if hasattr(unit, "registration") else None
    history = UnitHistory(unit=unit, versions=versions, events=events, registration=registration)
    for previous, current in zip(versions, versions[1:], strict=False):
        history.changes[current.pk] = changed_fields(previous, current)
    return history


VERSION_FIELDS = (
    "name",
    "short_name",
    "credit_code",
    "jurisdiction_id",
    "parent_id",
    "category",
    "rank",
    "funding",
    "sector",
    "business_functions",
    "market_replaceable",
    "pending_wind_down",
    "functions",
    "internal_bodies",
)


def changed_fields(before: UnitVersion, after: UnitVersion) -> list[str]:
    """Names of the attributes that differ between two versions (jurisdiction, parent without _id)."""
    return [
        name.removesuffix("_id")
        for name in VERSION_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]


def change_label(fields: list[str]) -> str:
    """What a change event did, by what changed: rename, transfer, reclassify, regrade …"""
    labels = {
        "name": "rename",
        "parent": "transfer",
        "jurisdiction": "relocate",
        "category": "reclassify",
        "rank": "regrade",
        "funding": "refund",
    }
    for name in ("name", "parent", "jurisdiction", "category", "rank", "funding"):
        if name in fields:
            return labels[name]
    return "flag" if fields else "change"


# ---------------------------------------------------------------------------------------------
# Lineage
# ---------------------------------------------------------------------------------------------


@dataclass
class LineageEdge:
    predecessor_id: int
    successor_id: int
    event_id: int
    event_key: str
    event_type: str
    effective_on: dt.date
    decision_number: str


@dataclass
class Lineage:
    unit: Unit
    ancestors: dict[int, int]  # unit id -> depth
    descendants: dict[int, int]
    edges: list[LineageEdge]
    units: dict[int, Unit]


def _lineage_sql() -> str:
    part = EventParticipant._meta.db_table
    event = Event._meta.db_table
    decision = Decision._meta.db_table
    types = ", ".join(f"'{t}'" for t in (EventType.MERGE, EventType.ABSORB, EventType.SPLIT))
    # One recursive query, two recursive parts: up through predecessors, down through
    # successors. UNION keeps each (unit, depth) once, and the depth bound ends the walk, so it
    # cannot loop even on inconsistent data and stays polynomial on diamond shapes.
    step = f"""
            JOIN {event} e ON e.id = here.event_id AND e.type IN ({types})
            JOIN {decision} d ON d.id = e.decision_id AND d.status = '{DecisionStatus.APPROVED}'
            JOIN {part} there ON there.event_id = here.event_id AND there.role = '{{there}}'
    """
    return f"""
        WITH RECURSIVE
        up(unit_id, depth) AS (
            SELECT CAST(%s AS BIGINT), 0
            UNION
            SELECT there.unit_id, up.depth + 1
            FROM up
            JOIN {part} here ON here.unit_id = up.unit_id AND here.role = '{ParticipantRole.TARGET}'
            {step.replace("{there}", ParticipantRole.SOURCE)}
            WHERE up.depth < %s
        ),
        down(unit_id, depth) AS (
            SELECT CAST(%s AS BIGINT), 0
            UNION
            SELECT there.unit_id, down.depth + 1
            FROM down
            JOIN {part} here ON here.unit_id = down.unit_id AND here.role = '{ParticipantRole.SOURCE}'
            {step.replace("{there}", ParticipantRole.TARGET)}
            WHERE down.depth < %s
        )
        SELECT unit_id, 'up', MIN(depth) FROM up GROUP BY unit_id
        UNION ALL
        SELECT unit_id, 'down', MIN(depth) FROM down GROUP BY unit_id
    """


def unit_lineage(*, unit: Unit, depth: int | None = None) -> Lineage:
    """Ancestors and descendants of a unit to any depth (bounded by ``depth``), with the edges
    between them: one recursive query for the walk, one for the edges, one for the units."""
    limit = MAX_LINEAGE_DEPTH if depth is None else max(0, min(depth, MAX_LINEAGE_DEPTH))
    with connection.cursor() as cursor:
        cursor.execute(_lineage_sql(), [unit.pk, limit, unit.pk, limit])
        rows = cursor.fetchall()
    ancestors: dict[int, int] = {}
    descendants: dict[int, int] = {}
    for unit_id, direction, level in rows:
        if unit_id == unit.pk:
            continue
        (ancestors if direction == "up" else descendants)[unit_id] = level
    node_ids = {unit.pk, *ancestors, *descendants}
    edges: list[LineageEdge] = []
    if len(node_ids) > 1:
        sources = EventParticipant.objects.filter(
            role=ParticipantRole.SOURCE,
            unit_id__in=node_ids,
            event__type__in=[EventType.MERGE, EventType.ABSORB, EventType.SPLIT],
            event__decision__status=DecisionStatus.APPROVED,
        ).values_list(
            "unit_id",
            "event_id",
            "event__key",
            "event__type",
            "event__effective_on",
            "event__decision__number",
        )
        targets: dict[int, list[int]] = {}
        for event_id, unit_id in EventParticipant.objects.filter(
            role=ParticipantRole.TARGET,
            unit_id__in=node_ids,
            event__decision__status=DecisionStatus.APPROVED,
        ).values_list("event_id", "unit_id"):
            targets.setdefault(event_id, []).append(unit_id)
        for pred, event_id, key, type_, on, number in sources:
            for succ in targets.get(event_id, []):
                edges.append(LineageEdge(pred, succ, event_id, key, type_, on, number))
        edges.sort(key=lambda e: (e.effective_on, e.event_id, e.predecessor_id, e.successor_id))
    units = Unit.objects.in_bulk(node_ids)
    return Lineage(
        unit=unit, ancestors=ancestors, descendants=descendants, edges=edges, units=units
    )


def unit_end(*, unit: Unit) -> tuple[dt.date, Event] | None:
    """When and by which event a unit ended, or None if it has not."""
    last = (
        UnitVersion.objects.filter(unit=unit)
        .select_related("closed_by")
        .order_by("-valid_from")
        .first()
    )
    if last is None or last.valid_to is None or last.closed_by is None:
        return None
    return last.valid_to, last.closed_by
