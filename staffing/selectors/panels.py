"""What the staffing screens show: the quota panel of a unit, the pool screen of a
jurisdiction, their ledger lines, and the gross inflow into a pool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum

from core.restrict import visible_among
from units.models import Jurisdiction, Unit, UnitVersion
from units.selectors import today, unit_state

from ..choices import LEADERSHIP_KINDS, AccountType
from ..models import Account, Transfer
from .balances import KIND_ORDER, balance_rows, pool_balances, unit_balances
from .vacancies import Vacancy, unit_vacancies

# What a listed transfer is shown with: both accounts' owners, its decision and its event.
TRANSFER_RELATED = (
    "from_account__unit",
    "from_account__jurisdiction",
    "to_account__unit",
    "to_account__jurisdiction",
    "decision",
    "event",
)


def ledger_lines(account: Account | None, *, until: dt.date | None = None) -> QuerySet[Transfer]:
    """The transfers in and out of an account (planned ones included, marked), by date."""
    if account is None:
        return Transfer.objects.none()
    qs = Transfer.objects.filter(Q(from_account=account) | Q(to_account=account))
    if until is not None:
        qs = qs.filter(date__lte=until)
    return qs.select_related(*TRANSFER_RELATED, "campaign").order_by("date", "id")


def hidden_lines(lines: Iterable[Transfer], user: Any) -> set[int]:
    """Ids of the ledger lines a user may not read: transfers with a unit or pool outside the
    user's scope. A screen leaves them out but still counts them in its balances."""
    ids = [line.pk for line in lines]
    return set(ids) - visible_among(Transfer, ids, user)


@dataclass
class QuotaPanel:
    unit: Unit
    on: dt.date
    account: Account | None
    state: UnitVersion | None  # the version in force
    staff: list[Vacancy] = field(default_factory=list)
    leadership: list[Vacancy] = field(default_factory=list)
    lines: list[Transfer] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)  # lines the user may not read
    # Filled in by the quota panel template tag: the latest lines and how many are left out.
    recent: Sequence[object] = field(default_factory=list)
    more_lines: int = 0

    @property
    def total_vacancy(self) -> int | None:
        values = [v.vacancy for v in self.staff if v.vacancy is not None]
        return sum(values) if values else None


def unit_quota_panel(unit: Unit, on: dt.date | None = None, *, user: Any = None) -> QuotaPanel:
    """Everything the quota panel of a unit shows: balances per kind on a date, the latest
    headcount and vacancy or over-staffing, leadership posts separately, and the ledger (with
    the lines the user may not read marked ``hidden``)."""
    on = on or today()
    account = Account.objects.filter(unit=unit).first()
    rows = unit_vacancies(unit, on)
    staff = [v for v in rows if v.kind not in LEADERSHIP_KINDS]
    leadership = [v for v in rows if v.kind in LEADERSHIP_KINDS]
    lines = list(ledger_lines(account))
    return QuotaPanel(
        unit=unit,
        on=on,
        account=account,
        state=unit_state(unit=unit, on=on),
        staff=staff,
        leadership=leadership,
        lines=lines,
        hidden=hidden_lines(lines, user),
    )


def leadership_posts(unit: Unit, on: dt.date | None = None) -> dict[str, int]:
    """Leadership posts (领导职数) of a unit on a date, per leader_* kind."""
    held = unit_balances(unit, on)
    return {code: held[code] for code in LEADERSHIP_KINDS}


@dataclass
class PoolScreen:
    jurisdiction: Jurisdiction
    on: dt.date
    account: Account | None
    balances: dict[str, int]
    lines: list[Transfer]
    line_count: int = 0
    opening: dict[str, int] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)  # lines the user may not read


def pool_screen(
    jurisdiction: Jurisdiction, on: dt.date | None = None, *, limit: int = 500, user: Any = None
) -> PoolScreen:
    """The pool of a jurisdiction: balances on a date and its latest ``limit`` ledger lines,
    with the balances before the first line shown (``opening``) and the lines the user may not
    read marked ``hidden``."""
    on = on or today()
    account = Account.objects.filter(type=AccountType.POOL, jurisdiction=jurisdiction).first()
    everything = ledger_lines(account)
    count = everything.count()
    lines = list(everything.order_by("-date", "-id")[:limit])[::-1]
    opening: dict[str, int] = {}
    if account is not None and count > len(lines):
        final = balance_rows([account.pk], on=dt.date.max)
        for code in KIND_ORDER:
            shown = sum(
                t.amount if t.to_account_id == account.pk else -t.amount
                for t in lines
                if t.kind == code and not t.planned
            )
            opening[code] = final.get((account.pk, code), 0) - shown
    return PoolScreen(
        jurisdiction=jurisdiction,
        on=on,
        account=account,
        balances=pool_balances(jurisdiction, on),
        lines=lines,
        line_count=count,
        opening=opening,
        hidden=hidden_lines(lines, user),
    )


def pool_inflow_rows(
    *, jurisdiction: Jurisdiction, start: dt.date, end: dt.date
) -> list[tuple[str, str, int]]:
    """Gross inflow into a jurisdiction's pool in (start, end] as (reason, kind, amount)."""
    rows = (
        Transfer.objects.counted()
        .filter(
            to_account__type=AccountType.POOL,
            to_account__jurisdiction=jurisdiction,
            date__gt=start,
            date__lte=end,
        )
        .order_by()
        .values("reason", "kind")
        .annotate(total=Sum("amount"))
        .order_by("reason", "kind")
    )
    return [(r["reason"], r["kind"], int(r["total"])) for r in rows]


@dataclass
class PoolInflow:
    total: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)


def pool_inflow(jurisdiction: Jurisdiction, start: dt.date, end: dt.date) -> PoolInflow:
    """Gross inflow into the pool in (start, end], total, by reason and by kind."""
    result = PoolInflow()
    for reason, kind, amount in pool_inflow_rows(jurisdiction=jurisdiction, start=start, end=end):
        result.total += amount
        result.by_reason[reason] = result.by_reason.get(reason, 0) + amount
        result.by_kind[kind] = result.by_kind.get(kind, 0) + amount
    return result
