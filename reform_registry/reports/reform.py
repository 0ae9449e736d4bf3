"""The reform summary (DESIGN §4): institutions before and after a reform, per supervising
department, the quotas recovered and the headroom under the cap; with drafts, as if they were
approved (computed in memory: nothing is written and no row is locked)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.restrict import restricted, visible_among
from staffing.selectors import PoolInflow
from staffing.selectors.panels import pool_inflow_rows
from units import selectors
from units.choices import Category, DecisionStatus, UnitKind
from units.models import EventParticipant, InstitutionCap, Jurisdiction, Unit, UnitVersion
from units.services.derivation import DerivedVersion, approved_filter

from .changes import approved_events
from .common import TWO, department_names, latest_names, ratio
from .drafts import DraftRegistry, draft_pool_inflow_rows, draft_registry, drafts_for_preview

# Up to this many jurisdictions, the reform summary looks for events from their units.
LOCAL_JURISDICTIONS = 20


@dataclass
class DepartmentCounts:
    key: str
    name: str
    before: int
    after: int
    involved: bool = False


@dataclass
class ReformSummary:
    jurisdiction: str
    jurisdiction_name: str
    before: dt.date
    after: dt.date
    subdivisions: bool
    exclude_pending: bool
    include_drafts: bool
    institutions_before: int
    institutions_after: int
    reduction_rate: Decimal | None
    departments_baseline: int
    avg_per_department_before: Decimal | None
    avg_per_department_after: Decimal | None
    involved_departments: int
    involved_at_most_3: int
    share_at_most_3: Decimal | None
    quotas_recovered: PoolInflow
    institution_cap: int | None
    headroom_share: Decimal | None
    departments: list[DepartmentCounts]
    drafts_included: list[str] = field(default_factory=list)


def reform_period_problem(*, before: dt.date, after: dt.date) -> str | None:
    """What is wrong with the two dates of a reform, or None: the baseline comes strictly
    before the date after the reform (the page and the API both ask here)."""
    if before < after:
        return None
    return _("基准日期 %(before)s 应早于改革后日期 %(after)s。") % {
        "before": before.isoformat(),
        "after": after.isoformat(),
    }


# Approved events further apart than this belong to different reforms.
REFORM_GAP = dt.timedelta(days=183)


@dataclass(frozen=True)
class ReformPeriod:
    """A reform as the office reports it: the baseline ``before`` its first event and the
    date ``after`` its last, with the effective dates of both events."""

    before: dt.date
    after: dt.date
    first_event_on: dt.date
    last_event_on: dt.date


def reform_period(dates: Iterable[dt.date]) -> ReformPeriod | None:
    """The latest reform among effective dates of events: the latest run of dates each within
    ``REFORM_GAP`` of the next. Its baseline is the first of January of the year of its first
    event (the day before that event when it falls on the first of January), its date after
    the end of the quarter of its last event, as the office's statistics are reported."""
    ordered = sorted(set(dates), reverse=True)
    if not ordered:
        return None
    first = last = ordered[0]
    for day in ordered[1:]:
        if first - day > REFORM_GAP:
            break
        first = day
    before = dt.date(first.year, 1, 1)
    if before >= first:
        before = first - dt.timedelta(days=1)
    month = (last.month - 1) // 3 * 3 + 3
    after = dt.date(last.year, month, calendar.monthrange(last.year, month)[1])
    return ReformPeriod(before=before, after=after, first_event_on=first, last_event_on=last)


def latest_reform_period(
    *,
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = True,
    up_to: dt.date | None = None,
    user: Any = None,
) -> ReformPeriod | None:
    """The latest reform (``reform_period``) of the approved events the user reads, of a
    jurisdiction's units (or of all), effective on or before ``up_to`` when given; None
    without any. The default range of the reform dashboard and of the changes page."""
    events = approved_events(jurisdiction=jurisdiction, subdivisions=subdivisions, user=user)
    if up_to is not None:
        events = events.filter(effective_on__lte=up_to)
    return reform_period(events.order_by().values_list("effective_on", flat=True).distinct())


def institution_cap_on(jurisdiction: Jurisdiction, on: dt.date) -> int | None:
    """The cap in force on a date, or None."""
    row = (
        InstitutionCap.objects.filter(jurisdiction=jurisdiction, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("cap", flat=True)
        .first()
    )
    return row


def reform_summary(
    *,
    jurisdiction: Jurisdiction,
    before: dt.date,
    after: dt.date,
    subdivisions: bool = False,
    exclude_pending: bool = True,
    include_drafts: bool = False,
    user: Any = None,
) -> ReformSummary:
    """The figures of a reform between two dates (DESIGN §4), of the units the user reads
    (``user=None``: all).

    With ``include_drafts`` the figures are those the registry would give once the drafts are
    approved: the units they touch count with versions derived in memory, so nothing is
    written or locked. A draft that cannot be approved raises ``RegistryError``.
    """
    drafts = drafts_for_preview(after=after, user=user) if include_drafts else []
    registry = draft_registry(drafts)
    counts = _counts_per_parent(
        before=before,
        after=after,
        jurisdiction_ids=selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions),
        exclude_pending=exclude_pending,
        user=user,
        drafts=registry,
    )
    total_before, total_after = counts.total_before, counts.total_after
    supervisors = set(counts.before) | set(counts.after) | counts.involved
    names = _supervisor_names(supervisors, before=before, after=after, user=user, drafts=registry)
    per_before = {d: n for d, n in counts.before.items() if d in names}
    per_after = {d: n for d, n in counts.after.items() if d in names}
    involved = {d for d in counts.involved if d in names}
    baseline = len(per_before)
    at_most_3 = sum(1 for d in involved if per_after.get(d, 0) <= 3)
    cap = institution_cap_on(jurisdiction, after)
    departments = [
        DepartmentCounts(
            key=key,
            name=name,
            before=per_before.get(d, 0),
            after=per_after.get(d, 0),
            involved=d in involved,
        )
        for d, (key, name) in names.items()
    ]
    departments.sort(key=lambda row: (-row.before, -row.after, row.key))
    return ReformSummary(
        jurisdiction=jurisdiction.code,
        jurisdiction_name=jurisdiction.name,
        before=before,
        after=after,
        subdivisions=subdivisions,
        exclude_pending=exclude_pending,
        include_drafts=include_drafts,
        institutions_before=total_before,
        institutions_after=total_after,
        reduction_rate=ratio(total_before - total_after, total_before),
        departments_baseline=baseline,
        avg_per_department_before=ratio(total_before, baseline, TWO),
        avg_per_department_after=ratio(total_after, baseline, TWO),
        involved_departments=len(involved),
        involved_at_most_3=at_most_3,
        share_at_most_3=ratio(at_most_3, len(involved)),
        quotas_recovered=_quotas_recovered(jurisdiction, before, after, drafts=registry),
        institution_cap=cap,
        headroom_share=ratio(cap - total_after, cap) if cap else None,
        departments=departments,
        drafts_included=[d.number for d in drafts],
    )


@dataclass
class _ParentCounts:
    total_before: int = 0
    total_after: int = 0
    before: dict[int, int] = field(default_factory=dict)  # supervising unit id -> institutions
    after: dict[int, int] = field(default_factory=dict)
    involved: set[int] = field(default_factory=set)  # supervisors of institutions touched

    def add(self, parent_id: int | None, n_before: int, n_after: int, n_touched: int) -> None:
        self.total_before += n_before
        self.total_after += n_after
        if parent_id is None:
            return
        if n_before:
            self.before[parent_id] = self.before.get(parent_id, 0) + n_before
        if n_after:
            self.after[parent_id] = self.after.get(parent_id, 0) + n_after
        if n_touched:
            self.involved.add(parent_id)


def _counts_per_parent(
    *,
    before: dt.date,
    after: dt.date,
    jurisdiction_ids: list[int],
    exclude_pending: bool,
    user: Any,
    drafts: DraftRegistry,
) -> _ParentCounts:
    """Per supervising unit, the institutions counted on ``before`` and on ``after``, and
    whether some of them are a source or target of an approved event effective in
    (before, after] ("involved"): one grouped query over the stored versions, and the units
    the drafts touch counted from their derived versions."""
    counts = _ParentCounts()
    for row in _stored_counts(
        before=before,
        after=after,
        jurisdiction_ids=jurisdiction_ids,
        exclude_pending=exclude_pending,
        user=user,
        left_out=drafts.unit_ids,
    ):
        counts.add(*row)
    if drafts.unit_ids:
        _add_draft_counts(
            counts,
            before=before,
            after=after,
            jurisdiction_ids=set(jurisdiction_ids),
            exclude_pending=exclude_pending,
            user=user,
            drafts=drafts,
        )
    return counts


def _stored_counts(
    *,
    before: dt.date,
    after: dt.date,
    jurisdiction_ids: list[int],
    exclude_pending: bool,
    user: Any,
    left_out: set[int],
) -> list[tuple[int | None, int, int, int]]:
    """Rows (supervising unit id, institutions on ``before``, on ``after``, of them touched)
    over the stored versions of every unit but those ``left_out``."""
    touched = EventParticipant.objects.filter(
        event__effective_on__gt=before,
        event__effective_on__lte=after,
        event__decision__status=DecisionStatus.APPROVED,
    )
    if len(jurisdiction_ids) <= LOCAL_JURISDICTIONS:
        # A few jurisdictions: start from their units' versions (index on the jurisdiction)
        # rather than hashing every participant of the window; for a whole province the hash
        # is the cheaper plan.
        local = UnitVersion.objects.filter(jurisdiction_id__in=jurisdiction_ids)
        touched = touched.filter(unit_id__in=local.values("unit_id"))
    on_before, on_after = selectors.active_on(before), selectors.active_on(after)
    counted = [
        selectors.counted_institutions(on=on, exclude_pending=exclude_pending).filter(
            jurisdiction_id__in=jurisdiction_ids
        )
        for on in (before, after)
    ]
    versions = restricted(counted[0] | counted[1], user)
    if left_out:
        versions = versions.exclude(unit_id__in=sorted(left_out))
    return list(
        versions.order_by()
        .values("parent_id")
        .annotate(
            n_before=Count("id", filter=on_before),
            n_after=Count("id", filter=on_after),
            n_touched=Count("id", filter=Q(unit_id__in=touched.values("unit_id"))),
        )
        .values_list("parent_id", "n_before", "n_after", "n_touched")
    )


def _add_draft_counts(
    counts: _ParentCounts,
    *,
    before: dt.date,
    after: dt.date,
    jurisdiction_ids: set[int],
    exclude_pending: bool,
    user: Any,
    drafts: DraftRegistry,
) -> None:
    """Count the derived versions of the units the drafts touch, as the stored ones are."""
    touched = set(
        EventParticipant.objects.filter(
            approved_filter(drafts.decision_ids),
            event__effective_on__gt=before,
            event__effective_on__lte=after,
            unit_id__in=sorted(drafts.unit_ids),
        ).values_list("unit_id", flat=True)
    )
    for unit_id in drafts.visible(drafts.unit_ids, user):
        for version in drafts.versions[unit_id]:
            values = version.values
            if (
                version.kind != UnitKind.INSTITUTION
                or values["jurisdiction"] not in jurisdiction_ids
                or (exclude_pending and _pending_business(values))
            ):
                continue
            on_before, on_after = _in_force(version, before), _in_force(version, after)
            if on_before or on_after:
                counts.add(values["parent"], int(on_before), int(on_after), int(unit_id in touched))


def _pending_business(values: dict[str, Any]) -> bool:
    """A business institution pending wind-down: not counted unless asked for (DESIGN §4)."""
    return values["category"] == Category.BUSINESS and bool(values["pending_wind_down"])


def _in_force(version: DerivedVersion, on: dt.date) -> bool:
    return version.valid_from <= on and (version.valid_to is None or on < version.valid_to)


def _supervisor_names(
    supervisors: set[int], *, before: dt.date, after: dt.date, user: Any, drafts: DraftRegistry
) -> dict[int, tuple[str, str]]:
    """Key and name of the supervising units that are departments the user reads; those the
    drafts touch named from their derived versions."""
    stored = visible_among(Unit, supervisors - drafts.unit_ids, user)
    names = department_names(stored, before=before, after=after)
    derived = drafts.visible(supervisors & drafts.unit_ids, user)
    names.update(
        latest_names(
            (unit_id, drafts.keys[unit_id], version.values["name"], version.valid_from)
            for unit_id in derived
            for version in drafts.versions[unit_id]
            if version.kind == UnitKind.DEPARTMENT
            and (_in_force(version, before) or _in_force(version, after))
        )
    )
    return names


def _quotas_recovered(
    jurisdiction: Jurisdiction, before: dt.date, after: dt.date, *, drafts: DraftRegistry
) -> PoolInflow:
    """Gross inflow into the jurisdiction's pool in (before, after], total, by reason and by
    kind; with what approving the drafts would add."""
    rows = pool_inflow_rows(jurisdiction=jurisdiction, start=before, end=after)
    rows += draft_pool_inflow_rows(
        jurisdiction=jurisdiction, start=before, end=after, drafts=drafts
    )
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for reason, kind, amount in rows:
        totals[(reason, kind)] += amount
    result = PoolInflow()
    for (reason, kind), amount in sorted(totals.items()):
        result.total += amount
        result.by_reason[reason] = result.by_reason.get(reason, 0) + amount
        result.by_kind[kind] = result.by_kind.get(kind, 0) + amount
    return result
