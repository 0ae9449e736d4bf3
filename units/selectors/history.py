"""The history of a unit: its versions, the events that opened and closed them, what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..choices import DecisionStatus, EventType, ParticipantRole
from ..models import Event, EventParticipant, Unit, UnitVersion
from .versions import version_values


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


def unit_creation(*, unit: Unit) -> EventParticipant | None:
    """The event (of any status) that creates the unit, with its decision and the unit's
    attributes at birth; None for a registered unit. One query."""
    return (
        EventParticipant.objects.filter(unit=unit, creates=True)
        .select_related("event__decision")
        .first()
    )


def unit_roles(*, unit: Unit, events: list[Event]) -> dict[int, str]:
    """The unit's role (source or target) in each of the events, by event id: one query."""
    return dict(
        EventParticipant.objects.filter(unit=unit, event_id__in=[e.pk for e in events]).values_list(
            "event_id", "role"
        )
    )


def event_change(history: UnitHistory, event: Event) -> str | None:
    """For a change event of the history, what it changed (``change_label`` of the version it
    opened); None for other events."""
    if event.type != EventType.CHANGE:
        return None
    opened = next((v for v in history.versions if v.opened_by_id == event.pk), None)
    return change_label(history.changes.get(opened.pk, [])) if opened is not None else None


def labelled_history(*, unit: Unit) -> dict[str, Any]:
    """A unit's history as the API gives it: its registration date, its versions (each with the
    fields it changed) and the approved events it took part in, each with its label (the type,
    and for a change what it changed) and the unit's role in it."""
    history = unit_history(unit=unit)
    roles = unit_roles(unit=unit, events=history.events)
    for version in history.versions:
        version.changed = history.changes.get(version.pk, [])
    for event in history.events:
        change = event_change(history, event)
        label = str(EventType(event.type).label)
        event.label = f"{label}:{change}" if change else label
        event.role = roles.get(event.pk, ParticipantRole.SOURCE)
    registration = history.registration
    return {
        "key": unit.key,
        "kind": unit.kind,
        "registered_on": registration.established_on if registration else None,
        "versions": history.versions,
        "events": history.events,
    }


def changed_fields(before: UnitVersion, after: UnitVersion) -> list[str]:
    """Names of the attributes that differ between two versions (jurisdiction, parent without _id)."""
    old, new = version_values(before), version_values(after)
    return [name for name in new if old[name] != new[name]]


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
