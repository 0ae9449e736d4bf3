"""Reads of the registry core: state on a date, lists, histories, lineage, counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .choices import Category, DecisionStatus, EventType, ParticipantRole, UnitKind
from .models import Decision, Event, EventParticipant, Jurisdiction, Unit, UnitVersion
from .rules import VERSION_COLUMNS

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
    *,
    filters: Mapping[str, Any] | None = None,
    on: dt.date | None = None,
    queryset: QuerySet[UnitVersion] | None = None,
    parameters: Collection[str] = (),
) -> QuerySet[UnitVersion]:
    """The unit list of the pages and the API (DESIGN §6): one version of each unit, chosen and
    filtered by ``UnitFilterSet`` from the parameters as given (text, or values), ordered by
    unit key. ``on`` stands for ``as_of``; ``parameters`` names those the caller reads itself
    (a page number, a format). A bad value or an unknown parameter raises ``ValidationError``
    naming each parameter."""
    from .filtersets import UnitFilterSet

    data = {name: value for name, value in (filters or {}).items() if value is not None}
    if on is not None:
        data["as_of"] = on
    if queryset is None:
        queryset = UnitVersion.objects.select_related("unit", "jurisdiction", "parent").order_by(
            "unit__key"
        )
    filterset = UnitFilterSet(data, queryset, parameters=parameters)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


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


def changed_fields(before: UnitVersion, after: UnitVersion) -> list[str]:
    """Names of the attributes that differ between two versions (jurisdiction, parent without _id)."""
    return [
        name.removesuffix("_id")
        for name in VERSION_COLUMNS
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
    between them and the exits of transformed units: one recursive query for the walk, two for
    the edges and exits, one for the units; four whatever the size."""
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
    return Lineage(
        unit=unit,
        ancestors=ancestors,
        descendants=descendants,
        edges=edges,
        units=units,
        exits=exits,
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


# ---------------------------------------------------------------------------------------------
# Reads for the pages of officials: search by status, spans of units, counts over time, changes
# ---------------------------------------------------------------------------------------------


def ended_on(on: dt.date) -> Q:
    """The last version of a unit that ended on or before a date (no version follows it)."""
    following = UnitVersion.objects.filter(unit=OuterRef("unit"), valid_from=OuterRef("valid_to"))
    # The stubs type ``Q & <expression>`` as Combinable; at run time it is a Q.
    return Q(valid_to__lte=on) & ~Exists(following)  # type: ignore[return-value]


def unit_status_on(on: dt.date, status: str = "active") -> Q:
    """One version of each unit by status on a date: ``active`` (the version in force),
    ``ended`` (the last version of units ended on or before the date) or ``all`` (both)."""
    if status == "ended":
        return ended_on(on)
    if status == "all":
        return active_on(on) | ended_on(on)
    return active_on(on)


@dataclass
class UnitSpan:
    unit_id: int
    kind: str
    start: dt.date
    end: dt.date | None
    name: str


def unit_spans(unit_ids: Iterable[int]) -> dict[int, UnitSpan]:
    """First day, end (None while active) and latest name of each unit, in one query."""
    spans: dict[int, UnitSpan] = {}
    ids = list(unit_ids)
    if not ids:
        return spans
    rows = (
        UnitVersion.objects.filter(unit_id__in=ids)
        .order_by("unit_id", "valid_from")
        .values_list("unit_id", "kind", "valid_from", "valid_to", "name")
    )
    for unit_id, kind, start, end, name in rows:
        span = spans.get(unit_id)
        if span is None:
            spans[unit_id] = UnitSpan(unit_id, kind, start, end, name)
        else:
            span.end, span.name = end, name
    return spans


def department_institution_counts(
    *, department: Unit, exclude_pending: bool = True
) -> list[tuple[dt.date, int]]:
    """The number of institutions a department supervised over time, as (date, count) steps:
    from each date on, the count holds until the next step. One grouped query over versions."""
    qs = UnitVersion.objects.filter(parent=department, kind=UnitKind.INSTITUTION)
    if exclude_pending:
        qs = qs.exclude(category=Category.BUSINESS, pending_wind_down=True)
    delta: dict[dt.date, int] = {}
    for row in qs.order_by().values("valid_from", "valid_to").annotate(n=Count("id")):
        delta[row["valid_from"]] = delta.get(row["valid_from"], 0) + row["n"]
        if row["valid_to"] is not None:
            delta[row["valid_to"]] = delta.get(row["valid_to"], 0) - row["n"]
    steps: list[tuple[dt.date, int]] = []
    count = 0
    for day in sorted(delta):
        if delta[day] == 0:
            continue
        count += delta[day]
        steps.append((day, count))
    return steps


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

    def name_on(unit: Unit, day: dt.date) -> str:
        for start_on, end_on, name in versions.get(unit.pk, ()):
            if start_on <= day and (end_on is None or day < end_on):
                return name
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
            ChangedUnit(p.unit, name_on(p.unit, day))
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


# ---------------------------------------------------------------------------------------------
# Preview of a decision before approving (or revoking) it
# ---------------------------------------------------------------------------------------------


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


def _counted(kind: str, category: str, pending: bool) -> bool:
    return kind == UnitKind.INSTITUTION and not (category == Category.BUSINESS and pending)


def decision_preview(decision: Decision, *, revoke: bool = False) -> DecisionPreview:
    """Derive the units a decision touches as if it were approved (or, with ``revoke``, as if
    it were revoked) and compare with what is stored. Reads only; a fixed number of queries."""
    from .services import decision_structure_problems
    from .services.derivation import check_supervision, derive

    events = dict(Event.objects.filter(decision=decision).values_list("id", "key"))
    last = Event.objects.filter(decision=decision).order_by("-effective_on").first()
    preview = DecisionPreview(
        decision=decision, revoke=revoke, on=last.effective_on if last else None
    )
    unit_ids = set(
        EventParticipant.objects.filter(event__decision=decision).values_list("unit_id", flat=True)
    )
    created = set(
        EventParticipant.objects.filter(event__decision=decision, creates=True).values_list(
            "unit_id", flat=True
        )
    )
    if not revoke:
        preview.problems = decision_structure_problems([decision])
    if preview.problems or not unit_ids:
        return preview
    derivation = (
        derive(unit_ids, exclude_decision_ids=[decision.pk])
        if revoke
        else derive(unit_ids, extra_decision_ids=[decision.pk])
    )
    if not derivation.problems:
        check_supervision(derivation)
    preview.problems = derivation.problems
    if preview.problems:
        return preview

    keys = derivation.keys
    stored_all: dict[int, list[UnitVersion]] = {}
    for v in UnitVersion.objects.filter(unit_id__in=unit_ids).order_by("unit_id", "valid_from"):
        stored_all.setdefault(v.unit_id, []).append(v)
    stored = {
        uid: v
        for uid, vs in stored_all.items()
        for v in vs
        if preview.on is not None
        and v.valid_from <= preview.on
        and (v.valid_to is None or preview.on < v.valid_to)
    }
    for uid in sorted(unit_ids, key=lambda u: keys.get(u, "")):
        # What changes: on approval, the derived versions the decision's events open or close;
        # on revocation, the stored ones (they are what is undone).
        spans = (
            [
                (v.valid_from, v.valid_to, v.opened_by_id, v.closed_by_id, _values(v))
                for v in stored_all.get(uid, [])
            ]
            if revoke
            else [
                (v.valid_from, v.valid_to, v.opened_by_id, v.closed_by_id, v.values)
                for v in derivation.versions.get(uid, [])
            ]
        )
        for i, (start, end, opened, closed, values) in enumerate(spans):
            name = values["name"]
            if opened in events:
                if uid in created and i == 0:
                    preview.starts.append(PreviewUnit(uid, keys[uid], name, start, events[opened]))
                else:
                    before = spans[i - 1][4] if i else {}
                    fields = [n for n in values if before.get(n) != values[n]]
                    preview.changes.append(
                        PreviewUnit(uid, keys[uid], name, start, events[opened], fields)
                    )
            if end is not None and closed in events and i == len(spans) - 1:
                preview.ends.append(PreviewUnit(uid, keys[uid], name, end, events[closed]))
    if preview.on is None:
        return preview

    moves: dict[int | None, int] = {}
    for uid in unit_ids:
        old = stored.get(uid)
        if old is not None and _counted(old.kind, old.category, old.pending_wind_down):
            moves[old.parent_id] = moves.get(old.parent_id, 0) - 1
        for version in derivation.versions.get(uid, []):
            if version.valid_from <= preview.on and (
                version.valid_to is None or preview.on < version.valid_to
            ):
                values = version.values
                if _counted(version.kind, values["category"], values["pending_wind_down"]):
                    moves[values["parent"]] = moves.get(values["parent"], 0) + 1
    touched = set(moves)
    base = institutions_per_department(on=preview.on)
    department_ids = [p for p in touched if p is not None]
    names = {
        v.unit_id: v.name
        for v in UnitVersion.objects.filter(unit_id__in=department_ids).filter(
            active_on(preview.on)
        )
    }
    dept_keys = dict(Unit.objects.filter(pk__in=department_ids).values_list("pk", "key"))
    for parent in sorted(touched, key=lambda p: dept_keys.get(p, "") if p else ""):
        count_before = base.get(parent, 0)
        preview.departments.append(
            DepartmentMove(
                parent,
                dept_keys.get(parent, "") if parent else "",
                names.get(parent, dept_keys.get(parent, "")) if parent else "",
                count_before,
                count_before + moves[parent],
            )
        )
    return preview


def _values(version: UnitVersion) -> dict[str, Any]:
    values = {name.removesuffix("_id"): getattr(version, name) for name in VERSION_COLUMNS}
    return values
