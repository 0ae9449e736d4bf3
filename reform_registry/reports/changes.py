"""What was established, ended or changed between two dates, and the events that did it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from units import selectors
from units.choices import DecisionStatus, ParticipantRole
from units.models import Event, EventParticipant, Jurisdiction, UnitVersion


@dataclass
class ChangedUnit:
    key: str
    kind: str
    name: str
    on: dt.date
    event: str
    event_type: str
    decision: str
    fields: list[str] = field(default_factory=list)


@dataclass
class ChangeEvent:
    key: str
    type: str
    effective_on: dt.date
    decision: str
    decision_title: str
    sources: list[str]
    targets: list[str]


@dataclass
class ChangesReport:
    jurisdiction: str | None
    start: dt.date
    end: dt.date
    established: list[ChangedUnit]
    ended: list[ChangedUnit]
    changed: list[ChangedUnit]
    events: list[ChangeEvent]


def changes_report(
    *,
    start: dt.date,
    end: dt.date,
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = True,
    user: Any = None,
) -> ChangesReport:
    """What was established, ended or changed on a date in [start, end], with the approved
    events that did it, of the units the user reads (an event names only those). Four
    queries whatever the number of units."""
    events_qs = approved_events(
        jurisdiction=jurisdiction, subdivisions=subdivisions, user=user
    ).filter(effective_on__gte=start, effective_on__lte=end)
    versions = UnitVersion.objects.restrict(user)
    if jurisdiction is not None:
        ids = selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
        versions = versions.filter(jurisdiction_id__in=ids)
    established, changed = _opened(versions, start=start, end=end)
    return ChangesReport(
        jurisdiction=jurisdiction.code if jurisdiction else None,
        start=start,
        end=end,
        established=established,
        ended=_ended(versions, start=start, end=end),
        changed=changed,
        events=_events(events_qs, user=user),
    )


def approved_events(
    *, jurisdiction: Jurisdiction | None = None, subdivisions: bool = True, user: Any = None
) -> QuerySet[Event]:
    """The approved events the user reads; with a jurisdiction, those of which a unit has (or
    had) a version there (with ``subdivisions``, or below)."""
    events = Event.objects.restrict(user).filter(decision__status=DecisionStatus.APPROVED)
    if jurisdiction is None:
        return events
    ids = selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
    return events.filter(participants__unit__versions__jurisdiction_id__in=ids).distinct()


def _row(version: UnitVersion, event: Event, on: dt.date) -> ChangedUnit:
    return ChangedUnit(
        key=version.unit.key,
        kind=version.kind,
        name=version.name,
        on=on,
        event=event.key,
        event_type=event.type,
        decision=event.decision.number,
    )


def _by_events(
    versions: QuerySet[UnitVersion], event: str, day: str, *, start: dt.date, end: dt.date
) -> QuerySet[UnitVersion]:
    """Versions opened (``opened_by``, ``valid_from``) or closed (``closed_by``, ``valid_to``)
    in [start, end] by an approved event, with their unit and the event's decision."""
    return versions.select_related("unit", f"{event}__decision").filter(
        **{
            f"{event}__isnull": False,
            f"{day}__gte": start,
            f"{day}__lte": end,
            f"{event}__decision__status": DecisionStatus.APPROVED,
        }
    )


def _opened(
    versions: QuerySet[UnitVersion], *, start: dt.date, end: dt.date
) -> tuple[list[ChangedUnit], list[ChangedUnit]]:
    """Versions opened in the window by an event: the unit was established (the event created
    it) or changed (absorb or change, with the fields that changed)."""
    opened = list(
        _by_events(versions, "opened_by", "valid_from", start=start, end=end).order_by(
            "valid_from", "unit__key"
        )
    )
    created = set(
        EventParticipant.objects.filter(
            creates=True, event_id__in=[v.opened_by_id for v in opened]
        ).values_list("event_id", "unit_id")
    )
    previous_ids = [v.unit_id for v in opened if (v.opened_by_id, v.unit_id) not in created]
    previous: dict[tuple[int, dt.date | None], UnitVersion] = {}
    if previous_ids:
        for p in UnitVersion.objects.filter(
            unit_id__in=previous_ids, valid_to__gte=start, valid_to__lte=end
        ):
            previous[(p.unit_id, p.valid_to)] = p
    established: list[ChangedUnit] = []
    changed: list[ChangedUnit] = []
    for v in opened:
        assert v.opened_by is not None  # filtered on opened_by
        row = _row(v, v.opened_by, v.valid_from)
        if (v.opened_by_id, v.unit_id) in created:
            established.append(row)
        else:
            before = previous.get((v.unit_id, v.valid_from))
            row.fields = selectors.changed_fields(before, v) if before else []
            changed.append(row)
    return established, changed


def _ended(versions: QuerySet[UnitVersion], *, start: dt.date, end: dt.date) -> list[ChangedUnit]:
    """Versions closed in the window with no later version: the unit ended."""
    later = UnitVersion.objects.filter(unit_id=OuterRef("unit_id"), valid_from=OuterRef("valid_to"))
    closed = (
        _by_events(versions, "closed_by", "valid_to", start=start, end=end)
        .filter(~Exists(later))
        .order_by("valid_to", "unit__key")
    )
    ended: list[ChangedUnit] = []
    for v in closed:
        assert v.closed_by is not None and v.valid_to is not None  # filtered on both
        ended.append(_row(v, v.closed_by, v.valid_to))
    return ended


def _events(events_qs: QuerySet[Event], *, user: Any) -> list[ChangeEvent]:
    """The events, each with the keys of its sources and targets that the user reads."""
    parts: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    event_list = list(events_qs.select_related("decision").order_by("effective_on", "id"))
    for event_id, role, key in (
        EventParticipant.objects.restrict(user)
        .filter(event_id__in=[e.pk for e in event_list])
        .order_by("event_id", "role", "position", "id")
        .values_list("event_id", "role", "unit__key")
    ):
        parts[event_id][0 if role == ParticipantRole.SOURCE else 1].append(key)
    return [
        ChangeEvent(
            key=e.key,
            type=e.type,
            effective_on=e.effective_on,
            decision=e.decision.number,
            decision_title=e.decision.title,
            sources=parts[e.pk][0],
            targets=parts[e.pk][1],
        )
        for e in event_list
    ]
