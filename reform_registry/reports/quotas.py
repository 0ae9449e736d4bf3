"""Quotas on a date: balances, headcount and vacancy by kind, per jurisdiction or department,
and the pools' balances."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, QuerySet, When

from core.restrict import restricted
from staffing.models import Account
from staffing.selectors import QuotaTotals, balance_rows, quota_totals_by_group
from staffing.selectors.balances import KIND_ORDER
from units import selectors
from units.choices import UnitKind
from units.models import Jurisdiction, UnitVersion

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
    if group_by not in QUOTA_GROUPINGS:
        raise ValueError(group_by)
    versions = restricted(selectors.versions_on(on), user)
    ids: list[int] | None = None
    if jurisdiction is not None:
        ids = selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
        versions = versions.filter(jurisdiction_id__in=ids)
    if unit_kind:
        versions = versions.filter(kind=unit_kind)
    totals = _group_totals(versions, on=on, group_by=group_by, kind=kind)
    labels = _group_labels({t.group for t in totals if t.group is not None}, group_by, on, user)
    rows = [
        QuotaRow(
            key=labels.get(t.group, ("", ""))[0],
            label=labels.get(t.group, ("", ""))[1],
            kind=t.kind,
            units=t.units,
            balance=t.balance,
            reported_units=t.reported_units,
            actual=t.actual,
            vacancy=t.vacancy,
            over_staffed_units=t.over_staffed_units,
        )
        for t in totals
    ]
    rows.sort(key=lambda r: (r.key, _kind_order(r.kind)))
    return QuotasReport(
        jurisdiction=jurisdiction.code if jurisdiction else None,
        on=on,
        group_by=group_by,
        subdivisions=subdivisions,
        unit_kind=unit_kind,
        rows=rows,
        pools=_pools(on=on, jurisdiction_ids=ids, kind=kind, user=user),
    )


def _kind_order(code: str) -> int:
    """The place of a quota kind in the reports (the order of the codes; unknown ones last)."""
    return KIND_ORDER.index(code) if code in KIND_ORDER else 99


def _group_totals(
    versions: QuerySet[UnitVersion], *, on: dt.date, group_by: str, kind: str | None
) -> list[QuotaTotals]:
    """Per group and quota kind, the staffing selectors' totals of the units in force: their
    balance, latest headcounts, vacancy and over-staffing."""
    group = (
        F("jurisdiction_id")
        if group_by == "jurisdiction"
        else Case(When(kind=UnitKind.DEPARTMENT, then=F("unit_id")), default=F("parent_id"))
    )
    units = versions.annotate(group_id=group).values("unit_id", "group_id")
    return quota_totals_by_group(units, on=on, kind=kind)


def _group_labels(
    group_ids: set[int], group_by: str, on: dt.date, user: Any
) -> dict[int | None, tuple[str, str]]:
    """Code and name of each jurisdiction, or key and name on the date of each department."""
    if group_by == "jurisdiction":
        return {
            pk: (code, name)
            for pk, code, name in Jurisdiction.objects.filter(id__in=group_ids).values_list(
                "id", "code", "name"
            )
        }
    if not group_ids:
        return {}
    return {
        uid: (key, name)
        for uid, key, name in restricted(selectors.versions_on(on), user)
        .filter(unit_id__in=group_ids)
        .values_list("unit_id", "unit__key", "name")
    }


def _pools(
    *, on: dt.date, jurisdiction_ids: list[int] | None, kind: str | None, user: Any
) -> list[PoolRow]:
    """The balances on the date of the pools the user reads (of the jurisdictions, if given)."""
    pool_accounts = (
        Account.objects.restrict(user).filter(type="pool").select_related("jurisdiction")
    )
    if jurisdiction_ids is not None:
        pool_accounts = pool_accounts.filter(jurisdiction_id__in=jurisdiction_ids)
    pool_list = list(pool_accounts)
    held = balance_rows([a.pk for a in pool_list], on=on, kind=kind) if pool_list else {}
    pools = [
        PoolRow(a.jurisdiction.code, a.jurisdiction.name, kind_code, amount)
        for a in pool_list
        if a.jurisdiction is not None  # always, for pools (a check constraint)
        for (account_id, kind_code), amount in sorted(held.items())
        if account_id == a.pk
    ]
    pools.sort(key=lambda p: (p.jurisdiction, _kind_order(p.kind)))
    return pools
