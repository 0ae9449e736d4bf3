"""Lineage: predecessors and successors of a unit to any depth, in one recursive query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from core.restrict import visible_among

from ..choices import DecisionStatus, EventType, ParticipantRole
from ..models import Decision, Event, EventParticipant, Unit

MAX_LINEAGE_DEPTH = 100


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
class LineageExit:
    """A unit of the lineage leaving the registry to the outside (transform: 转企改制)."""

    unit_id: int
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
    exits: list[LineageExit] = field(default_factory=list)

    def relation(self, unit_id: int) -> str:
        """``self``, ``ancestor`` or ``descendant``."""
        if unit_id == self.unit.pk:
            return "self"
        return "ancestor" if unit_id in self.ancestors else "descendant"

    def distance(self, unit_id: int) -> int:
        """Steps between the unit and another of its lineage (0 for the unit itself)."""
        if unit_id == self.unit.pk:
            return 0
        return self.ancestors.get(unit_id, self.descendants.get(unit_id, 0))

    def generation(self, unit_id: int) -> int:
        """The distance, negative for ancestors: the row order of a diagram."""
        distance = self.distance(unit_id)
        return -distance if self.relation(unit_id) == "ancestor" else distance

    def graph(self, names: dict[int, str]) -> dict[str, list[dict[str, Any]]]:
        """The lineage as nodes (by key, with their latest names) and edges, as the API gives
        it."""
        nodes = [
            {
                "key": u.key,
                "kind": u.kind,
                "name": names.get(uid),
                "relation": self.relation(uid),
                "depth": self.distance(uid),
            }
            for uid, u in sorted(self.units.items(), key=lambda item: item[1].key)
        ]
        keys = {uid: u.key for uid, u in self.units.items()}
        edges = [
            {
                "predecessor": keys[e.predecessor_id],
                "successor": keys[e.successor_id],
                "event": e.event_key,
                "event_type": e.event_type,
                "effective_on": e.effective_on,
                "decision": e.decision_number,
            }
            for e in self.edges
        ]
        return {"nodes": nodes, "edges": edges}

    def restrict(self, user: Any) -> None:
        """Keep the units the user reads, and the edges and exits between them."""
        shown = visible_among(Unit, self.units, user)
        self.units = {uid: u for uid, u in self.units.items() if uid in shown}
        self.edges = [
            e for e in self.edges if e.predecessor_id in shown and e.successor_id in shown
        ]
        self.exits = [e for e in self.exits if e.unit_id in shown]


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


def unit_lineage(*, unit: Unit, depth: int | None = None, user: Any = None) -> Lineage:
    """Ancestors and descendants of a unit to any depth (bounded by ``depth``), with the edges
    between them and the exits of transformed units: one recursive query for the walk, two for
    the edges and exits, one for the units; four whatever the size. With ``user``: of the units
    that user reads (one query more, when the user does not read every unit)."""
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
    exits: list[LineageExit] = []
    # The same queries whatever the size: sources (with transforms, whose successor is outside
    # the registry), targets, units.
    sources = EventParticipant.objects.filter(
        role=ParticipantRole.SOURCE,
        unit_id__in=node_ids,
        event__type__in=[
            EventType.MERGE,
            EventType.ABSORB,
            EventType.SPLIT,
            EventType.TRANSFORM,
        ],
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
        if type_ == EventType.TRANSFORM:
            exits.append(LineageExit(pred, event_id, key, type_, on, number))
            continue
        for succ in targets.get(event_id, []):
            edges.append(LineageEdge(pred, succ, event_id, key, type_, on, number))
    edges.sort(key=lambda e: (e.effective_on, e.event_id, e.predecessor_id, e.successor_id))
    exits.sort(key=lambda e: (e.effective_on, e.event_id, e.unit_id))
    units = Unit.objects.in_bulk(node_ids)
    lineage = Lineage(
        unit=unit,
        ancestors=ancestors,
        descendants=descendants,
        edges=edges,
        units=units,
        exits=exits,
    )
    if user is not None:
        lineage.restrict(user)
    return lineage
