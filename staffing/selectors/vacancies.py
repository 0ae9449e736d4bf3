"""Headcounts and vacancies: the latest actual staff reported per unit and kind, and the
vacancy (空编) or over-staffing (超编) it leaves against the unit's balance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import overload

from django.db import connection
from django.db.models import QuerySet

from core.bulk import chunked
from units.models import Jurisdiction, Unit
from units.selectors import today, versions_on

from ..choices import QuotaKindCode
from ..models import Account, HeadcountReport
from .balances import KIND_ORDER, balance_rows, moves_sql, unit_balances


@overload
def vacancy_of(*, balance: int, actual: int) -> int: ...
@overload
def vacancy_of(*, balance: int, actual: int | None) -> int | None: ...
def vacancy_of(*, balance: int, actual: int | None) -> int | None:
    """Vacancy of a unit for a kind: its balance less the latest actual headcount, positive
    for 空编, negative for 超编; None when no headcount was reported."""
    return None if actual is None else balance - actual


def latest_headcounts(
    units: QuerySet | Iterable[int], *, on: dt.date, kind: str | None = None
) -> dict[tuple[int, str], tuple[dt.date, int]]:
    """The latest actual reported on or before a date per (unit id, kind).

    Units given as ids are read by index, a chunk at a time; a queryset runs as a subquery."""
    if isinstance(units, QuerySet):
        batches: Iterable = [units.order_by().values("id")]
    else:
        batches = chunked(sorted(set(units)))
    found: dict[tuple[int, str], tuple[dt.date, int]] = {}
    for batch in batches:
        qs = HeadcountReport.objects.filter(unit_id__in=batch, as_of__lte=on)
        if kind:
            qs = qs.filter(kind=kind)
        for unit_id, code, as_of, actual in qs.order_by().values_list(
            "unit_id", "kind", "as_of", "actual"
        ):
            seen = found.get((unit_id, code))
            if seen is None or seen[0] < as_of:
                found[(unit_id, code)] = (as_of, actual)
    return found


@dataclass
class Vacancy:
    kind: str
    balance: int
    actual: int | None
    reported_on: dt.date | None

    @property
    def vacancy(self) -> int | None:
        """空编 (positive) or 超编 (negative); None without a headcount report."""
        return vacancy_of(balance=self.balance, actual=self.actual)

    @property
    def over_staffed(self) -> bool:
        return self.vacancy is not None and self.vacancy < 0

    @property
    def label(self) -> str:
        return str(QuotaKindCode(self.kind).label)


def unit_vacancies(unit: Unit, on: dt.date | None = None) -> list[Vacancy]:
    on = on or today()
    held = unit_balances(unit, on)
    counts = latest_headcounts([unit.pk], on=on)
    return [
        Vacancy(
            kind=code,
            balance=held[code],
            actual=counts[(unit.pk, code)][1] if (unit.pk, code) in counts else None,
            reported_on=counts[(unit.pk, code)][0] if (unit.pk, code) in counts else None,
        )
        for code in KIND_ORDER
    ]


@dataclass
class UnitVacancy:
    unit_id: int
    key: str
    name: str
    kind: str
    balance: int
    actual: int | None

    @property
    def vacancy(self) -> int | None:
        return vacancy_of(balance=self.balance, actual=self.actual)


def vacancies(
    on: dt.date | None = None,
    jurisdiction: Jurisdiction | None = None,
    *,
    kind: str = QuotaKindCode.INSTITUTION,
    unit_kind: str | None = None,
) -> list[UnitVacancy]:
    """Vacancy (positive) or over-staffing (negative) of every unit active on a date in a
    jurisdiction (not its subdivisions), for one kind; three grouped queries."""
    on = on or today()
    versions = versions_on(on)
    if jurisdiction is not None:
        versions = versions.filter(jurisdiction=jurisdiction)
    if unit_kind:
        versions = versions.filter(kind=unit_kind)
    rows = list(versions.order_by("unit__key").values_list("unit_id", "unit__key", "name"))
    unit_qs = Unit.objects.filter(id__in=versions.values("unit_id"))
    accounts = dict(
        Account.objects.filter(unit__in=unit_qs.values("id")).values_list("unit_id", "id")
    )
    held = balance_rows(Account.objects.filter(unit__in=unit_qs.values("id")), on=on, kind=kind)
    counts = latest_headcounts(unit_qs, on=on, kind=kind)
    return [
        UnitVacancy(
            unit_id=uid,
            key=key,
            name=name,
            kind=kind,
            balance=held.get((accounts[uid], kind), 0) if uid in accounts else 0,
            actual=counts[(uid, kind)][1] if (uid, kind) in counts else None,
        )
        for uid, key, name in rows
    ]


@dataclass(frozen=True)
class QuotaTotals:
    """The quotas of a group of units for one kind on a date (see ``quota_totals_by_group``)."""

    group: int | None
    kind: str
    units: int  # units holding or reporting the kind
    balance: int
    reported_units: int  # those with a headcount report
    actual: int | None  # their latest actual headcounts, summed (None: none reported)
    vacancy: int | None  # ``vacancy_of`` summed over the units that reported
    over_staffed_units: int


def quota_totals_by_group(
    units: QuerySet, *, on: dt.date, kind: str | None = None
) -> list[QuotaTotals]:
    """Per group and quota kind (one kind, or every kind when None), on a date: the units
    holding or reporting it, their balance, how many reported, their latest actual headcount,
    the vacancy (balance − latest actual, ``vacancy_of``) over those that reported, and how
    many are over-staffed. One grouped query, whatever the number of units.

    ``units`` is a queryset of two columns, a unit id and the id of its group, e.g.
    ``versions.annotate(group_id=F("jurisdiction_id")).values("unit_id", "group_id")``; each
    unit appears once. The balances are those of ``balance_rows`` (the same SQL)."""
    v_sql, v_params = units.order_by().query.sql_with_params()
    account = Account._meta.db_table
    headcount = HeadcountReport._meta.db_table
    accounts = f"{{account}} IN (SELECT a0.id FROM {account} a0 WHERE a0.unit_id IN (SELECT unit_id FROM v))"
    moves, moves_params = moves_sql((accounts, []), on=on, kind=kind)
    h_kind_sql, h_kind_params = (" AND kind = %s", [kind]) if kind else ("", [])
    sql = f"""
        WITH v(unit_id, grp) AS ({v_sql}),
        moves AS ({moves}),
        bal AS (
            SELECT a.unit_id AS unit_id, m.kind AS kind, SUM(m.delta) AS balance
            FROM moves m JOIN {account} a ON a.id = m.account_id GROUP BY a.unit_id, m.kind
        ),
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
        SELECT v.grp, p.kind,
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
        GROUP BY v.grp, p.kind
    """
    params = [*v_params, *moves_params, on.isoformat(), *h_kind_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        QuotaTotals(
            group=group,
            kind=code,
            units=int(count),
            balance=int(held or 0),
            reported_units=int(reported),
            actual=None if actual is None else int(actual),
            vacancy=None if vacancy is None else int(vacancy),
            over_staffed_units=int(over or 0),
        )
        for group, code, count, held, reported, actual, vacancy, over in rows
    ]
