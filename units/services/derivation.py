"""The derivation of UnitVersion rows from registrations and approved events.

``derive`` reads what it needs for a set of units in a fixed number of queries, computes every
version in memory and returns them with every problem found; it writes nothing. Approval and
rebuild store the result (``units.services.approval``); ``rebuild_registry --check`` compares it
with what is stored. The same function serves one decision in the admin and a whole workbook of
them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, JSONField, Q, When
from django.utils.translation import gettext as _

from core.bulk import chunked

from ..choices import TYPES_ENDING_SOURCES, DecisionStatus, EventType, ParticipantRole
from ..models import Event, EventParticipant, Jurisdiction, Unit, UnitRegistration, UnitVersion
from ..rules import ATTRIBUTE_FIELDS, DEFAULTS, VERSION_COLUMNS


@dataclass
class DerivedVersion:
    unit_id: int
    kind: str
    valid_from: dt.date
    valid_to: dt.date | None
    values: dict[str, Any]  # jurisdiction and parent resolved to ids
    opened_by_id: int | None
    closed_by_id: int | None

    def as_model(self) -> UnitVersion:
        values = dict(self.values)
        return UnitVersion(
            unit_id=self.unit_id,
            kind=self.kind,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            jurisdiction_id=values.pop("jurisdiction"),
            parent_id=values.pop("parent"),
            opened_by_id=self.opened_by_id,
            closed_by_id=self.closed_by_id,
            **values,
        )

    def signature(self) -> tuple:
        return (
            self.valid_from,
            self.valid_to,
            self.opened_by_id,
            self.closed_by_id,
            self.kind,
            *(self.values[name] for name in ATTRIBUTE_FIELDS),
        )


def stored_signature(version: UnitVersion) -> tuple:
    return (
        version.valid_from,
        version.valid_to,
        version.opened_by_id,
        version.closed_by_id,
        version.kind,
        *(getattr(version, column) for column in VERSION_COLUMNS),
    )


@dataclass
class Step:
    """One approved event as seen by one unit."""

    event_id: int
    event_key: str
    type: str
    effective_on: dt.date
    role: str
    creates: bool
    attributes: dict[str, Any]


@dataclass
class Derivation:
    versions: dict[int, list[DerivedVersion]] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)


def approved_filter(extra_decision_ids: Iterable[int] = ()) -> Q:
    """Events that count: of approved decisions, plus drafts previewed as if approved."""
    condition = Q(event__decision__status=DecisionStatus.APPROVED)
    extra = list(extra_decision_ids)
    if extra:
        condition |= Q(event__decision_id__in=extra)
    return condition


@dataclass
class _Inputs:
    """What the derivation of a set of units reads: the units, their registrations and, for
    each, the steps of the events that count."""

    units: list[tuple[int, str, str]] = field(default_factory=list)
    registrations: dict[int, tuple[dt.date, dict]] = field(default_factory=dict)
    steps: dict[int, list[Step]] = field(default_factory=lambda: defaultdict(list))


def _participations(extra_decision_ids: list[int]) -> Any:
    """Participations in the events that count, each with the values its step applies: those
    of the unit it creates, or those of a change or absorb event; other steps apply none (their
    JSON is not even read). No ordering: the steps of a unit are put in order later."""
    applied = Case(
        When(creates=True, then="attributes"),
        When(event__type__in=[EventType.CHANGE, EventType.ABSORB], then="event__attributes"),
        default=None,
        output_field=JSONField(),
    )
    return (
        EventParticipant.objects.filter(approved_filter(extra_decision_ids))
        .annotate(applied=applied)
        .order_by()
    )


def _read_inputs(ids: list[int] | None, extra: list[int], excluded: set[int]) -> _Inputs:
    """Read the units (all when ``ids`` is ``None``), registrations and steps, in batches."""
    inputs = _Inputs()
    participations = _participations(extra)

    def load(unit_filter: dict[str, Any], owner_filter: dict[str, Any]) -> None:
        # No ordering: a registration's default ordering would join the units table for nothing.
        inputs.units.extend(
            Unit.objects.order_by().filter(**unit_filter).values_list("id", "key", "kind")
        )
        for unit_id, established_on, attributes in (
            UnitRegistration.objects.order_by()
            .filter(**owner_filter)
            .values_list("unit_id", "established_on", "attributes")
        ):
            inputs.registrations[unit_id] = (established_on, attributes)
        for row in participations.filter(**owner_filter).values_list(
            "unit_id",
            "event_id",
            "event__key",
            "event__type",
            "event__effective_on",
            "role",
            "creates",
            "applied",
            "event__decision_id",
        ):
            (unit_id, event_id, key, type_, effective_on, role, creates, attrs, dec) = row
            if dec in excluded:
                continue
            inputs.steps[unit_id].append(
                Step(event_id, key, type_, effective_on, role, creates, attrs or {})
            )

    if ids is None:
        load({}, {})
    else:
        for batch in chunked(ids):
            load({"id__in": batch}, {"unit_id__in": batch})
    return inputs


def derive(
    unit_ids: Iterable[int] | None,
    *,
    extra_decision_ids: Iterable[int] = (),
    exclude_decision_ids: Iterable[int] = (),
) -> Derivation:
    """Derive the versions of the given units (all units when ``None``)."""
    ids = None if unit_ids is None else sorted(set(unit_ids))
    inputs = _read_inputs(ids, list(extra_decision_ids), set(exclude_decision_ids))
    result = Derivation(keys={uid: key for uid, key, _kind in inputs.units})
    symbolic = {
        unit_id: _derive_one(
            unit_id,
            key,
            kind,
            inputs.registrations.get(unit_id),
            inputs.steps.get(unit_id, []),
            result.problems,
        )
        for unit_id, key, kind in inputs.units
    }
    _resolve_references(symbolic, result)
    return result


def _resolve_references(
    symbolic: dict[int, list[tuple[DerivedVersion, str]]], result: Derivation
) -> None:
    """Replace the symbolic references of the versions (division codes, unit keys) by ids, in
    two queries, and store them in ``result``; a version with an unknown one is a problem."""
    codes = {
        v.values["jurisdiction"]
        for vs in symbolic.values()
        for v, _ in vs
        if v.values["jurisdiction"]
    }
    parent_keys = {
        v.values["parent"] for vs in symbolic.values() for v, _ in vs if v.values["parent"]
    }
    code_ids: dict[str, int] = {}
    for batch in chunked(codes):
        code_ids.update(Jurisdiction.objects.filter(code__in=batch).values_list("code", "id"))
    key_ids: dict[str, int] = {}
    for batch in chunked(parent_keys):
        key_ids.update(Unit.objects.filter(key__in=batch).values_list("key", "id"))
    for unit_id, versions in symbolic.items():
        resolved: list[DerivedVersion] = []
        for version, origin in versions:
            problem = _unresolved(version, code_ids, key_ids)
            if problem:
                result.problems.append(_problem(origin, result.keys[unit_id], problem))
            else:
                resolved.append(version)
        result.versions[unit_id] = resolved


def _unresolved(
    version: DerivedVersion, code_ids: dict[str, int], key_ids: dict[str, int]
) -> str | None:
    """Put the ids of the version's jurisdiction and supervising unit in its values; say what
    does not exist when one is unknown."""
    code = version.values["jurisdiction"]
    if code not in code_ids:
        return _("行政区划“%(code)s”不存在。") % {"code": code}
    version.values["jurisdiction"] = code_ids[code]
    parent_key = version.values["parent"]
    if parent_key is not None:
        if parent_key not in key_ids:
            return _("主管单位“%(parent)s”不存在。") % {"parent": parent_key}
        version.values["parent"] = key_ids[parent_key]
    return None


def _problem(event_key: str, unit_key: str, message: str, **extra: Any) -> dict:
    where = (
        _("事项 %(event)s，机构 %(unit)s：") % {"event": event_key, "unit": unit_key}
        if event_key
        else _("机构 %(unit)s 的登记：") % {"unit": unit_key}
    )
    return {"event": event_key or None, "unit": unit_key, "message": where + message, **extra}


def _ends(step: Step) -> bool:
    return step.role == ParticipantRole.SOURCE and step.type in TYPES_ENDING_SOURCES


def _derive_one(
    unit_id: int,
    key: str,
    kind: str,
    registration: tuple[dt.date, dict] | None,
    steps: list[Step],
    problems: list[dict],
) -> list[tuple[DerivedVersion, str]]:
    """The versions of one unit, each with the key of the event that opened it ("" for its
    registration); references stay symbolic."""
    creating = [s for s in steps if s.creates]
    # By date; on one date, what changes the unit comes before what ends it, so the outcome does
    # not depend on the order in which the events were entered.
    others = sorted(
        (s for s in steps if not s.creates),
        key=lambda s: (s.effective_on, _ends(s), s.event_id),
    )
    start = _start(key, registration, creating, others, problems)
    if start is None:
        return []
    start_on, start_attrs, opened_by, origin = start
    first = DerivedVersion(
        unit_id, kind, start_on, None, {**DEFAULTS, **start_attrs}, opened_by, None
    )
    return _apply_steps(first, origin, key, others, problems)


def _start(
    key: str,
    registration: tuple[dt.date, dict] | None,
    creating: list[Step],
    others: list[Step],
    problems: list[dict],
) -> tuple[dt.date, dict, int | None, str] | None:
    """When a unit starts, with its state at birth, the event opening it and that event's key:
    from its registration or the event creating it; ``None`` (with problems) when it has both
    or neither."""
    if registration and creating:
        problems.append(
            _problem(creating[0].event_key, key, _("该机构已作为存量机构登记，不能再由事项设立。"))
        )
        return None
    if registration:
        return registration[0], registration[1], None, ""
    if creating:
        first = creating[0]
        return first.effective_on, first.attributes, first.event_id, first.event_key
    for step in others:
        problems.append(
            _problem(
                step.event_key,
                key,
                _("该机构在 %(date)s 尚未成立（没有已批准的设立事项或存量登记）。")
                % {"date": step.effective_on.isoformat()},
            )
        )
    return None


def _step_refusal(step: Step, start_on: dt.date, ended_by: Step | None) -> str | None:
    """Why a step cannot apply to a unit that started on ``start_on`` (and ended by
    ``ended_by``, if it has), or ``None``."""
    when = step.effective_on
    if ended_by is not None:
        return _("该机构已于 %(date)s 因事项 %(by)s 终止，不能再参与本事项。") % {
            "date": ended_by.effective_on.isoformat(),
            "by": ended_by.event_key,
        }
    if when < start_on:
        return _("该机构于 %(start)s 才成立，%(date)s 尚不存在。") % {
            "start": start_on.isoformat(),
            "date": when.isoformat(),
        }
    if _ends(step) and when == start_on:
        return _("机构不能在成立当天终止（%(date)s）。") % {"date": when.isoformat()}
    return None


def _apply_steps(
    first: DerivedVersion, origin: str, key: str, steps: list[Step], problems: list[dict]
) -> list[tuple[DerivedVersion, str]]:
    """Apply a unit's steps, in order, from its first version: a change opens a new version
    (or amends one opened the same day), an end closes the open one."""
    versions: list[tuple[DerivedVersion, str]] = []
    open_version, open_origin = first, origin
    ended_by: Step | None = None
    for step in steps:
        refusal = _step_refusal(step, first.valid_from, ended_by)
        if refusal:
            problems.append(_problem(step.event_key, key, refusal))
            continue
        when = step.effective_on
        if _ends(step):
            if when == open_version.valid_from and versions:
                # A change on the same day as the end: the end wins, the change lasts no day.
                open_version, open_origin = versions.pop()
            open_version.valid_to = when
            open_version.closed_by_id = step.event_id
            versions.append((open_version, open_origin))
            ended_by = step
            continue
        new_values = {**open_version.values, **step.attributes}
        if when == open_version.valid_from:
            open_version.values = new_values
            continue
        open_version.valid_to = when
        open_version.closed_by_id = step.event_id
        versions.append((open_version, open_origin))
        open_version = DerivedVersion(
            first.unit_id, first.kind, when, None, new_values, step.event_id, None
        )
        open_origin = step.event_key
    if ended_by is None:
        versions.append((open_version, open_origin))
    return versions


# ---------------------------------------------------------------------------------------------
# Checks across units: supervising unit active on the date, no supervision cycle
# ---------------------------------------------------------------------------------------------


class Timeline:
    """Versions by unit (derived ones win over stored ones), answering 'parent of X on D'.

    A span is (valid_from, valid_to, parent id, id of the event that closed it)."""

    def __init__(self, derived: dict[int, list[DerivedVersion]]):
        self.spans: dict[int, list[tuple[dt.date, dt.date | None, int | None, int | None]]] = {
            uid: [(v.valid_from, v.valid_to, v.values["parent"], v.closed_by_id) for v in vs]
            for uid, vs in derived.items()
        }

    def load_stored(self, unit_ids: Iterable[int]) -> None:
        missing = [uid for uid in set(unit_ids) if uid not in self.spans]
        for batch in chunked(missing):
            for uid in batch:
                self.spans.setdefault(uid, [])
            for uid, start, end, parent, closed_by in UnitVersion.objects.filter(
                unit_id__in=batch
            ).values_list("unit_id", "valid_from", "valid_to", "parent_id", "closed_by_id"):
                self.spans[uid].append((start, end, parent, closed_by))

    def active(self, unit_id: int, on: dt.date) -> tuple[bool, int | None]:
        for start, end, parent, _closed in self.spans.get(unit_id, ()):
            if start <= on and (end is None or on < end):
                return True, parent
        return False, None

    def loops(self, unit_id: int, on: dt.date) -> bool:
        """Whether the chain of supervising units from ``unit_id`` on a day comes back to a
        unit already in it."""
        seen = {unit_id}
        _ok, cursor = self.active(unit_id, on)
        while cursor is not None:
            if cursor in seen:
                return True
            seen.add(cursor)
            _ok, cursor = self.active(cursor, on)
        return False

    def load_ancestors(self, unit_ids: Iterable[int], levels: int = 64) -> None:
        """Load the stored versions of these units and of every unit above them."""
        frontier = set(unit_ids)
        self.load_stored(frontier)
        for _depth in range(levels):
            upward = {
                p
                for uid in frontier
                for (_s, _e, p, _c) in self.spans.get(uid, ())
                if p and p not in self.spans
            }
            if not upward:
                break
            self.load_stored(upward)
            frontier = upward

    def ancestors_between(self, parent: int, start: dt.date, end: dt.date | None) -> set[int]:
        """Every unit above ``parent`` (included) at some day of [start, end)."""
        found = {parent}
        frontier = [parent]
        while frontier:
            uid = frontier.pop()
            for s, e, p, _c in self.spans.get(uid, ()):
                if p and p not in found and (end is None or s < end) and (e is None or e > start):
                    found.add(p)
                    frontier.append(p)
        return found


def check_supervision(
    derivation: Derivation,
    origins: dict[tuple[int, dt.date], str] | None = None,
    *,
    all_units: bool = False,
) -> None:
    """Add a problem for each version whose supervising unit is not active on the day the version
    starts, or that closes a cycle of supervision on any day of the version.

    Versions of other units supervised by a re-derived unit are checked too (``all_units`` says
    there are none: every unit was re-derived), so that revoking or moving the event that
    created a supervising unit is refused while units still refer to it."""
    timeline = Timeline(derivation.versions)
    dependents = [] if all_units else _dependents(set(derivation.versions))
    parents = {
        v.values["parent"] for vs in derivation.versions.values() for v in vs if v.values["parent"]
    }
    timeline.load_ancestors(parents)
    keys = _unit_keys(derivation, parents | {row[0] for row in dependents})
    event_keys = _event_keys(derivation, extra={row[3] for row in dependents})

    def refuse(unit_id: int, opened_by: int | None, message: str) -> None:
        derivation.problems.append(
            _problem(event_keys.get(opened_by, ""), keys.get(unit_id, str(unit_id)), message)
        )

    def inactive(unit_id: int, parent: int, on: dt.date, opened_by: int | None) -> None:
        refuse(
            unit_id,
            opened_by,
            _("主管单位 %(parent)s 在 %(date)s 不存在或已终止。")
            % {"parent": keys.get(parent, parent), "date": on.isoformat()},
        )

    for unit_id, valid_from, parent, opened_by in dependents:
        if not timeline.active(parent, valid_from)[0]:
            inactive(unit_id, parent, valid_from, opened_by)

    for unit_id, versions in derivation.versions.items():
        for version in versions:
            parent = version.values["parent"]
            if not parent:
                continue
            if not timeline.active(parent, version.valid_from)[0]:
                inactive(unit_id, parent, version.valid_from, version.opened_by_id)
                continue
            day = _cycle_day(timeline, unit_id, version)
            if day is not None:
                refuse(
                    unit_id,
                    version.opened_by_id,
                    _("主管关系在 %(date)s 形成循环（经由 %(via)s）。")
                    % {"date": day.isoformat(), "via": keys.get(parent, parent)},
                )


def _dependents(derived_ids: set[int]) -> list[tuple[int, dt.date, int, int | None]]:
    """Stored versions of units not re-derived whose supervising unit is re-derived:
    (unit id, valid from, parent id, id of the event that opened the version)."""
    dependents: list[tuple[int, dt.date, int, int | None]] = []
    for batch in chunked(sorted(derived_ids)):
        dependents.extend(
            row
            for row in UnitVersion.objects.filter(parent_id__in=batch).values_list(
                "unit_id", "valid_from", "parent_id", "opened_by_id"
            )
            if row[0] not in derived_ids
        )
    return dependents


def _unit_keys(derivation: Derivation, unit_ids: set[int]) -> dict[int, str]:
    """Keys of the derived units and of the other given units (to name them in problems)."""
    keys = dict(derivation.keys)
    for batch in chunked(sorted(unit_ids - set(derivation.keys))):
        keys.update(Unit.objects.filter(id__in=batch).values_list("id", "key"))
    return keys


def _cycle_day(timeline: Timeline, unit_id: int, version: DerivedVersion) -> dt.date | None:
    """The first day of the version on which the chain of supervising units from the unit comes
    back to a unit already in it, or ``None``."""
    # A cycle through this unit, if any, is complete on the day its latest link starts: the
    # start of this version or of a version of a unit above it.
    start, end = version.valid_from, version.valid_to
    days = {start}
    for uid in timeline.ancestors_between(version.values["parent"], start, end):
        for s, _e, _p, _c in timeline.spans.get(uid, ()):
            if start < s and (end is None or s < end):
                days.add(s)
    for day in sorted(days):
        if timeline.loops(unit_id, day):
            return day
    return None


def _event_keys(derivation: Derivation, extra: Iterable[int | None] = ()) -> dict[int | None, str]:
    ids = {
        v.opened_by_id
        for vs in derivation.versions.values()
        for v in vs
        if v.opened_by_id is not None
    } | {i for i in extra if i is not None}
    keys: dict[int | None, str] = {}
    for batch in chunked(ids):
        keys.update(Event.objects.filter(id__in=batch).values_list("id", "key"))
    return keys


def derive_checked(
    unit_ids: Iterable[int] | None,
    *,
    extra_decision_ids: Iterable[int] = (),
    exclude_decision_ids: Iterable[int] = (),
) -> Derivation:
    """``derive``, then ``check_supervision`` when the derivation itself found no problem: the
    versions an approval, a revocation, a preview or a rebuild would store, with every problem
    that would refuse them."""
    derivation = derive(
        unit_ids,
        extra_decision_ids=extra_decision_ids,
        exclude_decision_ids=exclude_decision_ids,
    )
    if not derivation.problems:
        check_supervision(derivation, all_units=unit_ids is None)
    return derivation
