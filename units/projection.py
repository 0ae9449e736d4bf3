"""The projection: UnitVersion rows derived from registrations and approved events.

``derive`` is pure: it reads what it needs for a set of units in a fixed number of queries,
computes every version in memory and returns them with every problem found. Services write the
result (``units.services``); ``rebuild_registry --check`` compares it with what is stored.
The same function serves one decision in the admin and a whole workbook of them.
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

from .choices import (
    TYPES_ENDING_SOURCES,
    Category,
    DecisionStatus,
    EventType,
    Funding,
    ParticipantRole,
    Rank,
    unknown_code_message,
)
from .models import Event, EventParticipant, Jurisdiction, Unit, UnitRegistration, UnitVersion
from .validators import credit_code_problem

# Attributes of a version, in the order of the workbook's columns.
ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "name",
    "short_name",
    "credit_code",
    "jurisdiction",
    "parent",
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
# The same attributes as columns of UnitVersion (references by their foreign-key ids).
VERSION_COLUMNS: tuple[str, ...] = tuple(
    f"{name}_id" if name in ("jurisdiction", "parent") else name for name in ATTRIBUTE_FIELDS
)
TEXT_FIELDS = ("name", "short_name", "sector", "functions")
BOOLEAN_FIELDS = ("business_functions", "market_replaceable", "pending_wind_down")
CODE_FIELDS: dict[str, Any] = {"category": Category, "rank": Rank, "funding": Funding}
# The codes as sets: ``TextChoices.values`` rebuilds its list (and labels) on every access.
CODE_VALUES: dict[str, frozenset[str]] = {k: frozenset(v.values) for k, v in CODE_FIELDS.items()}
REQUIRED_AT_BIRTH = ("name", "jurisdiction")
DEFAULTS: dict[str, Any] = {
    "name": "",
    "short_name": "",
    "credit_code": "",
    "jurisdiction": None,
    "parent": None,
    "category": "",
    "rank": "",
    "funding": "",
    "sector": "",
    "business_functions": False,
    "market_replaceable": False,
    "pending_wind_down": False,
    "functions": "",
    "internal_bodies": 0,
}
MAX_LENGTHS = {"name": 200, "short_name": 100, "sector": 100}


# ---------------------------------------------------------------------------------------------
# Attribute values (the JSON stored on events, participants and registrations)
# ---------------------------------------------------------------------------------------------


def clean_attributes(raw: dict[str, Any], *, birth: bool) -> tuple[dict[str, Any], list[dict]]:
    """Normalize attribute values as stored in JSON; return (values, problems).

    References stay symbolic: ``jurisdiction`` is a division code, ``parent`` a unit key
    (``None`` removes the supervising unit). ``birth`` requires the attributes every unit must
    have when it starts.
    """
    values: dict[str, Any] = {}
    problems: list[dict] = []

    def bad(column: str, message: str) -> None:
        problems.append({"column": column, "message": message})

    for name, value in raw.items():
        if name not in ATTRIBUTE_FIELDS:
            bad(name, _("未知的属性“%(name)s”。") % {"name": name})
            continue
        if name in BOOLEAN_FIELDS:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered in ("true", "1"):
                    value = True
                elif lowered in ("false", "0"):
                    value = False
            if not isinstance(value, bool):
                bad(
                    name,
                    _("“%(name)s”应为 true 或 false，而不是“%(value)s”。")
                    % {"name": name, "value": value},
                )
                continue
            values[name] = value
        elif name == "internal_bodies":
            try:
                number = int(str(value).strip())
            except (TypeError, ValueError):
                bad(name, _("内设机构数应为非负整数，而不是“%(value)s”。") % {"value": value})
                continue
            if number < 0:
                bad(name, _("内设机构数应为非负整数，而不是“%(value)s”。") % {"value": value})
                continue
            values[name] = number
        elif name in CODE_FIELDS:
            value = "" if value is None else str(value).strip()
            if value and value not in CODE_VALUES[name]:
                field_name = getattr(UnitVersion._meta.get_field(name), "verbose_name", name)
                bad(name, unknown_code_message(CODE_FIELDS[name], field_name, name, value))
                continue
            values[name] = value
        elif name == "credit_code":
            value = "" if value is None else str(value).strip()
            if value:
                problem = credit_code_problem(value)
                if problem:
                    bad(name, problem)
                    continue
            values[name] = value
        elif name == "jurisdiction":
            value = "" if value is None else str(value).strip()
            if not value:
                bad(name, _("行政区划不能为空。"))
                continue
            values[name] = value
        elif name == "parent":
            value = None if value in (None, "") else str(value).strip()
            values[name] = value or None
        else:
            value = (
                "" if value is None else str(value).strip() if name != "functions" else str(value)
            )
            limit = MAX_LENGTHS.get(name)
            if limit and len(value) > limit:
                bad(name, _("“%(name)s”最长 %(limit)d 个字符。") % {"name": name, "limit": limit})
                continue
            values[name] = value
    if birth:
        for name in REQUIRED_AT_BIRTH:
            if not values.get(name):
                bad(name, _("新机构必须填写“%(name)s”。") % {"name": name})
        if "name" in values and not values["name"]:
            pass
    elif "name" in values and not values["name"]:
        bad("name", _("名称不能为空。"))
    return values, problems


# ---------------------------------------------------------------------------------------------
# Derivation
# ---------------------------------------------------------------------------------------------


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


def derive(
    unit_ids: Iterable[int] | None,
    *,
    extra_decision_ids: Iterable[int] = (),
    exclude_decision_ids: Iterable[int] = (),
) -> Derivation:
    """Derive the versions of the given units (all units when ``None``)."""
    result = Derivation()
    extra = list(extra_decision_ids)
    excluded = set(exclude_decision_ids)

    # No ordering: the steps of a unit are put in order below (and a registration's default
    # ordering would join the units table for nothing).
    units_qs = Unit.objects.order_by()
    reg_qs = UnitRegistration.objects.order_by()
    # The values a step applies: those of the unit it creates, or those of a change or absorb
    # event; other steps apply none (their JSON is not even read).
    applied = Case(
        When(creates=True, then="attributes"),
        When(event__type__in=[EventType.CHANGE, EventType.ABSORB], then="event__attributes"),
        default=None,
        output_field=JSONField(),
    )
    part_qs = (
        EventParticipant.objects.filter(approved_filter(extra)).annotate(applied=applied).order_by()
    )
    ids: list[int] | None = None
    if unit_ids is not None:
        ids = sorted(set(unit_ids))
    unit_rows: list[tuple[int, str, str]] = []
    registrations: dict[int, tuple[dt.date, dict]] = {}
    steps: dict[int, list[Step]] = defaultdict(list)

    def load(id_filter: dict[str, Any]) -> None:
        unit_rows.extend(
            units_qs.filter(**id_filter.get("unit", {})).values_list("id", "key", "kind")
        )
        for unit_id, established_on, attributes in reg_qs.filter(
            **id_filter.get("reg", {})
        ).values_list("unit_id", "established_on", "attributes"):
            registrations[unit_id] = (established_on, attributes)
        for row in part_qs.filter(**id_filter.get("part", {})).values_list(
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
            steps[unit_id].append(
                Step(event_id, key, type_, effective_on, role, creates, attrs or {})
            )

    if ids is None:
        load({})
    else:
        for batch in chunked(ids):
            load(
                {
                    "unit": {"id__in": batch},
                    "reg": {"unit_id__in": batch},
                    "part": {"unit_id__in": batch},
                }
            )

    result.keys = {uid: key for uid, key, _kind in unit_rows}
    symbolic: dict[int, list[tuple[DerivedVersion, str]]] = {}
    for unit_id, key, kind in unit_rows:
        symbolic[unit_id] = _derive_one(
            unit_id, key, kind, registrations.get(unit_id), steps.get(unit_id, []), result.problems
        )

    # Resolve symbolic references (division codes, unit keys) in two queries.
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
            code = version.values["jurisdiction"]
            parent_key = version.values["parent"]
            if code not in code_ids:
                result.problems.append(
                    _problem(
                        origin,
                        result.keys[unit_id],
                        _("行政区划“%(code)s”不存在。") % {"code": code},
                    )
                )
                continue
            version.values["jurisdiction"] = code_ids[code]
            if parent_key is not None:
                if parent_key not in key_ids:
                    result.problems.append(
                        _problem(
                            origin,
                            result.keys[unit_id],
                            _("主管单位“%(parent)s”不存在。") % {"parent": parent_key},
                        )
                    )
                    continue
                version.values["parent"] = key_ids[parent_key]
            resolved.append(version)
        result.versions[unit_id] = resolved
    return result


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
    creating = [s for s in steps if s.creates]
    # By date; on one date, what changes the unit comes before what ends it, so the outcome does
    # not depend on the order in which the events were entered.
    others = sorted(
        (s for s in steps if not s.creates),
        key=lambda s: (s.effective_on, _ends(s), s.event_id),
    )
    if registration and creating:
        problems.append(
            _problem(creating[0].event_key, key, _("该机构已作为存量机构登记，不能再由事项设立。"))
        )
        return []
    if registration:
        start_on, start_attrs, opened_by, origin = registration[0], registration[1], None, ""
    elif creating:
        first = creating[0]
        start_on, start_attrs, opened_by, origin = (
            first.effective_on,
            first.attributes,
            first.event_id,
            first.event_key,
        )
    else:
        for step in others:
            problems.append(
                _problem(
                    step.event_key,
                    key,
                    _("该机构在 %(date)s 尚未成立（没有已批准的设立事项或存量登记）。")
                    % {"date": step.effective_on.isoformat()},
                )
            )
        return []

    current = dict(DEFAULTS)
    current.update(start_attrs)
    versions: list[tuple[DerivedVersion, str]] = []
    open_version = DerivedVersion(unit_id, kind, start_on, None, current, opened_by, None)
    open_origin = origin
    ended_by: Step | None = None
    for step in others:
        when = step.effective_on
        if ended_by is not None:
            problems.append(
                _problem(
                    step.event_key,
                    key,
                    _("该机构已于 %(date)s 因事项 %(by)s 终止，不能再参与本事项。")
                    % {"date": ended_by.effective_on.isoformat(), "by": ended_by.event_key},
                )
            )
            continue
        if when < start_on:
            problems.append(
                _problem(
                    step.event_key,
                    key,
                    _("该机构于 %(start)s 才成立，%(date)s 尚不存在。")
                    % {"start": start_on.isoformat(), "date": when.isoformat()},
                )
            )
            continue
        if _ends(step):
            if when == start_on:
                problems.append(
                    _problem(
                        step.event_key,
                        key,
                        _("机构不能在成立当天终止（%(date)s）。") % {"date": when.isoformat()},
                    )
                )
                continue
            if when == open_version.valid_from and versions:
                # A change on the same day as the end: the end wins, the change lasts no day.
                open_version, open_origin = versions.pop()
            open_version.valid_to = when
            open_version.closed_by_id = step.event_id
            versions.append((open_version, open_origin))
            ended_by = step
            continue
        new_values = dict(open_version.values)
        new_values.update(step.attributes)
        if when == open_version.valid_from:
            open_version.values = new_values
            continue
        open_version.valid_to = when
        open_version.closed_by_id = step.event_id
        versions.append((open_version, open_origin))
        open_version = DerivedVersion(unit_id, kind, when, None, new_values, step.event_id, None)
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
    derived_ids = set(derivation.versions)
    dependents: list[tuple[int, dt.date, int, int | None]] = []
    if not all_units and derived_ids:
        for batch in chunked(sorted(derived_ids)):
            dependents.extend(
                row
                for row in UnitVersion.objects.filter(parent_id__in=batch).values_list(
                    "unit_id", "valid_from", "parent_id", "opened_by_id"
                )
                if row[0] not in derived_ids
            )
    parents = {
        v.values["parent"] for vs in derivation.versions.values() for v in vs if v.values["parent"]
    }
    timeline.load_ancestors(parents)
    known = set(derivation.keys)
    wanted = (parents | {row[0] for row in dependents}) - known
    keys = dict(derivation.keys)
    for batch in chunked(sorted(wanted)):
        keys.update(Unit.objects.filter(id__in=batch).values_list("id", "key"))
    event_keys = _event_keys(derivation, extra={row[3] for row in dependents})

    def inactive(unit_id: int, parent: int, on: dt.date, opened_by: int | None) -> None:
        derivation.problems.append(
            _problem(
                event_keys.get(opened_by, ""),
                keys.get(unit_id, str(unit_id)),
                _("主管单位 %(parent)s 在 %(date)s 不存在或已终止。")
                % {"parent": keys.get(parent, parent), "date": on.isoformat()},
            )
        )

    for unit_id, valid_from, parent, opened_by in dependents:
        ok, _grand = timeline.active(parent, valid_from)
        if not ok:
            inactive(unit_id, parent, valid_from, opened_by)

    for unit_id, versions in derivation.versions.items():
        for version in versions:
            parent = version.values["parent"]
            if not parent:
                continue
            ok, _grand = timeline.active(parent, version.valid_from)
            if not ok:
                inactive(unit_id, parent, version.valid_from, version.opened_by_id)
                continue
            # A cycle through this unit, if any, is complete on the day its latest link starts:
            # the start of this version or of a version of a unit above it.
            days = {version.valid_from}
            for uid in timeline.ancestors_between(parent, version.valid_from, version.valid_to):
                for s, _e, _p, _c in timeline.spans.get(uid, ()):
                    if version.valid_from < s and (
                        version.valid_to is None or s < version.valid_to
                    ):
                        days.add(s)
            for day in sorted(days):
                seen = {unit_id}
                _ok, cursor = timeline.active(unit_id, day)
                looped = False
                while cursor is not None:
                    if cursor in seen:
                        looped = True
                        break
                    seen.add(cursor)
                    _ok, cursor = timeline.active(cursor, day)
                if looped:
                    derivation.problems.append(
                        _problem(
                            event_keys.get(version.opened_by_id, ""),
                            keys.get(unit_id, str(unit_id)),
                            _("主管关系在 %(date)s 形成循环（经由 %(via)s）。")
                            % {"date": day.isoformat(), "via": keys.get(parent, parent)},
                        )
                    )
                    break


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
