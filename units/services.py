"""Writes of the registry core. Every function here runs in one transaction and is the only
place its rule lives; the admin, the API, the commands and the workbook importer call them.

Decisions are entered as drafts with their events; ``decision_approve`` and ``decision_revoke``
re-derive the versions of every unit the decision touches from all approved events, so history
may be entered in any order of dates. A refused write raises ``RegistryError`` naming the event,
the unit and the reason, and leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import chunked, copy_insert, copy_values, insert_with_ids
from core.errors import RegistryError

from . import audit, permissions
from .choices import DecisionStatus, EventType, ParticipantRole, UnitKind
from .models import (
    Decision,
    DecisionAttachment,
    Event,
    EventParticipant,
    InstitutionCap,
    Jurisdiction,
    Unit,
    UnitRegistration,
    UnitVersion,
)
from .projection import (
    ATTRIBUTE_FIELDS,
    Derivation,
    check_supervision,
    clean_attributes,
    derive,
    stored_signature,
)
from .signals import registry_changed
from .validators import division_code_validator, unit_key_validator

# Cardinalities of DESIGN §2: (min sources, max sources, min targets, max targets, targets new?)
CARDINALITY: dict[str, tuple[int, int | None, int, int | None, bool | None]] = {
    EventType.ESTABLISH: (0, 0, 1, 1, True),
    EventType.ABOLISH: (1, None, 0, 0, None),
    EventType.TRANSFORM: (1, 1, 0, 0, None),
    EventType.MERGE: (2, None, 1, 1, True),
    EventType.ABSORB: (1, None, 1, 1, False),
    EventType.SPLIT: (1, 1, 2, None, True),
    EventType.CHANGE: (1, 1, 0, 0, None),
}
TYPES_WITH_ATTRIBUTES = {EventType.CHANGE, EventType.ABSORB}
UNIT_KINDS = frozenset(UnitKind.values)


def _refuse(message: str, **extra: Any) -> RegistryError:
    return RegistryError(message, **extra)


def _check_key(value: str, what: str) -> None:
    try:
        unit_key_validator(value)
    except ValidationError as exc:
        raise _refuse(
            _("%(what)s“%(value)s”无效：%(reason)s")
            % {"what": what, "value": value, "reason": " ".join(exc.messages)}
        ) from None


# ---------------------------------------------------------------------------------------------
# Jurisdictions and caps
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def jurisdiction_create(
    *, code: str, name: str, level: str, parent: Jurisdiction | None = None
) -> Jurisdiction:
    from .choices import JurisdictionLevel

    try:
        division_code_validator(code)
    except Exception:
        raise _refuse(_("行政区划代码“%(code)s”必须是6位数字。") % {"code": code}) from None
    if level not in JurisdictionLevel.values:
        raise _refuse(_("未知的行政区划层级“%(level)s”。") % {"level": level})
    if not name:
        raise _refuse(_("行政区划名称不能为空。"))
    if Jurisdiction.objects.filter(code=code).exists():
        raise _refuse(_("行政区划代码“%(code)s”已存在。") % {"code": code})
    jurisdiction = Jurisdiction.objects.create(code=code, name=name, level=level, parent=parent)
    audit.record(
        "create",
        jurisdiction,
        after={
            "code": code,
            "name": name,
            "level": level,
            "parent": parent.code if parent else None,
        },
    )
    return jurisdiction


@transaction.atomic
def institution_cap_set(
    *, jurisdiction: Jurisdiction, valid_from: dt.date, cap: int, decision: Decision | None = None
) -> InstitutionCap:
    if cap < 0:
        raise _refuse(_("机构限额不能为负数。"))
    if InstitutionCap.objects.filter(jurisdiction=jurisdiction, valid_from=valid_from).exists():
        raise _refuse(
            _("%(j)s 在 %(date)s 已有机构限额。")
            % {"j": jurisdiction.name, "date": valid_from.isoformat()}
        )
    row = InstitutionCap.objects.create(
        jurisdiction=jurisdiction, valid_from=valid_from, cap=cap, decision=decision
    )
    audit.record(
        "create",
        row,
        after={
            "jurisdiction": jurisdiction.code,
            "valid_from": valid_from.isoformat(),
            "cap": cap,
            "decision": decision.number if decision else None,
        },
    )
    return row


# ---------------------------------------------------------------------------------------------
# Registration of units that existed before the registry (no event creates them)
# ---------------------------------------------------------------------------------------------


@dataclass
class RegistrationInput:
    key: str
    kind: str
    established_on: dt.date
    attributes: dict[str, Any] = field(default_factory=dict)


def unit_register(
    *, key: str, kind: str, established_on: dt.date, attributes: dict[str, Any], user: Any = None
) -> Unit:
    """Register one unit as existing from a date with its state at birth."""
    units = units_register_bulk(
        rows=[RegistrationInput(key, kind, established_on, attributes)], user=user
    )
    return units[0]


@transaction.atomic
def units_register_bulk(
    *, rows: Sequence[RegistrationInput], derive: bool = True, user: Any = None
) -> list[Unit]:
    """Register many units at once: validate all, create all, derive their first versions.

    With ``derive=False`` the caller re-derives them later in the same transaction (the
    workbook importer does it once, together with the events it approves)."""
    permissions.require(user, "units.add_unit")
    permissions.check_jurisdictions_in_scope(
        user, [(row.attributes or {}).get("jurisdiction") for row in rows]
    )
    problems: list[dict] = []
    cleaned: list[tuple[RegistrationInput, dict]] = []
    seen: set[str] = set()
    for row in rows:
        where = {"unit": row.key}
        try:
            unit_key_validator(row.key)
        except ValidationError as exc:
            problems.append({**where, "column": "key", "message": " ".join(exc.messages)})
            continue
        if row.key in seen:
            problems.append(
                {
                    **where,
                    "column": "key",
                    "message": _("机构标识“%(key)s”重复。") % {"key": row.key},
                }
            )
            continue
        seen.add(row.key)
        if row.kind not in UNIT_KINDS:
            problems.append(
                {
                    **where,
                    "column": "kind",
                    "message": _("未知的机构类别“%(kind)s”。") % {"kind": row.kind},
                }
            )
        values, bad = clean_attributes(row.attributes, birth=True)
        problems.extend({**where, **p, "message": f"{row.key}: {p['message']}"} for p in bad)
        cleaned.append((row, values))
    existing: set[str] = set()
    for batch in chunked([r.key for r, _v in cleaned]):
        existing.update(Unit.objects.filter(key__in=batch).order_by().values_list("key", flat=True))
    for key in sorted(existing):
        problems.append(
            {"unit": key, "column": "key", "message": _("机构标识“%(key)s”已存在。") % {"key": key}}
        )
    if problems:
        raise RegistryError(
            _("登记被拒绝：%(n)d 个问题。") % {"n": len(problems)}, problems=problems
        )
    units = insert_with_ids(Unit, [Unit(key=r.key, kind=r.kind) for r, _v in cleaned])
    copy_values(
        UnitRegistration,
        ("unit", "established_on", "attributes"),
        [
            (unit.pk, row.established_on, values)
            for unit, (row, values) in zip(units, cleaned, strict=True)
        ],
    )
    audit.record_many(
        "register",
        [
            (
                unit,
                None,
                {"kind": row.kind, "established_on": row.established_on.isoformat(), **values},
            )
            for unit, (row, values) in zip(units, cleaned, strict=True)
        ],
    )
    if derive:
        rederive(unit_ids=[u.pk for u in units], action="register")
    return units


# ---------------------------------------------------------------------------------------------
# Draft decisions and their events
# ---------------------------------------------------------------------------------------------


def _decision_snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "number": decision.number,
        "title": decision.title,
        "issuer": decision.issuer,
        "issued_on": decision.issued_on.isoformat() if decision.issued_on else None,
        "status": decision.status,
        "revision": decision.revision,
    }


@transaction.atomic
def decision_create(
    *, number: str, title: str, issued_on: dt.date, issuer: str = "", user: Any = None
) -> Decision:
    permissions.require(user, "units.add_decision")
    number = (number or "").strip()
    if not number:
        raise _refuse(_("文号不能为空。"))
    if not (title or "").strip():
        raise _refuse(_("标题不能为空。"))
    if Decision.objects.filter(number=number).exists():
        raise _refuse(_("文号“%(number)s”已存在。") % {"number": number})
    decision = Decision.objects.create(
        number=number,
        title=title.strip(),
        issuer=issuer,
        issued_on=issued_on,
        created_by=user if getattr(user, "pk", None) else None,
    )
    audit.record("create", decision, after=_decision_snapshot(decision))
    return decision


def _lock_draft(decision: Decision, revision: int | None = None) -> Decision:
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    if locked.status != DecisionStatus.DRAFT:
        raise _refuse(
            _("决定 %(number)s 的状态为“%(status)s”，不能再修改。")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if revision is not None and locked.revision != revision:
        raise _refuse(
            _(
                "决定 %(number)s 已被他人修改（当前修订号 %(current)d，您编辑的是 %(yours)d）。请重新打开后再保存。"
            )
            % {"number": locked.number, "current": locked.revision, "yours": revision}
        )
    return locked


def _bump(decision: Decision) -> None:
    Decision.objects.filter(pk=decision.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    decision.refresh_from_db(fields=["revision", "updated_at"])


@transaction.atomic
def decision_update(
    *, decision: Decision, revision: int | None = None, user: Any = None, **fields: Any
) -> Decision:
    """Edit a draft's number, title, issuer or issue date. ``revision`` guards against a
    concurrent edit: when someone saved in between, the write is refused."""
    permissions.require(user, "units.change_decision")
    locked = _lock_draft(decision, revision)
    permissions.check_decisions_in_scope(user, [locked])
    before = _decision_snapshot(locked)
    allowed = {"number", "title", "issuer", "issued_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise _refuse(_("不能修改的字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    if "number" in fields:
        number = (fields["number"] or "").strip()
        if not number:
            raise _refuse(_("文号不能为空。"))
        if Decision.objects.filter(number=number).exclude(pk=locked.pk).exists():
            raise _refuse(_("文号“%(number)s”已存在。") % {"number": number})
        fields["number"] = number
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.revision += 1
    locked.save(update_fields=[*fields, "revision", "updated_at"])
    audit.record("update", locked, before=before, after=_decision_snapshot(locked))
    decision.__dict__.update({k: getattr(locked, k) for k in (*fields, "revision", "updated_at")})
    return locked


@transaction.atomic
def decision_delete(*, decision: Decision, revision: int | None = None, user: Any = None) -> None:
    permissions.require(user, "units.delete_decision")
    locked = _lock_draft(decision, revision)
    permissions.check_decisions_in_scope(user, [locked])
    created_units = list(
        Unit.objects.filter(participations__event__decision=locked, participations__creates=True)
    )
    snapshot = _decision_snapshot(locked)
    audit.record("delete", locked, before=snapshot)
    locked.delete()
    for unit in created_units:
        if not unit.participations.exists():
            audit.record("delete", unit, before={"key": unit.key, "kind": unit.kind})
            unit.delete()


@dataclass
class NewUnit:
    """A unit that an establish, merge or split event brings into being."""

    key: str
    kind: str
    attributes: dict[str, Any]


def _resolve_units(keys_or_units: Iterable[Unit | str], event_key: str) -> list[Unit]:
    units: list[Unit] = []
    for item in keys_or_units:
        if isinstance(item, Unit):
            units.append(item)
            continue
        unit = Unit.objects.filter(key=item).first()
        if unit is None:
            raise _refuse(
                _("事项 %(event)s：机构“%(unit)s”不存在。") % {"event": event_key, "unit": item},
                event=event_key,
                unit=item,
            )
        units.append(unit)
    return units


def _keys(keys: list[str]) -> str:
    """The units of a cardinality message: "（a、b）", or nothing when there are none."""
    return "（" + "、".join(keys) + "）" if keys else ""


def _structure_problems(
    *,
    key: str,
    type_: str,
    sources: list[str],
    existing_targets: list[str],
    new_targets: list[str],
    attributes: dict,
) -> list[dict]:
    """Cardinality and shape of one event (DESIGN §2 table)."""
    problems: list[dict] = []

    def bad(message: str, unit: str | None = None) -> None:
        prefix = _("事项 %(event)s：") % {"event": key}
        problems.append({"event": key, "unit": unit, "message": prefix + message})

    if type_ not in CARDINALITY:
        bad(_("未知的事项类型“%(type)s”。") % {"type": type_})
        return problems
    label = EventType(type_).label
    min_s, max_s, min_t, max_t, targets_new = CARDINALITY[type_]
    targets = existing_targets + new_targets
    if len(sources) < min_s or (max_s is not None and len(sources) > max_s):
        expected = (
            str(min_s) if min_s == max_s else (f"≥{min_s}" if max_s is None else f"{min_s}–{max_s}")
        )
        bad(
            _("%(label)s事项需要 %(expected)s 个来源机构，实际 %(n)d 个%(units)s。")
            % {"label": label, "expected": expected, "n": len(sources), "units": _keys(sources)},
            ", ".join(sources) or None,
        )
    if len(targets) < min_t or (max_t is not None and len(targets) > max_t):
        expected = (
            str(min_t) if min_t == max_t else (f"≥{min_t}" if max_t is None else f"{min_t}–{max_t}")
        )
        bad(
            _("%(label)s事项需要 %(expected)s 个目标机构，实际 %(n)d 个%(units)s。")
            % {"label": label, "expected": expected, "n": len(targets), "units": _keys(targets)},
            ", ".join(targets) or None,
        )
    if targets_new is True and existing_targets:
        for unit in existing_targets:
            bad(
                _("%(label)s事项的目标必须是新设机构，%(unit)s 已经存在。")
                % {"label": label, "unit": unit},
                unit,
            )
    if targets_new is False and new_targets:
        for unit in new_targets:
            bad(_("并入事项的目标必须是已有机构，%(unit)s 是新设的。") % {"unit": unit}, unit)
    overlap = set(sources) & set(targets)
    for unit in sorted(overlap):
        bad(_("机构 %(unit)s 不能并入或合并到自己。") % {"unit": unit}, unit)
    if len(set(sources)) != len(sources):
        bad(_("来源机构重复。"))
    if type_ in TYPES_WITH_ATTRIBUTES:
        if type_ == EventType.CHANGE and not attributes:
            bad(_("变更事项必须至少设定一个属性。"))
    elif attributes:
        bad(_("%(label)s事项不能设定属性（只有变更和并入可以）。") % {"label": label})
    return problems


# The shape of one event, as a workbook checks its rows before anything is written.
event_structure_problems = _structure_problems


def _event_values(attributes: dict[str, Any], key: str) -> dict[str, Any]:
    values, bad = clean_attributes(attributes or {}, birth=False)
    if bad:
        raise RegistryError(
            _("事项 %(event)s 的属性有误。") % {"event": key},
            problems=[
                {
                    "event": key,
                    **p,
                    "message": _("事项 %(event)s：") % {"event": key} + p["message"],
                }
                for p in bad
            ],
        )
    return values


def _new_unit_values(new: NewUnit, key: str) -> dict[str, Any]:
    _check_key(new.key, _("机构标识"))
    if new.kind not in UNIT_KINDS:
        raise _refuse(
            _("事项 %(event)s：未知的机构类别“%(kind)s”。") % {"event": key, "kind": new.kind},
            event=key,
            unit=new.key,
        )
    values, bad = clean_attributes(new.attributes or {}, birth=True)
    if bad:
        raise RegistryError(
            _("事项 %(event)s 的新设机构 %(unit)s 的属性有误。") % {"event": key, "unit": new.key},
            problems=[
                {
                    "event": key,
                    "unit": new.key,
                    **p,
                    "message": _("事项 %(event)s，机构 %(unit)s：")
                    % {"event": key, "unit": new.key}
                    + p["message"],
                }
                for p in bad
            ],
        )
    if Unit.objects.filter(key=new.key).exists():
        raise _refuse(
            _("事项 %(event)s：新设机构标识“%(unit)s”已存在。") % {"event": key, "unit": new.key},
            event=key,
            unit=new.key,
        )
    return values


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


PARTICIPANT_COLUMNS = ("event", "unit", "role", "creates", "attributes", "position")


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
    """Add an event to a draft decision. ``targets`` are existing units (absorb);
    ``new_units`` are created by this event (establish, merge, split)."""
    permissions.require(user, "units.add_event")
    locked = _lock_draft(decision, revision)
    _check_key(key, _("事项标识"))
    if Event.objects.filter(key=key).exists():
        raise _refuse(_("事项标识“%(key)s”已存在。") % {"key": key}, event=key)
    source_units = _resolve_units(sources, key)
    target_units = _resolve_units(targets, key)
    permissions.check_event_scope(
        user,
        units=[*source_units, *target_units],
        codes=[(n.attributes or {}).get("jurisdiction") for n in new_units]
        + [(attributes or {}).get("jurisdiction")],
        event=key,
    )
    problems = _structure_problems(
        key=key,
        type_=type,
        sources=[u.key for u in source_units],
        existing_targets=[u.key for u in target_units],
        new_targets=[n.key for n in new_units],
        attributes=attributes or {},
    )
    if problems:
        raise RegistryError(problems[0]["message"], problems=problems)
    values = _event_values(attributes or {}, key)
    new_values = [(_new_unit_values(n, key), n) for n in new_units]
    if len({n.key for n in new_units}) != len(new_units):
        raise _refuse(_("事项 %(event)s：新设机构标识重复。") % {"event": key}, event=key)
    event = Event.objects.create(
        decision=locked, key=key, type=type, effective_on=effective_on, attributes=values, note=note
    )
    created: list[tuple[int, dict]] = []
    for vals, new in new_values:
        unit = Unit.objects.create(key=new.key, kind=new.kind)
        audit.record(
            "create", unit, after={"key": unit.key, "kind": unit.kind, "established_by": key}
        )
        created.append((unit.pk, vals))
    copy_values(
        EventParticipant,
        PARTICIPANT_COLUMNS,
        _participants(
            event.pk, [u.pk for u in source_units], [u.pk for u in target_units], created
        ),
    )
    _bump(locked)
    decision.revision = locked.revision
    audit.record("create", event, after=_event_snapshot(event))
    return event


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


@transaction.atomic
def events_create_bulk(*, rows: Sequence[EventInput], user: Any = None) -> list[Event]:
    """Add many events to draft decisions at once, with the checks of ``event_create``.

    Every row is checked (keys, decisions, units, shape, attribute values of the event and of
    the units it creates) and every problem is reported in one ``RegistryError``; then all
    events are written with a few bulk inserts. Each problem names its ``event`` and, where
    it has one, its ``unit`` and ``column``."""
    permissions.require(user, "units.add_event")
    if not rows:
        return []
    problems: list[dict] = []

    def bad(event: str, message: str, **extra: Any) -> None:
        prefix = _("事项 %(event)s：") % {"event": event}
        problems.append({"event": event, **extra, "message": prefix + message})

    decision_ids = sorted({r.decision.pk for r in rows})
    locked = {d.pk: d for d in Decision.objects.select_for_update().filter(pk__in=decision_ids)}
    wanted_keys = {k for r in rows for k in (*r.sources, *r.targets)}
    units: dict[str, int] = {}  # unit key -> id
    for batch in chunked(sorted(wanted_keys)):
        units.update(Unit.objects.filter(key__in=batch).order_by().values_list("key", "id"))
    new_keys = [n.key for r in rows for n in r.new_units]
    created_here = set(new_keys)  # later events of the same call may refer to these units
    taken_units: set[str] = set()
    for batch in chunked(sorted(set(new_keys))):
        taken_units.update(
            Unit.objects.filter(key__in=batch).order_by().values_list("key", flat=True)
        )
    permissions.check_event_scope(
        user,
        units=list(units.values()),
        codes=[(n.attributes or {}).get("jurisdiction") for r in rows for n in r.new_units]
        + [(r.attributes or {}).get("jurisdiction") for r in rows],
    )
    taken_events: set[str] = set()
    for batch in chunked(sorted({r.key for r in rows})):
        taken_events.update(
            Event.objects.filter(key__in=batch).order_by().values_list("key", flat=True)
        )

    seen_events: set[str] = set()
    seen_units: set[str] = set()
    cleaned: list[tuple[EventInput, dict, list[dict]]] = []
    for row in rows:
        key = row.key
        try:
            unit_key_validator(key)
        except ValidationError as exc:
            bad(key, " ".join(exc.messages), column="key")
            continue
        if key in seen_events:
            bad(key, _("事项标识“%(key)s”重复。") % {"key": key}, column="key")
            continue
        seen_events.add(key)
        if key in taken_events:
            bad(key, _("事项标识“%(key)s”已存在。") % {"key": key}, column="key")
        decision = locked.get(row.decision.pk)
        if decision is None or decision.status != DecisionStatus.DRAFT:
            status = decision.get_status_display() if decision else _("已删除")
            bad(
                key,
                _("决定 %(number)s 的状态为“%(status)s”，不能再添加事项。")
                % {"number": row.decision.number, "status": status},
                column="decision",
            )
        for column, keys in (("sources", row.sources), ("targets", row.targets)):
            for unit_key in keys:
                if unit_key not in units and unit_key not in created_here:
                    bad(
                        key,
                        _("机构“%(unit)s”不存在。") % {"unit": unit_key},
                        unit=unit_key,
                        column=column,
                    )
        problems.extend(
            _structure_problems(
                key=key,
                type_=row.type,
                sources=list(row.sources),
                existing_targets=list(row.targets),
                new_targets=[n.key for n in row.new_units],
                attributes=row.attributes or {},
            )
        )
        values, wrong = clean_attributes(row.attributes or {}, birth=False)
        for p in wrong:
            bad(key, p["message"], column=p["column"])
        new_values: list[dict] = []
        for new in row.new_units:
            where = {"unit": new.key}
            prefix = _("新设机构 %(unit)s：") % {"unit": new.key}
            try:
                unit_key_validator(new.key)
            except ValidationError as exc:
                bad(key, prefix + " ".join(exc.messages), column="key", **where)
                continue
            if new.key in seen_units:
                bad(key, prefix + _("机构标识重复。"), column="key", **where)
            seen_units.add(new.key)
            if new.key in taken_units:
                bad(
                    key,
                    _("新设机构标识“%(unit)s”已存在。") % {"unit": new.key},
                    column="key",
                    **where,
                )
            if new.kind not in UNIT_KINDS:
                bad(
                    key,
                    prefix + _("未知的机构类别“%(kind)s”。") % {"kind": new.kind},
                    column="kind",
                    **where,
                )
            unit_values, wrong = clean_attributes(new.attributes or {}, birth=True)
            for p in wrong:
                bad(key, prefix + p["message"], column=p["column"], **where)
            new_values.append(unit_values)
        cleaned.append((row, values, new_values))
    if problems:
        raise RegistryError(
            _("事项被拒绝：%(n)d 个问题。") % {"n": len(problems)}, problems=problems
        )

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
    Decision.objects.filter(pk__in=decision_ids).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
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
    return events


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
    """Edit an event of a draft: what is given replaces what was there."""
    permissions.require(user, "units.change_event")
    decision = _lock_draft(event.decision, revision)
    event = Event.objects.select_for_update().get(pk=event.pk)
    before = _event_snapshot(event)
    parts = list(event.participants.select_related("unit"))
    cur_sources = [p.unit for p in parts if p.role == ParticipantRole.SOURCE]
    cur_targets = [p.unit for p in parts if p.role == ParticipantRole.TARGET and not p.creates]
    cur_new = [NewUnit(p.unit.key, p.unit.kind, p.attributes) for p in parts if p.creates]
    old_created = {p.unit.key: p.unit for p in parts if p.creates}
    new_type = type or event.type
    src = _resolve_units(sources if sources is not None else cur_sources, event.key)
    tgt = _resolve_units(targets if targets is not None else cur_targets, event.key)
    new_list = list(new_units) if new_units is not None else cur_new
    attrs = attributes if attributes is not None else event.attributes
    permissions.check_event_scope(
        user,
        units=[*(p.unit for p in parts), *src, *tgt],
        codes=[(n.attributes or {}).get("jurisdiction") for n in new_list]
        + [(attrs or {}).get("jurisdiction")],
        event=event.key,
    )
    problems = _structure_problems(
        key=event.key,
        type_=new_type,
        sources=[u.key for u in src],
        existing_targets=[u.key for u in tgt],
        new_targets=[n.key for n in new_list],
        attributes=attrs or {},
    )
    if problems:
        raise RegistryError(problems[0]["message"], problems=problems)
    values = _event_values(attrs or {}, event.key)
    event.participants.all().delete()
    created: list[tuple[int, dict]] = []
    for new in new_list:
        unit = old_created.pop(new.key, None)
        if unit is None:
            vals = _new_unit_values(new, event.key)
            unit = Unit.objects.create(key=new.key, kind=new.kind)
            audit.record(
                "create",
                unit,
                after={"key": unit.key, "kind": unit.kind, "established_by": event.key},
            )
        else:
            vals, bad = clean_attributes(new.attributes or {}, birth=True)
            if bad:
                raise RegistryError(bad[0]["message"], problems=bad)
            if unit.kind != new.kind:
                unit.kind = new.kind
                unit.save(update_fields=["kind"])
        created.append((unit.pk, vals))
    copy_values(
        EventParticipant,
        PARTICIPANT_COLUMNS,
        _participants(event.pk, [u.pk for u in src], [u.pk for u in tgt], created),
    )
    for unit in old_created.values():
        if not unit.participations.exists():
            audit.record("delete", unit, before={"key": unit.key, "kind": unit.kind})
            unit.delete()
    event.type = new_type
    if effective_on is not None:
        event.effective_on = effective_on
    if note is not None:
        event.note = note
    event.attributes = values
    event.save()
    _bump(decision)
    audit.record("update", event, before=before, after=_event_snapshot(event))
    return event


@transaction.atomic
def event_delete(*, event: Event, revision: int | None = None, user: Any = None) -> None:
    permissions.require(user, "units.delete_event")
    decision = _lock_draft(event.decision, revision)
    permissions.check_event_scope(
        user, units=[p.unit_id for p in event.participants.all()], event=event.key
    )
    created = [p.unit for p in event.participants.select_related("unit") if p.creates]
    audit.record("delete", event, before=_event_snapshot(event))
    event.delete()
    for unit in created:
        if not unit.participations.exists():
            audit.record("delete", unit, before={"key": unit.key, "kind": unit.kind})
            unit.delete()
    _bump(decision)


# ---------------------------------------------------------------------------------------------
# Approval, revocation and re-derivation
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
        problems += _structure_problems(
            key=key,
            type_=type_,
            sources=[k for r, _c, k in rows if r == ParticipantRole.SOURCE],
            existing_targets=[k for r, c, k in rows if r == ParticipantRole.TARGET and not c],
            new_targets=[k for r, c, k in rows if r == ParticipantRole.TARGET and c],
            attributes=attributes or {},
        )
    return problems


def affected_unit_ids(decision_ids: Iterable[int]) -> set[int]:
    ids = list(decision_ids)
    found: set[int] = set()
    for batch in chunked(ids):
        found.update(
            EventParticipant.objects.filter(event__decision_id__in=batch).values_list(
                "unit_id", flat=True
            )
        )
    return found


def _raise_if_problems(derivation: Derivation, message: str) -> None:
    if derivation.problems:
        first = derivation.problems[0]["message"]
        message = message if message.endswith("：") else message + " "
        raise RegistryError(
            message + first
            if len(derivation.problems) == 1
            else message
            + _("共 %(n)d 个问题，第一个：%(first)s")
            % {"n": len(derivation.problems), "first": first},
            problems=derivation.problems,
        )


def rederive(
    *,
    unit_ids: Iterable[int] | None,
    action: str = "rebuild",
    decisions: Sequence[Decision] = (),
    refusal: str | None = None,
) -> Derivation:
    """Re-derive and store the versions of the given units (all when ``None``).

    Must run inside a transaction; raises ``RegistryError`` with every problem found (its
    message starts with ``refusal``), having written nothing that the caller's transaction
    will keep.
    """
    ids = None if unit_ids is None else set(unit_ids)
    if ids:
        # Two approvals touching one unit run one after the other: the second derives from
        # what the first committed (PostgreSQL reads committed data statement by statement).
        for batch in chunked(sorted(ids)):
            list(
                Unit.objects.select_for_update()
                .filter(id__in=batch)
                .order_by("id")
                .values_list("id")
            )
    derivation = derive(ids)
    if not derivation.problems:
        check_supervision(derivation, all_units=ids is None)
    _raise_if_problems(derivation, refusal or _("登记簿无法据此更新。"))
    target_ids = list(derivation.versions) if ids is None else sorted(ids)
    _store_versions(target_ids, derivation)
    registry_changed.send(
        sender=Decision, unit_ids=set(target_ids), decisions=list(decisions), action=action
    )
    return derivation


VERSION_COLUMNS = (
    "unit",
    "kind",
    "valid_from",
    "valid_to",
    "opened_by",
    "closed_by",
    *ATTRIBUTE_FIELDS,
)
# Straight COPY only while these are all the columns of a version (else through instances).
_VERSION_COLUMNS_COMPLETE = {
    f.name for f in UnitVersion._meta.concrete_fields if not f.primary_key
} == set(VERSION_COLUMNS)


def _store_versions(unit_ids: list[int], derivation: Derivation) -> None:
    """Replace the stored versions of these units with the derived ones, touching only units
    whose versions differ."""
    stored: dict[int, list[tuple]] = {}
    for batch in chunked(unit_ids):
        for version in UnitVersion.objects.filter(unit_id__in=batch).order_by(
            "unit_id", "valid_from"
        ):
            stored.setdefault(version.unit_id, []).append(stored_signature(version))
    changed = [
        uid
        for uid in unit_ids
        if stored.get(uid, []) != [v.signature() for v in derivation.versions.get(uid, [])]
    ]
    for batch in chunked(changed):
        UnitVersion.objects.filter(unit_id__in=batch).delete()
    versions = [v for uid in changed for v in derivation.versions.get(uid, [])]
    if connection.vendor == "postgresql" and _VERSION_COLUMNS_COMPLETE:
        copy_values(
            UnitVersion,
            VERSION_COLUMNS,
            [
                (
                    v.unit_id,
                    v.kind,
                    v.valid_from,
                    v.valid_to,
                    v.opened_by_id,
                    v.closed_by_id,
                    *(v.values[name] for name in ATTRIBUTE_FIELDS),
                )
                for v in versions
            ],
        )
    else:
        copy_insert(UnitVersion, [v.as_model() for v in versions])


@transaction.atomic
def decision_approve(*, decision: Decision, user: Any = None) -> Decision:
    """Approve a draft: its events apply, the versions of every unit it touches are re-derived.
    Two approvals at the same moment approve it once; the second is refused."""
    decisions_approve(decisions=[decision], user=user)
    decision.refresh_from_db()
    return decision


@transaction.atomic
def decisions_approve(
    *, decisions: Sequence[Decision], user: Any = None, extra_unit_ids: Iterable[int] = ()
) -> list[Decision]:
    """Approve several drafts at once, re-deriving all the units they touch in one pass
    (together with ``extra_unit_ids``, e.g. units registered but not yet derived)."""
    if not decisions:
        return []
    permissions.require_approver(user)
    ids = [d.pk for d in decisions]
    locked = list(Decision.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    permissions.check_decisions_in_scope(user, locked)
    for d in locked:
        if d.status != DecisionStatus.DRAFT:
            raise _refuse(
                _("决定 %(number)s 的状态为“%(status)s”，不能再批准。")
                % {"number": d.number, "status": d.get_status_display()},
                decision=d.number,
            )
    problems = decision_structure_problems(locked)
    if problems:
        raise RegistryError(
            _("决定 %(number)s 不能批准：") % {"number": ", ".join(d.number for d in locked)}
            + problems[0]["message"],
            problems=problems,
        )
    now = timezone.now()
    approver = user if getattr(user, "pk", None) else None
    Decision.objects.filter(pk__in=ids).update(
        status=DecisionStatus.APPROVED,
        approved_by=approver,
        approved_at=now,
        revision=F("revision") + 1,
    )
    for d in locked:
        before = _decision_snapshot(d)
        d.status, d.approved_by, d.approved_at = DecisionStatus.APPROVED, approver, now
        d.revision += 1
        audit.record("approve", d, before=before, after=_decision_snapshot(d))
    rederive(
        unit_ids=affected_unit_ids(ids) | set(extra_unit_ids),
        action="approve",
        decisions=locked,
        refusal=_("决定 %(number)s 不能批准：") % {"number": ", ".join(d.number for d in locked)},
    )
    return locked


@transaction.atomic
def decision_revoke(*, decision: Decision, user: Any = None) -> Decision:
    """Revoke an approved decision: its events stop applying; versions are re-derived. Refused
    when later approved events depend on what it did."""
    permissions.require_approver(user)
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    permissions.check_decisions_in_scope(user, [locked])
    if locked.status != DecisionStatus.APPROVED:
        raise _refuse(
            _("只有已批准的决定可以撤回，决定 %(number)s 当前为%(status)s。")
            % {"number": locked.number, "status": locked.get_status_display()},
            decision=locked.number,
        )
    before = _decision_snapshot(locked)
    locked.status = DecisionStatus.REVOKED
    locked.revoked_by = user if getattr(user, "pk", None) else None
    locked.revoked_at = timezone.now()
    locked.revision += 1
    locked.save(update_fields=["status", "revoked_by", "revoked_at", "revision", "updated_at"])
    audit.record("revoke", locked, before=before, after=_decision_snapshot(locked))
    rederive(
        unit_ids=affected_unit_ids([locked.pk]),
        action="revoke",
        decisions=[locked],
        refusal=_("决定 %(number)s 不能撤回：") % {"number": locked.number},
    )
    decision.refresh_from_db()
    return locked


@transaction.atomic
def decision_record_revoked(*, decision: Decision, user: Any = None) -> Decision:
    """Record a draft as a decision that was approved and later revoked (history entered
    afterwards, e.g. from a registry workbook). Its events never apply, so there is nothing to
    re-derive; the approval and revocation are dated now and attributed to the user."""
    permissions.require_approver(user)
    locked = _lock_draft(decision)
    permissions.check_decisions_in_scope(user, [locked])
    before = _decision_snapshot(locked)
    now = timezone.now()
    actor = user if getattr(user, "pk", None) else None
    locked.status = DecisionStatus.REVOKED
    locked.approved_by = locked.revoked_by = actor
    locked.approved_at = locked.revoked_at = now
    locked.revision += 1
    locked.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "revoked_by",
            "revoked_at",
            "revision",
            "updated_at",
        ]
    )
    audit.record("revoke", locked, before=before, after=_decision_snapshot(locked))
    decision.refresh_from_db()
    return locked


def registry_differences() -> list[dict]:
    """Compare every stored version with a fresh derivation; [] when they agree."""
    derivation = derive(None)
    if not derivation.problems:
        check_supervision(derivation, all_units=True)
    differences: list[dict] = [dict(p, kind="problem") for p in derivation.problems]
    stored: dict[int, list[tuple]] = {}
    for version in UnitVersion.objects.order_by("unit_id", "valid_from").iterator(chunk_size=5000):
        stored.setdefault(version.unit_id, []).append(stored_signature(version))
    for uid in sorted(set(stored) | set(derivation.versions)):
        want = [v.signature() for v in derivation.versions.get(uid, [])]
        have = stored.get(uid, [])
        if want != have:
            differences.append(
                {
                    "kind": "difference",
                    "unit": derivation.keys.get(uid, str(uid)),
                    "stored": [_describe(s) for s in have],
                    "derived": [_describe(s) for s in want],
                    "message": _("机构 %(unit)s：存储的版本与事项推导的不一致。")
                    % {"unit": derivation.keys.get(uid, uid)},
                }
            )
    return differences


def _describe(signature: tuple) -> dict[str, Any]:
    valid_from, valid_to, opened, closed, kind, *values = signature
    return {
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        **dict(zip(ATTRIBUTE_FIELDS, values, strict=True)),
    }


@transaction.atomic
def registry_rebuild() -> int:
    """Re-derive every version from registrations and approved events; returns units touched."""
    derivation = rederive(unit_ids=None, action="rebuild")
    audit.record_summary("rebuild", "units.unitversion", "*", {"units": len(derivation.versions)})
    return len(derivation.versions)


# ---------------------------------------------------------------------------------------------
# Attachments of draft decisions
# ---------------------------------------------------------------------------------------------


def _attachment_snapshot(attachment: DecisionAttachment) -> dict[str, Any]:
    return {
        "decision": attachment.decision.number,
        "title": attachment.title,
        "file": attachment.file.name,
    }


@transaction.atomic
def attachment_add(
    *, decision: Decision, file: Any, title: str = "", user: Any = None
) -> DecisionAttachment:
    """Attach the document of a draft decision; it must be a PDF file."""
    permissions.require(user, "units.add_decisionattachment")
    locked = _lock_draft(decision)
    permissions.check_decisions_in_scope(user, [locked])
    name = os.path.basename(getattr(file, "name", "") or "")
    head = file.read(5)
    file.seek(0)
    if not name.lower().endswith(".pdf") or head != b"%PDF-":
        raise _refuse(_("附件“%(name)s”必须是PDF文件。") % {"name": name}, column="file", unit=None)
    attachment = DecisionAttachment(decision=locked, title=(title or "").strip())
    attachment.file.save(name, file, save=False)
    attachment.save()
    audit.record("attach", attachment, after=_attachment_snapshot(attachment))
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: DecisionAttachment, user: Any = None) -> None:
    """Remove an attachment of a draft decision (the stored file is kept)."""
    permissions.require(user, "units.delete_decisionattachment")
    locked = _lock_draft(attachment.decision)
    permissions.check_decisions_in_scope(user, [locked])
    audit.record("detach", attachment, before=_attachment_snapshot(attachment))
    attachment.delete()


__all__ = [
    "NewUnit",
    "RegistrationInput",
    "attachment_add",
    "attachment_delete",
    "decision_approve",
    "decision_create",
    "decision_delete",
    "decision_record_revoked",
    "decision_revoke",
    "decision_update",
    "decisions_approve",
    "EventInput",
    "event_create",
    "event_delete",
    "events_create_bulk",
    "event_update",
    "institution_cap_set",
    "jurisdiction_create",
    "registry_differences",
    "registry_rebuild",
    "rederive",
    "unit_register",
    "units_register_bulk",
]
