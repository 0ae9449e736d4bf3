"""Preview of a decision before approving (or revoking) it: derived, never written.

Imported from this module (not from the package), since it checks a decision's structure
with the services, which read through the package's selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..models import Decision, Event, EventParticipant, Unit, UnitVersion
from ..rules import is_counted_institution
from ..services import decision_structure_problems
from ..services.derivation import Derivation, derive_checked
from .versions import (
    institutions_per_department,
    is_in_force,
    names_on,
    version_in_force,
    version_values,
)


@dataclass
class PreviewUnit:
    unit_id: int
    key: str
    name: str
    on: dt.date
    event_key: str
    fields: list[str] = field(default_factory=list)


@dataclass
class DepartmentMove:
    unit_id: int | None
    key: str
    name: str
    before: int
    after: int

    @property
    def delta(self) -> str:
        return f"{self.after - self.before:+d}"


@dataclass
class DecisionPreview:
    """What approving (or revoking) a decision would change, derived without writing: units
    that start, end and change, and institutions per supervising department on ``on`` (the
    last effective date of its events)."""

    decision: Decision
    revoke: bool
    on: dt.date | None
    starts: list[PreviewUnit] = field(default_factory=list)
    ends: list[PreviewUnit] = field(default_factory=list)
    changes: list[PreviewUnit] = field(default_factory=list)
    departments: list[DepartmentMove] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


# A span of a unit: (start, end, opened by, closed by, attribute values).
Span = tuple[dt.date, dt.date | None, int | None, int | None, dict[str, Any]]


def decision_preview(decision: Decision, *, revoke: bool = False) -> DecisionPreview:
    """Derive the units a decision touches as if it were approved (or, with ``revoke``, as if
    it were revoked) and compare with what is stored. Reads only; a fixed number of queries."""
    events = dict(Event.objects.filter(decision=decision).values_list("id", "key"))
    last = Event.objects.filter(decision=decision).order_by("-effective_on").first()
    preview = DecisionPreview(
        decision=decision, revoke=revoke, on=last.effective_on if last else None
    )
    parts = EventParticipant.objects.filter(event__decision=decision)
    unit_ids = set(parts.values_list("unit_id", flat=True))
    created = set(parts.filter(creates=True).values_list("unit_id", flat=True))
    if not revoke:
        preview.problems = decision_structure_problems([decision])
    if preview.problems or not unit_ids:
        return preview
    derivation = _derivation(decision, unit_ids, revoke=revoke)
    preview.problems = derivation.problems
    if preview.problems:
        return preview
    stored = _stored_versions(unit_ids)
    for uid in sorted(unit_ids, key=lambda u: derivation.keys.get(u, "")):
        spans = _stored_spans(stored.get(uid, [])) if revoke else _derived_spans(derivation, uid)
        _compare_spans(preview, uid, derivation.keys[uid], spans, events, created=uid in created)
    if preview.on is not None:
        preview.departments = _department_moves(preview.on, unit_ids, stored, derivation)
    return preview


def _derivation(decision: Decision, unit_ids: set[int], *, revoke: bool) -> Derivation:
    """The versions of the units as if the decision were approved (or revoked), checked."""
    if revoke:
        return derive_checked(unit_ids, exclude_decision_ids=[decision.pk])
    return derive_checked(unit_ids, extra_decision_ids=[decision.pk])


def _stored_versions(unit_ids: Iterable[int]) -> dict[int, list[UnitVersion]]:
    stored: dict[int, list[UnitVersion]] = {}
    for v in UnitVersion.objects.filter(unit_id__in=unit_ids).order_by("unit_id", "valid_from"):
        stored.setdefault(v.unit_id, []).append(v)
    return stored


def _stored_spans(versions: list[UnitVersion]) -> list[Span]:
    """On revocation, what changes is the stored versions (they are what is undone)."""
    return [
        (v.valid_from, v.valid_to, v.opened_by_id, v.closed_by_id, version_values(v))
        for v in versions
    ]


def _derived_spans(derivation: Derivation, uid: int) -> list[Span]:
    """On approval, what changes is the derived versions the decision's events open or close."""
    return [
        (v.valid_from, v.valid_to, v.opened_by_id, v.closed_by_id, v.values)
        for v in derivation.versions.get(uid, [])
    ]


def _compare_spans(
    preview: DecisionPreview,
    uid: int,
    key: str,
    spans: list[Span],
    events: dict[int, str],
    *,
    created: bool,
) -> None:
    """Add the starts, changes and ends of one unit that the decision's events make."""
    for i, (start, end, opened, closed, values) in enumerate(spans):
        name = values["name"]
        if opened in events:
            if created and i == 0:
                preview.starts.append(PreviewUnit(uid, key, name, start, events[opened]))
            else:
                before = spans[i - 1][4] if i else {}
                fields = [n for n in values if before.get(n) != values[n]]
                preview.changes.append(PreviewUnit(uid, key, name, start, events[opened], fields))
        if end is not None and closed in events and i == len(spans) - 1:
            preview.ends.append(PreviewUnit(uid, key, name, end, events[closed]))


def _department_moves(
    on: dt.date,
    unit_ids: set[int],
    stored: dict[int, list[UnitVersion]],
    derivation: Derivation,
) -> list[DepartmentMove]:
    """Institutions per supervising department on a date, before and after the decision."""
    moves: dict[int | None, int] = {}
    for uid in unit_ids:
        old = version_in_force(stored.get(uid, []), on)
        if old is not None and is_counted_institution(
            old.kind, old.category, old.pending_wind_down
        ):
            moves[old.parent_id] = moves.get(old.parent_id, 0) - 1
        for version in derivation.versions.get(uid, []):
            if is_in_force(version, on):
                values = version.values
                if is_counted_institution(
                    version.kind, values["category"], values["pending_wind_down"]
                ):
                    moves[values["parent"]] = moves.get(values["parent"], 0) + 1
    base = institutions_per_department(on=on)
    department_ids = [p for p in moves if p is not None]
    names = names_on(department_ids, on)
    keys = dict(Unit.objects.filter(pk__in=department_ids).values_list("pk", "key"))
    return [
        DepartmentMove(
            parent,
            keys.get(parent, "") if parent else "",
            names.get(parent, keys.get(parent, "")) if parent else "",
            base.get(parent, 0),
            base.get(parent, 0) + moves[parent],
        )
        for parent in sorted(moves, key=lambda p: keys.get(p, "") if p else "")
    ]
