"""Events of draft decisions: add, edit, delete, and the checks they share.

``events_create_bulk`` checks every row against what the database holds (read once per call)
and reports every problem in one ``RegistryError``; ``event_create`` is that call with one row,
and ``event_update`` runs the same checks on the edited event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.bulk import chunked, copy_values, insert_with_ids
from core.errors import RegistryError

from .. import audit, permissions
from ..choices import DecisionStatus, EventType, ParticipantRole
from ..models import Decision, Event, EventParticipant, Unit
from ..rules import (
    UNIT_KINDS,
    clean_attributes,
    decision_key_stem,
    event_structure_problems,
    generated_event_key,
    generated_unit_key,
)
from ..validators import unit_key_validator
from .decisions import draft_locked, orphans_delete, revision_bump, revisions_bump


@dataclass
class NewUnit:
    """A unit that an establish, merge or split event brings into being."""

    key: str
    kind: str
    attributes: dict[str, Any]


@dataclass
class EventInput:
    """One event of ``events_create_bulk``: units are given by key."""

    decision: Decision
    key: str
    type: str
    effective_on: dt.date
    sources: Sequence[str] = ()
    targets: Sequence[str] = ()
    new_units: Sequence[NewUnit] = ()
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""


# An event checked: its input, its cleaned attributes, those of each unit it creates.
Checked = tuple[EventInput, dict[str, Any], list[dict[str, Any]]]

PARTICIPANT_COLUMNS = ("event", "unit", "role", "creates", "attributes", "position")


def _stored_keys(model: type[Event] | type[Unit], keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for batch in chunked(sorted(set(keys))):
        found.update(model.objects.filter(key__in=batch).order_by().values_list("key", flat=True))
    return found


class _EventChecks:
    """The checks of events about to be written, against what the database holds (read once
    per call). Each problem names its ``event`` and, where it has one, its ``unit`` and
    ``column``."""

    def __init__(self, rows: Sequence[EventInput], *, created_before: Iterable[str] = ()):
        wanted = {k for r in rows for k in (*r.sources, *r.targets)}
        self.units: dict[str, int] = {}  # unit key -> id
        self.kinds: dict[str, str] = {n.key: n.kind for r in rows for n in r.new_units}
        for batch in chunked(sorted(wanted)):
            for unit_key, unit_id, kind in (
                Unit.objects.filter(key__in=batch).order_by().values_list("key", "id", "kind")
            ):
                self.units[unit_key] = unit_id
                self.kinds.setdefault(unit_key, kind)
        new_keys = {n.key for r in rows for n in r.new_units}
        self.created_here = new_keys  # later events of the same call may refer to these units
        self.taken_units = _stored_keys(Unit, new_keys) - set(created_before)
        self.taken_events: set[str] = set()
        self.problems: list[dict] = []
        self.seen_events: set[str] = set()
        self.seen_units: set[str] = set()

    def bad(self, event: str, message: str, **extra: Any) -> None:
        prefix = _("事项 %(event)s：") % {"event": event}
        self.problems.append({"event": event, **extra, "message": prefix + message})

    def valid_key(self, event: str, key: str, what: str, **extra: Any) -> bool:
        """Whether a key is well formed; when not, a problem saying why."""
        try:
            unit_key_validator(key)
        except ValidationError as exc:
            reason = " ".join(exc.messages)
            self.bad(
                event,
                _("%(what)s“%(value)s”无效：%(reason)s")
                % {"what": what, "value": key, "reason": reason},
                column="key",
                **extra,
            )
            return False
        return True

    def refuse(self) -> None:
        """Raise the problems found, if any: one problem's own message, or their count."""
        if not self.problems:
            return
        message = (
            self.problems[0]["message"]
            if len(self.problems) == 1
            else _("事项被拒绝：%(n)d 个问题。") % {"n": len(self.problems)}
        )
        raise RegistryError(message, problems=self.problems)

    def new_event(self, row: EventInput, decisions: dict[int, Decision]) -> Checked | None:
        """Check an event to be created: its key and its decision, then its content."""
        key = row.key
        if not self.valid_key(key, key, _("事项标识")):
            return None
        if key in self.seen_events:
            self.bad(key, _("事项标识“%(key)s”重复。") % {"key": key}, column="key")
            return None
        self.seen_events.add(key)
        if key in self.taken_events:
            self.bad(key, _("事项标识“%(key)s”已存在。") % {"key": key}, column="key")
        decision = decisions.get(row.decision.pk)
        if decision is None or decision.status != DecisionStatus.DRAFT:
            status = decision.get_status_display() if decision else _("已删除")
            self.bad(
                key,
                _("决定 %(number)s 的状态为“%(status)s”，不能再添加事项。")
                % {"number": row.decision.number, "status": status},
                column="decision",
            )
        return self.content(row)

    def content(self, row: EventInput) -> Checked:
        """Check what an event names and sets: its units exist, its shape, its attribute values
        and the units it creates."""
        key = row.key
        for column, keys in (("sources", row.sources), ("targets", row.targets)):
            for unit_key in keys:
                if unit_key not in self.units and unit_key not in self.created_here:
                    self.bad(
                        key,
                        _("机构“%(unit)s”不存在。") % {"unit": unit_key},
                        unit=unit_key,
                        column=column,
                    )
        self.problems.extend(
            event_structure_problems(
                key=key,
                type_=row.type,
                sources=list(row.sources),
                existing_targets=list(row.targets),
                new_targets=[n.key for n in row.new_units],
                attributes=row.attributes or {},
            )
        )
        values, wrong = clean_attributes(
            row.attributes or {}, birth=False, kind=self.kind_changed(row)
        )
        for p in wrong:
            self.bad(key, p["message"], column=p["column"])
        return row, values, [self.new_unit(key, new) for new in row.new_units]

    def kind_changed(self, row: EventInput) -> str | None:
        """The kind of the unit whose attributes an event sets (the source of a change, the
        target of an absorb), when there is one such unit and it is known."""
        if row.type not in (EventType.CHANGE, EventType.ABSORB):
            return None
        keys = row.sources if row.type == EventType.CHANGE else row.targets
        kinds = {self.kinds[k] for k in keys if k in self.kinds}
        return kinds.pop() if len(kinds) == 1 else None

    def new_unit(self, event: str, new: NewUnit) -> dict[str, Any]:
        """Check a unit an event creates; return its cleaned state at birth."""
        where = {"unit": new.key}
        prefix = _("新设机构 %(unit)s：") % {"unit": new.key}
        if not self.valid_key(event, new.key, _("机构标识"), **where):
            return {}
        if new.key in self.seen_units:
            self.bad(event, prefix + _("机构标识重复。"), column="key", **where)
        self.seen_units.add(new.key)
        if new.key in self.taken_units:
            self.bad(
                event,
                _("新设机构标识“%(unit)s”已存在。") % {"unit": new.key},
                column="key",
                **where,
            )
        if new.kind not in UNIT_KINDS:
            self.bad(
                event,
                prefix + _("未知的机构类别“%(kind)s”。") % {"kind": new.kind},
                column="kind",
                **where,
            )
        values, wrong = clean_attributes(new.attributes or {}, birth=True, kind=new.kind)
        for p in wrong:
            self.bad(event, prefix + p["message"], column=p["column"], **where)
        return values


def _placed_in(rows: Iterable[EventInput]) -> list[str | None]:
    """The jurisdictions events place units in: of the units they create, and of a change."""
    rows = list(rows)
    return [(n.attributes or {}).get("jurisdiction") for r in rows for n in r.new_units] + [
        (r.attributes or {}).get("jurisdiction") for r in rows
    ]


def _participants(
    event_id: int,
    sources: Sequence[int],
    targets: Sequence[int],
    created: Sequence[tuple[int, dict]],
) -> list[tuple]:
    """An event's participant rows (``PARTICIPANT_COLUMNS``): its sources, its existing
    targets, then the targets it creates (with their state at birth), each numbered in order."""
    rows: list[tuple] = [
        (event_id, u, ParticipantRole.SOURCE, False, {}, i) for i, u in enumerate(sources)
    ]
    rows += [(event_id, u, ParticipantRole.TARGET, False, {}, i) for i, u in enumerate(targets)]
    rows += [
        (event_id, u, ParticipantRole.TARGET, True, values, i)
        for i, (u, values) in enumerate(created, start=len(targets))
    ]
    return rows


def _event_snapshot(event: Event) -> dict[str, Any]:
    parts = list(event.participants.select_related("unit").order_by("role", "position", "id"))
    return {
        "key": event.key,
        "decision": event.decision.number,
        "type": event.type,
        "effective_on": event.effective_on.isoformat(),
        "sources": [p.unit.key for p in parts if p.role == ParticipantRole.SOURCE],
        "targets": [p.unit.key for p in parts if p.role == ParticipantRole.TARGET],
        "new_units": {p.unit.key: p.attributes for p in parts if p.creates},
        "attributes": event.attributes,
        "note": event.note,
    }


def _unit_keys(units: Iterable[Unit | str]) -> list[str]:
    return [u.key if isinstance(u, Unit) else u for u in units]


# ---------------------------------------------------------------------------------------------
# Adding events
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    decision: Decision,
    key: str,
    type: str,
    effective_on: dt.date,
    sources: Sequence[Unit | str] = (),
    targets: Sequence[Unit | str] = (),
    new_units: Sequence[NewUnit] = (),
    attributes: dict[str, Any] | None = None,
    note: str = "",
    revision: int | None = None,
    user: Any = None,
) -> Event:
    """Add an event to a draft decision (``events_create_bulk`` with one row). ``targets`` are
    existing units (absorb); ``new_units`` are created by this event (establish, merge,
    split). ``revision`` guards against a concurrent edit of the decision."""
    permissions.require(user, "units.add_event")
    draft_locked(decision, revision)
    row = EventInput(
        decision=decision,
        key=key,
        type=type,
        effective_on=effective_on,
        sources=_unit_keys(sources),
        targets=_unit_keys(targets),
        new_units=list(new_units),
        attributes=attributes or {},
        note=note,
    )
    (event,) = events_create_bulk(rows=[row], user=user)
    decision.refresh_from_db(fields=["revision"])
    return event


@transaction.atomic
def events_create_bulk(*, rows: Sequence[EventInput], user: Any = None) -> list[Event]:
    """Add many events to draft decisions at once.

    Every row is checked (keys, decisions, units, shape, attribute values of the event and of
    the units it creates) and every problem is reported in one ``RegistryError``; then all
    events are written with a few bulk inserts. Each problem names its ``event`` and, where
    it has one, its ``unit`` and ``column``."""
    permissions.require(user, "units.add_event")
    if not rows:
        return []
    decision_ids = sorted({r.decision.pk for r in rows})
    decisions = {d.pk: d for d in Decision.objects.select_for_update().filter(pk__in=decision_ids)}
    checks = _EventChecks(rows)
    permissions.check_event_scope(
        user,
        units=list(checks.units.values()),
        codes=_placed_in(rows),
        event=rows[0].key if len(rows) == 1 else "",
    )
    checks.taken_events = _stored_keys(Event, (r.key for r in rows))
    cleaned = [checked for row in rows if (checked := checks.new_event(row, decisions))]
    checks.refuse()
    events, created = _events_insert(cleaned, checks.units)
    revisions_bump(decision_ids)
    _audit_created(events, created, cleaned)
    return events


def _events_insert(cleaned: list[Checked], units: dict[str, int]) -> tuple[list[Event], list[Unit]]:
    """Insert the events, the units they create and their participants; ``units`` (key -> id)
    gains the created units."""
    events = insert_with_ids(
        Event,
        [
            Event(
                decision_id=row.decision.pk,
                key=row.key,
                type=row.type,
                effective_on=row.effective_on,
                attributes=values,
                note=row.note,
            )
            for row, values, _n in cleaned
        ],
    )
    created = insert_with_ids(
        Unit, [Unit(key=n.key, kind=n.kind) for row, _v, _n in cleaned for n in row.new_units]
    )
    units.update((u.key, u.pk) for u in created)
    parts: list[tuple] = []
    for event, (row, _values, new_values) in zip(events, cleaned, strict=True):
        parts += _participants(
            event.pk,
            [units[k] for k in row.sources],
            [units[k] for k in row.targets],
            [(units[new.key], vals) for new, vals in zip(row.new_units, new_values, strict=True)],
        )
    copy_values(EventParticipant, PARTICIPANT_COLUMNS, parts)
    return events, created


def _audit_created(events: list[Event], created: list[Unit], cleaned: list[Checked]) -> None:
    created_by = {n.key: row.key for row, _v, _n in cleaned for n in row.new_units}
    audit.record_many(
        "create",
        [
            (
                unit,
                None,
                {"key": unit.key, "kind": unit.kind, "established_by": created_by[unit.key]},
            )
            for unit in created
        ],
    )
    audit.record_many(
        "create",
        [
            (
                event,
                None,
                {
                    "key": row.key,
                    "decision": row.decision.number,
                    "type": row.type,
                    "effective_on": row.effective_on.isoformat(),
                    "sources": list(row.sources),
                    "targets": [*row.targets, *(n.key for n in row.new_units)],
                    "new_units": {
                        n.key: vals for n, vals in zip(row.new_units, new_values, strict=True)
                    },
                    "attributes": values,
                    "note": row.note,
                },
            )
            for event, (row, values, new_values) in zip(events, cleaned, strict=True)
        ],
    )


# ---------------------------------------------------------------------------------------------
# Editing and deleting events
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def event_update(
    *,
    event: Event,
    revision: int | None = None,
    type: str | None = None,
    effective_on: dt.date | None = None,
    sources: Sequence[Unit | str] | None = None,
    targets: Sequence[Unit | str] | None = None,
    new_units: Sequence[NewUnit] | None = None,
    attributes: dict[str, Any] | None = None,
    note: str | None = None,
    user: Any = None,
) -> Event:
    """Edit an event of a draft: what is given replaces what was there. The edited event is
    checked as ``events_create_bulk`` checks a new one (its key and decision stay)."""
    permissions.require(user, "units.change_event")
    decision = draft_locked(event.decision, revision)
    event = Event.objects.select_for_update().get(pk=event.pk)
    before = _event_snapshot(event)
    parts = list(event.participants.select_related("unit"))
    row = _edited(
        event,
        parts,
        decision=decision,
        type=type,
        effective_on=effective_on,
        sources=sources,
        targets=targets,
        new_units=new_units,
        attributes=attributes,
        note=note,
    )
    old_created = {p.unit.key: p.unit for p in parts if p.creates}
    checks = _EventChecks([row], created_before=old_created)
    permissions.check_event_scope(
        user,
        units=[*(p.unit_id for p in parts), *checks.units.values()],
        codes=_placed_in([row]),
        event=event.key,
    )
    _row, values, new_values = checks.content(row)
    checks.refuse()
    _participants_replace(event, row, new_values, old_created, checks.units)
    event.type = row.type
    event.effective_on = row.effective_on
    event.note = row.note
    event.attributes = values
    event.save()
    revision_bump(decision)
    audit.record("update", event, before=before, after=_event_snapshot(event))
    return event


def _edited(
    event: Event,
    parts: list[EventParticipant],
    *,
    decision: Decision,
    type: str | None,
    effective_on: dt.date | None,
    sources: Sequence[Unit | str] | None,
    targets: Sequence[Unit | str] | None,
    new_units: Sequence[NewUnit] | None,
    attributes: dict[str, Any] | None,
    note: str | None,
) -> EventInput:
    """The event as edited: what is given, else what it was."""
    if sources is None:
        sources = [p.unit for p in parts if p.role == ParticipantRole.SOURCE]
    if targets is None:
        targets = [p.unit for p in parts if p.role == ParticipantRole.TARGET and not p.creates]
    if new_units is None:
        new_units = [NewUnit(p.unit.key, p.unit.kind, p.attributes) for p in parts if p.creates]
    return EventInput(
        decision=decision,
        key=event.key,
        type=type or event.type,
        effective_on=effective_on if effective_on is not None else event.effective_on,
        sources=_unit_keys(sources),
        targets=_unit_keys(targets),
        new_units=list(new_units),
        attributes=(attributes if attributes is not None else event.attributes) or {},
        note=note if note is not None else event.note,
    )


def _participants_replace(
    event: Event,
    row: EventInput,
    new_values: list[dict[str, Any]],
    old_created: dict[str, Unit],
    units: dict[str, int],
) -> None:
    """Replace an event's participants with those of the edited row: units it still creates
    are kept (with their kind updated), new ones created, those it no longer creates deleted."""
    event.participants.all().delete()
    created: list[tuple[int, dict]] = []
    for new, vals in zip(row.new_units, new_values, strict=True):
        unit = old_created.pop(new.key, None)
        if unit is None:
            unit = Unit.objects.create(key=new.key, kind=new.kind)
            audit.record(
                "create",
                unit,
                after={"key": unit.key, "kind": unit.kind, "established_by": event.key},
            )
        elif unit.kind != new.kind:
            unit.kind = new.kind
            unit.save(update_fields=["kind"])
        created.append((unit.pk, vals))
    copy_values(
        EventParticipant,
        PARTICIPANT_COLUMNS,
        _participants(
            event.pk, [units[k] for k in row.sources], [units[k] for k in row.targets], created
        ),
    )
    orphans_delete(old_created.values())


@transaction.atomic
def event_delete(*, event: Event, revision: int | None = None, user: Any = None) -> None:
    permissions.require(user, "units.delete_event")
    decision = draft_locked(event.decision, revision)
    permissions.check_event_scope(
        user, units=[p.unit_id for p in event.participants.all()], event=event.key
    )
    created = [p.unit for p in event.participants.select_related("unit") if p.creates]
    audit.record("delete", event, before=_event_snapshot(event))
    event.delete()
    orphans_delete(created)
    revision_bump(decision)


# ---------------------------------------------------------------------------------------------
# The shape of the events of decisions about to be approved
# ---------------------------------------------------------------------------------------------


def decision_structure_problems(decisions: Iterable[Decision]) -> list[dict]:
    """Shape problems of every event of the given decisions, in two queries."""
    decision_ids = [d.pk for d in decisions]
    events = Event.objects.filter(decision_id__in=decision_ids).order_by("effective_on", "id")
    parts: dict[int, list[tuple[str, bool, str]]] = {}
    for event_id, role, creates, key in EventParticipant.objects.filter(
        event__decision_id__in=decision_ids
    ).values_list("event_id", "role", "creates", "unit__key"):
        parts.setdefault(event_id, []).append((role, creates, key))
    problems: list[dict] = []
    for event_id, key, type_, attributes in events.values_list("id", "key", "type", "attributes"):
        rows = parts.get(event_id, [])
        problems += event_structure_problems(
            key=key,
            type_=type_,
            sources=[k for r, _c, k in rows if r == ParticipantRole.SOURCE],
            existing_targets=[k for r, c, k in rows if r == ParticipantRole.TARGET and not c],
            new_targets=[k for r, c, k in rows if r == ParticipantRole.TARGET and c],
            attributes=attributes or {},
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Keys of events and new units entered without one
# ---------------------------------------------------------------------------------------------


@dataclass
class KeysWanted:
    """An event about to be saved, for ``generated_keys``: its key ("" when left blank), its
    type, the slots of its new units left without a key, and whether it is a new event (new
    events are numbered after the decision's stored ones)."""

    key: str
    type: str
    slots: Sequence[int] = ()
    new: bool = True


def generated_keys(
    *, decision: Decision, wanted: Sequence[KeysWanted], given: Iterable[str] = ()
) -> list[tuple[str, dict[int, str]]]:
    """Keys for the events of a draft and the units they create, where the clerk left them
    blank (the rules ``generated_event_key`` and ``generated_unit_key``): for each event of
    ``wanted``, in the same order, its key and the keys of its new units left without one.
    No key generated is stored already, is in ``given`` (typed elsewhere on the same page) or
    is generated twice. Reads only; the keys are written by the services that create."""
    stem = decision_key_stem(decision.number, decision.pk)
    taken = set(given)
    for prefix in sorted({stem} | {w.key for w in wanted if w.key and w.slots}):
        for model in (Event, Unit):
            taken.update(
                model.objects.filter(key__startswith=prefix)
                .order_by()
                .values_list("key", flat=True)
            )
    position = Event.objects.filter(decision=decision).count()
    answer: list[tuple[str, dict[int, str]]] = []
    for row in wanted:
        key = row.key
        position += 1 if row.new else 0
        if not key:
            key = generated_event_key(stem, row.type, position, taken)
            taken.add(key)
        units: dict[int, str] = {}
        for slot in row.slots:
            units[slot] = generated_unit_key(key, slot, taken)
            taken.add(units[slot])
        answer.append((key, units))
    return answer
