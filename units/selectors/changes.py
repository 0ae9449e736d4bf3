"""What the events of decisions changed, their units named as they were."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..choices import EventType, ParticipantRole
from ..models import Decision, Event, EventParticipant, Unit, UnitVersion
from .history import change_label


@dataclass
class ChangedUnit:
    unit: Unit
    name: str


@dataclass
class EventChange:
    event: Event
    label: str  # the event type, or for a change what changed (rename, transfer …)
    sources: list[ChangedUnit]
    targets: list[ChangedUnit]
    after: list[ChangedUnit] = field(default_factory=list)  # a change's sources, on the day


@dataclass
class DecisionChanges:
    decision: Decision
    events: list[EventChange]


def change_details(
    *, decisions: Iterable[Decision], start: dt.date, end: dt.date, user: Any = None
) -> list[DecisionChanges]:
    """The events of the given decisions effective in (start, end], with their units named as
    they were (sources the day before, targets on the day): of the units the user reads. Three
    queries whatever the size."""
    decisions = list(decisions)
    events = list(
        Event.objects.restrict(user)
        .filter(decision__in=decisions, effective_on__gt=start, effective_on__lte=end)
        .order_by("effective_on", "id")
    )
    parts = list(
        EventParticipant.objects.restrict(user)
        .filter(event__in=events)
        .select_related("unit")
        .order_by("event_id", "role", "position", "id")
    )
    versions: dict[int, list[tuple[dt.date, dt.date | None, str]]] = {}
    if parts:
        for unit_id, start_on, end_on, name in UnitVersion.objects.filter(
            unit_id__in={p.unit_id for p in parts}
        ).values_list("unit_id", "valid_from", "valid_to", "name"):
            versions.setdefault(unit_id, []).append((start_on, end_on, name))

    def name_on(unit: Unit, day: dt.date, part: EventParticipant | None = None) -> str:
        for start_on, end_on, name in versions.get(unit.pk, ()):
            if start_on <= day and (end_on is None or day < end_on):
                return name
        # A new unit of a draft or revoked decision has no version: the name it is given.
        if part is not None and part.creates and part.attributes.get("name"):
            return str(part.attributes["name"])
        return unit.key

    by_event: dict[int, list[EventParticipant]] = {}
    for part in parts:
        by_event.setdefault(part.event_id, []).append(part)
    by_decision: dict[int, list[EventChange]] = {}
    for event in events:
        day, before = event.effective_on, event.effective_on - dt.timedelta(days=1)
        sources = [
            ChangedUnit(p.unit, name_on(p.unit, before))
            for p in by_event.get(event.pk, [])
            if p.role == ParticipantRole.SOURCE
        ]
        targets = [
            ChangedUnit(p.unit, name_on(p.unit, day, p))
            for p in by_event.get(event.pk, [])
            if p.role == ParticipantRole.TARGET
        ]
        label = (
            change_label(sorted(event.attributes)) if event.type == EventType.CHANGE else event.type
        )
        after = (
            [ChangedUnit(u.unit, name_on(u.unit, day)) for u in sources]
            if event.type == EventType.CHANGE
            else []
        )
        by_decision.setdefault(event.decision_id, []).append(
            EventChange(event, label, sources, targets, after)
        )
    return [DecisionChanges(d, by_decision.get(d.pk, [])) for d in decisions]
