"""The reports of the registry (DESIGN §4): reform summary, institutions, quotas and changes.

Every report is a plain dataclass computed by grouped SQL queries, a fixed number of them
whatever the number of units; the API serializes them and the pages render them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from core.restrict import restricted, visible_among
from staffing.choices import QuotaKindCode
from staffing.selectors import PoolInflow, pool_inflow
from units import selectors
from units.choices import DecisionStatus, ParticipantRole, UnitKind
from units.models import (
    Decision,
    Event,
    EventParticipant,
    InstitutionCap,
    Jurisdiction,
    Unit,
    UnitVersion,
)

FOUR = Decimal("0.0001")
# Up to this many jurisdictions, the reform summary looks for events from their units.
LOCAL_JURISDICTIONS = 20
TWO = Decimal("0.01")


def ratio(numerator: int, denominator: int, places: Decimal = FOUR) -> Decimal | None:
    """numerator ÷ denominator rounded half up, or None when the denominator is zero."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Reform summary
# ---------------------------------------------------------------------------------------------


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


def _version_filter(
    *, on: dt.date, jurisdiction_ids: list[int], exclude_pending: bool
) -> QuerySet[UnitVersion]:
    qs = selectors.versions_on(on).filter(
        kind=UnitKind.INSTITUTION, jurisdiction_id__in=jurisdiction_ids
    )
    if exclude_pending:
        qs = qs.exclude(category="business", pending_wind_down=True)
    return qs


@dataclass
class _ParentCounts:
    total_before: int
    total_after: int
    before: dict[int, int]  # supervising unit id -> institutions on ``before``
    after: dict[int, int]
    involved: set[int]  # supervising units of institutions touched by the reform


def _counts_per_parent(
    *,
    before: dt.date,
    after: dt.date,
    jurisdiction_ids: list[int],
    exclude_pending: bool,
    user: Any = None,
) -> _ParentCounts:
    """One grouped query over the versions in force on either date: per supervising unit, the
    institutions counted on ``before`` and on ``after``, and how many of them are a source or
    target of an approved event effective in (before, after] ("involved")."""
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
    touched_units = touched.values("unit_id")
    on_before, on_after = selectors.active_on(before), selectors.active_on(after)
    versions = UnitVersion.objects.restrict(user).filter(
        on_before | on_after, kind=UnitKind.INSTITUTION, jurisdiction_id__in=jurisdiction_ids
    )
    if exclude_pending:
        versions = versions.exclude(category="business", pending_wind_down=True)
    rows = (
        versions.order_by()
        .values("parent_id")
        .annotate(
            n_before=Count("id", filter=on_before),
            n_after=Count("id", filter=on_after),
            n_touched=Count("id", filter=Q(unit_id__in=touched_units)),
        )
        .values_list("parent_id", "n_before", "n_after", "n_touched")
    )
    counts = _ParentCounts(0, 0, {}, {}, set())
    for parent_id, n_before, n_after, n_touched in rows:
        counts.total_before += n_before
        counts.total_after += n_after
        if parent_id is None:
            continue
        if n_before:
            counts.before[parent_id] = n_before
        if n_after:
            counts.after[parent_id] = n_after
        if n_touched:
            counts.involved.add(parent_id)
    return counts


def _department_names(
    ids: set[int], *, before: dt.date, after: dt.date
) -> dict[int, tuple[str, str]]:
    """Key and name of each department among the given units, as on ``after`` (or ``before``
    if it ended): one query. Supervising units that are not departments are left out."""
    if not ids:
        return {}
    # Plain SQL: thousands of ids (integers from the database, inlined) would cost more to
    # prepare through the ORM than the query itself.
    version, unit = UnitVersion._meta.db_table, Unit._meta.db_table
    id_list = ", ".join(str(int(i)) for i in sorted(ids))
    sql = f"""
        SELECT v.unit_id, u.key, v.name, v.valid_from
        FROM {version} v JOIN {unit} u ON u.id = v.unit_id
        WHERE v.kind = %s AND v.unit_id IN ({id_list})
          AND ((v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s))
            OR (v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s)))
    """
    b, a = before.isoformat(), after.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(sql, [UnitKind.DEPARTMENT.value, b, b, a, a])
        rows = cursor.fetchall()
    names: dict[int, tuple[str, str, Any]] = {}
    for unit_id, key, name, valid_from in rows:
        if unit_id not in names or names[unit_id][2] < valid_from:
            names[unit_id] = (key, name, valid_from)
    return {uid: (key, name) for uid, (key, name, _f) in names.items()}


def institution_cap_on(jurisdiction: Jurisdiction, on: dt.date) -> int | None:
    """The cap in force on a date, or None."""
    row = (
        InstitutionCap.objects.filter(jurisdiction=jurisdiction, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("cap", flat=True)
        .first()
    )
    return row


def drafts_for_preview(*, after: dt.date, user: Any = None) -> list[Decision]:
    """Draft decisions (that the user reads) with at least one event effective on or before
    ``after``."""
    return list(
        Decision.objects.restrict(user)
        .filter(status=DecisionStatus.DRAFT, events__effective_on__lte=after)
        .distinct()
        .order_by("issued_on", "number")
    )


def reform_period_problem(*, before: dt.date, after: dt.date) -> str | None:
    """What is wrong with the two dates of a reform, or None: the baseline comes strictly
    before the date after the reform (the page and the API both ask here)."""
    if before < after:
        return None
    return _("基准日期 %(before)s 应早于改革后日期 %(after)s。") % {
        "before": before.isoformat(),
        "after": after.isoformat(),
    }


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

    With ``include_drafts`` the drafts are approved inside a transaction that is rolled back
    once the figures are computed, so the answer is as if they were approved and nothing stays
    written (audit rows included). A draft that cannot be approved raises ``RegistryError``.
    """
    if not include_drafts:
        return _reform_summary(
            jurisdiction=jurisdiction,
            before=before,
            after=after,
            subdivisions=subdivisions,
            exclude_pending=exclude_pending,
            user=user,
        )
    from units import services

    with transaction.atomic():
        drafts = drafts_for_preview(after=after, user=user)
        services.decisions_approve(decisions=drafts)
        summary = _reform_summary(
            jurisdiction=jurisdiction,
            before=before,
            after=after,
            subdivisions=subdivisions,
            exclude_pending=exclude_pending,
            user=user,
        )
        transaction.set_rollback(True)
    summary.include_drafts = True
    summary.drafts_included = [d.number for d in drafts]
    return summary


def _reform_summary(
    *,
    jurisdiction: Jurisdiction,
    before: dt.date,
    after: dt.date,
    subdivisions: bool,
    exclude_pending: bool,
    user: Any,
) -> ReformSummary:
    ids = selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
    counts = _counts_per_parent(
        before=before,
        after=after,
        jurisdiction_ids=ids,
        exclude_pending=exclude_pending,
        user=user,
    )
    total_before, total_after = counts.total_before, counts.total_after
    supervisors = set(counts.before) | set(counts.after) | counts.involved
    names = _department_names(visible_among(Unit, supervisors, user), before=before, after=after)
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
        include_drafts=False,
        institutions_before=total_before,
        institutions_after=total_after,
        reduction_rate=ratio(total_before - total_after, total_before),
        departments_baseline=baseline,
        avg_per_department_before=ratio(total_before, baseline, TWO),
        avg_per_department_after=ratio(total_after, baseline, TWO),
        involved_departments=len(involved),
        involved_at_most_3=at_most_3,
        share_at_most_3=ratio(at_most_3, len(involved)),
        quotas_recovered=pool_inflow(jurisdiction, before, after),
        institution_cap=cap,
        headroom_share=ratio(cap - total_after, cap) if cap else None,
        departments=departments,
    )


# ---------------------------------------------------------------------------------------------
# Institutions grouped by a field on a date
# ---------------------------------------------------------------------------------------------

GROUPINGS = ("department", "category", "rank", "funding", "sector", "jurisdiction")


@dataclass
class GroupCount:
    key: str
    label: str
    count: int


@dataclass
class InstitutionsReport:
    jurisdiction: str | None
    on: dt.date
    group_by: str
    subdivisions: bool
    exclude_pending: bool
    total: int
    groups: list[GroupCount]


def institutions_report(
    *,
    on: dt.date,
    group_by: str = "department",
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = False,
    exclude_pending: bool = True,
    user: Any = None,
) -> InstitutionsReport:
    """Institutions counted on a date, grouped by department, category, rank, funding, sector
    or jurisdiction: one grouped query (and one for the jurisdiction tree). Of the units the
    user reads; a supervising department the user does not read is not named."""
    if group_by not in GROUPINGS:
        raise ValueError(group_by)
    qs = restricted(selectors.versions_on(on), user).filter(kind=UnitKind.INSTITUTION)
    if jurisdiction is not None:
        qs = qs.filter(
            jurisdiction_id__in=selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
        )
    if exclude_pending:
        qs = qs.exclude(category="business", pending_wind_down=True)
    qs = qs.order_by()
    groups: list[GroupCount] = []
    if group_by == "department":
        parent_name = UnitVersion.objects.filter(
            selectors.active_on(on), unit_id=OuterRef("parent_id")
        ).values("name")[:1]
        department_rows = (
            qs.values("parent_id", "parent__key")
            .annotate(n=Count("id"), label=Subquery(parent_name))
            .values_list("parent_id", "parent__key", "label", "n")
        )
        rows = list(department_rows)
        named = visible_among(Unit, {row[0] for row in rows if row[0]}, user)
        groups = [
            GroupCount(key or "", label or "", n) if parent in named else GroupCount("", "", n)
            for parent, key, label, n in rows
        ]
    elif group_by == "jurisdiction":
        jurisdiction_rows = qs.values_list("jurisdiction__code", "jurisdiction__name").annotate(
            n=Count("id")
        )
        groups = [GroupCount(code, name, n) for code, name, n in jurisdiction_rows]
    else:
        from units.choices import Category, Funding, Rank

        labels: dict[str, Any] = {
            "category": dict(Category.choices),
            "rank": dict(Rank.choices),
            "funding": dict(Funding.choices),
        }.get(group_by, {})
        value_rows = qs.values_list(group_by).annotate(n=Count("id"))
        groups = [GroupCount(value, str(labels.get(value, value)), n) for value, n in value_rows]
    groups.sort(key=lambda g: (-g.count, g.key))
    return InstitutionsReport(
        jurisdiction=jurisdiction.code if jurisdiction else None,
        on=on,
        group_by=group_by,
        subdivisions=subdivisions,
        exclude_pending=exclude_pending,
        total=sum(g.count for g in groups),
        groups=groups,
    )


# ---------------------------------------------------------------------------------------------
# Changes between two dates
# ---------------------------------------------------------------------------------------------


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
    events_qs = Event.objects.restrict(user).filter(
        decision__status=DecisionStatus.APPROVED,
        effective_on__gte=start,
        effective_on__lte=end,
    )
    versions = UnitVersion.objects.restrict(user).select_related("unit", "opened_by__decision")
    ended_versions = UnitVersion.objects.restrict(user).select_related(
        "unit", "closed_by__decision"
    )
    if jurisdiction is not None:
        ids = selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
        versions = versions.filter(jurisdiction_id__in=ids)
        ended_versions = ended_versions.filter(jurisdiction_id__in=ids)
        events_qs = events_qs.filter(
            participants__unit__versions__jurisdiction_id__in=ids
        ).distinct()
    # Versions opened in the window by an event: the unit was established (the event created
    # it) or changed (absorb or change).
    opened = list(
        versions.filter(
            opened_by__isnull=False,
            valid_from__gte=start,
            valid_from__lte=end,
            opened_by__decision__status=DecisionStatus.APPROVED,
        ).order_by("valid_from", "unit__key")
    )
    created = set(
        EventParticipant.objects.filter(
            creates=True, event_id__in=[v.opened_by_id for v in opened]
        ).values_list("event_id", "unit_id")
    )
    # Versions closed in the window with no later version: the unit ended.
    later = UnitVersion.objects.filter(unit_id=OuterRef("unit_id"), valid_from=OuterRef("valid_to"))
    closed = list(
        ended_versions.filter(
            closed_by__isnull=False,
            valid_to__gte=start,
            valid_to__lte=end,
            closed_by__decision__status=DecisionStatus.APPROVED,
        )
        .filter(~Exists(later))
        .order_by("valid_to", "unit__key")
    )
    established: list[ChangedUnit] = []
    changed: list[ChangedUnit] = []
    previous_ids = [v.unit_id for v in opened if (v.opened_by_id, v.unit_id) not in created]
    previous: dict[tuple[int, dt.date | None], UnitVersion] = {}
    if previous_ids:
        for p in UnitVersion.objects.filter(
            unit_id__in=previous_ids, valid_to__gte=start, valid_to__lte=end
        ):
            previous[(p.unit_id, p.valid_to)] = p
    for v in opened:
        event = v.opened_by
        assert event is not None  # filtered on opened_by
        row = ChangedUnit(
            key=v.unit.key,
            kind=v.kind,
            name=v.name,
            on=v.valid_from,
            event=event.key,
            event_type=event.type,
            decision=event.decision.number,
        )
        if (v.opened_by_id, v.unit_id) in created:
            established.append(row)
        else:
            before = previous.get((v.unit_id, v.valid_from))
            row.fields = selectors.changed_fields(before, v) if before else []
            changed.append(row)
    ended: list[ChangedUnit] = []
    for v in closed:
        event = v.closed_by
        assert event is not None and v.valid_to is not None  # filtered on both
        ended.append(
            ChangedUnit(
                key=v.unit.key,
                kind=v.kind,
                name=v.name,
                on=v.valid_to,
                event=event.key,
                event_type=event.type,
                decision=event.decision.number,
            )
        )
    parts: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    event_list = list(events_qs.select_related("decision").order_by("effective_on", "id"))
    for event_id, role, key in (
        EventParticipant.objects.restrict(user)
        .filter(event_id__in=[e.pk for e in event_list])
        .order_by("event_id", "role", "position", "id")
        .values_list("event_id", "role", "unit__key")
    ):
        parts[event_id][0 if role == ParticipantRole.SOURCE else 1].append(key)
    events = [
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
    return ChangesReport(
        jurisdiction=jurisdiction.code if jurisdiction else None,
        start=start,
        end=end,
        established=established,
        ended=ended,
        changed=changed,
        events=events,
    )


# ---------------------------------------------------------------------------------------------
# Quotas: balances, headcount and vacancy by kind, per jurisdiction or department
# ---------------------------------------------------------------------------------------------

QUOTA_GROUPINGS = ("jurisdiction", "department")


@dataclass
class QuotaRow:
    key: str
    label: str
    kind: str
    units: int
    balance: int
    reported_units: int
    actual: int | None
    vacancy: int | None
    over_staffed_units: int


@dataclass
class PoolRow:
    jurisdiction: str
    name: str
    kind: str
    balance: int


@dataclass
class QuotasReport:
    jurisdiction: str | None
    on: dt.date
    group_by: str
    subdivisions: bool
    unit_kind: str | None
    rows: list[QuotaRow]
    pools: list[PoolRow]


def quotas_report(
    *,
    on: dt.date,
    group_by: str = "jurisdiction",
    jurisdiction: Jurisdiction | None = None,
    subdivisions: bool = False,
    unit_kind: str | None = None,
    kind: str | None = None,
    user: Any = None,
) -> QuotasReport:
    """Per group (jurisdiction, or supervising department — a department with its own
    quotas counts as its own group) and quota kind: units holding or reporting that kind,
    balance, latest actual headcount on or before the date, vacancy (balance − actual over the
    units that reported) and the number of over-staffed units; plus the pools' balances.
    Of the units and pools the user reads. Two grouped queries and two for the labels,
    whatever the number of units."""
    from django.db import connection

    from staffing.models import Account, HeadcountReport, Transfer
    from staffing.selectors import balance_rows

    if group_by not in QUOTA_GROUPINGS:
        raise ValueError(group_by)
    versions = restricted(selectors.versions_on(on), user)
    ids: list[int] | None = None
    if jurisdiction is not None:
        ids = selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
        versions = versions.filter(jurisdiction_id__in=ids)
    if unit_kind:
        versions = versions.filter(kind=unit_kind)
    v_sql, v_params = (
        versions.order_by().values("unit_id", "kind", "jurisdiction_id", "parent_id").query
    ).sql_with_params()
    transfer = Transfer._meta.db_table
    account = Account._meta.db_table
    headcount = HeadcountReport._meta.db_table
    kind_sql = " AND t.kind = %s" if kind else ""
    kind_params = [kind] if kind else []
    h_kind_sql = " AND kind = %s" if kind else ""
    group_sql = (
        "v.jurisdiction_id"
        if group_by == "jurisdiction"
        else f"CASE WHEN v.kind = '{UnitKind.DEPARTMENT}' THEN v.unit_id ELSE v.parent_id END"
    )
    sql = f"""
        WITH v(unit_id, kind, jurisdiction_id, parent_id) AS ({v_sql}),
        moves AS (
            SELECT a.unit_id AS unit_id, t.kind AS kind, t.amount AS delta
            FROM {transfer} t JOIN {account} a ON a.id = t.to_account_id
            WHERE t.planned = %s AND t.date <= %s{kind_sql}
              AND a.unit_id IN (SELECT unit_id FROM v)
            UNION ALL
            SELECT a.unit_id, t.kind, -t.amount
            FROM {transfer} t JOIN {account} a ON a.id = t.from_account_id
            WHERE t.planned = %s AND t.date <= %s{kind_sql}
              AND a.unit_id IN (SELECT unit_id FROM v)
        ),
        bal AS (SELECT unit_id, kind, SUM(delta) AS balance FROM moves GROUP BY unit_id, kind),
        latest AS (
            SELECT unit_id, kind, MAX(as_of) AS as_of FROM {headcount}
            WHERE as_of <= %s{h_kind_sql} AND unit_id IN (SELECT unit_id FROM v)
            GROUP BY unit_id, kind
        ),
        hc AS (
            SELECT h.unit_id AS unit_id, h.kind AS kind, h.actual AS actual
            FROM {headcount} h
            JOIN latest l ON l.unit_id = h.unit_id AND l.kind = h.kind AND l.as_of = h.as_of
        ),
        pairs AS (SELECT unit_id, kind FROM bal UNION SELECT unit_id, kind FROM hc)
        SELECT {group_sql} AS grp, p.kind,
               COUNT(*),
               SUM(COALESCE(b.balance, 0)),
               COUNT(hc.actual),
               SUM(hc.actual),
               SUM(CASE WHEN hc.actual IS NOT NULL THEN COALESCE(b.balance, 0) - hc.actual END),
               SUM(CASE WHEN hc.actual > COALESCE(b.balance, 0) THEN 1 ELSE 0 END)
        FROM v
        JOIN pairs p ON p.unit_id = v.unit_id
        LEFT JOIN bal b ON b.unit_id = p.unit_id AND b.kind = p.kind
        LEFT JOIN hc ON hc.unit_id = p.unit_id AND hc.kind = p.kind
        GROUP BY {group_sql}, p.kind
    """
    day = on.isoformat()
    params = [
        *v_params,
        False,
        day,
        *kind_params,
        False,
        day,
        *kind_params,
        day,
        *kind_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    group_ids = {row[0] for row in raw if row[0] is not None}
    labels: dict[int, tuple[str, str]] = {}
    if group_by == "jurisdiction":
        labels = {
            pk: (code, name)
            for pk, code, name in Jurisdiction.objects.filter(id__in=group_ids).values_list(
                "id", "code", "name"
            )
        }
    elif group_ids:
        labels = {
            uid: (key, name)
            for uid, key, name in restricted(selectors.versions_on(on), user)
            .filter(unit_id__in=group_ids)
            .values_list("unit_id", "unit__key", "name")
        }
    order = {code: i for i, code in enumerate(QuotaKindCode.values)}
    rows = [
        QuotaRow(
            key=labels.get(grp, ("", ""))[0],
            label=labels.get(grp, ("", ""))[1],
            kind=kind_code,
            units=int(units),
            balance=int(balance or 0),
            reported_units=int(reported),
            actual=None if actual is None else int(actual),
            vacancy=None if vacancy is None else int(vacancy),
            over_staffed_units=int(over or 0),
        )
        for grp, kind_code, units, balance, reported, actual, vacancy, over in raw
    ]
    rows.sort(key=lambda r: (r.key, order.get(r.kind, 99)))
    pool_accounts = (
        Account.objects.restrict(user).filter(type="pool").select_related("jurisdiction")
    )
    if ids is not None:
        pool_accounts = pool_accounts.filter(jurisdiction_id__in=ids)
    pool_list = list(pool_accounts)
    held = balance_rows([a.pk for a in pool_list], on=on, kind=kind) if pool_list else {}
    pools = [
        PoolRow(a.jurisdiction.code, a.jurisdiction.name, kind_code, amount)
        for a in pool_list
        if a.jurisdiction is not None  # always, for pools (a check constraint)
        for (account_id, kind_code), amount in sorted(held.items())
        if account_id == a.pk
    ]
    pools.sort(key=lambda p: (p.jurisdiction, order.get(p.kind, 99)))
    return QuotasReport(
        jurisdiction=jurisdiction.code if jurisdiction else None,
        on=on,
        group_by=group_by,
        subdivisions=subdivisions,
        unit_kind=unit_kind,
        rows=rows,
        pools=pools,
    )
