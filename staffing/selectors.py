"""Reads of the staffing ledger: balances, headcounts, vacancies, panels, pool inflow, and the
plan of a recovery campaign. Used by the admin, the API, the pages and the reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from core.bulk import chunked
from core.restrict import visible_among
from units.choices import Category, UnitKind
from units.models import Jurisdiction, Unit, UnitVersion
from units.selectors import today, unit_state, versions_on

from .choices import (
    LEADERSHIP_KINDS,
    AccountType,
    CampaignRule,
    QuotaKindCode,
    Rounding,
    TransferReason,
)
from .ledger import AccountSet, balance_rows
from .models import Account, HeadcountReport, Transfer

KIND_ORDER = list(QuotaKindCode.values)


# ---------------------------------------------------------------------------------------------
# Balances
# ---------------------------------------------------------------------------------------------


def balances(
    accounts: Iterable[Account | Unit] | QuerySet | None,
    on: dt.date | None = None,
    kind: str | None = None,
) -> dict[tuple[int, str], int]:
    """Balances per (account id, kind) on a date, in one grouped query.

    ``accounts`` are accounts, units (their accounts), or a queryset of either; ``None`` means
    every account. Accounts without movement are absent (balance 0).
    """
    on = on or today()
    selection: AccountSet
    if accounts is None:
        selection = None
    elif isinstance(accounts, QuerySet):
        if accounts.model is Unit:
            selection = Account.objects.filter(unit__in=accounts.order_by().values("id"))
        else:
            selection = accounts
    else:
        items = list(accounts)
        unit_ids = [i.pk for i in items if isinstance(i, Unit)]
        ids = [i.pk for i in items if isinstance(i, Account)]
        if unit_ids:
            ids += list(Account.objects.filter(unit_id__in=unit_ids).values_list("id", flat=True))
        selection = ids
    return balance_rows(selection, on=on, kind=kind)


def balance(account: Account, kind: str, on: dt.date | None = None) -> int:
    """Balance of one account for one kind on a date."""
    return balance_rows([account.pk], on=on or today(), kind=kind).get((account.pk, kind), 0)


def unit_balances(unit: Unit, on: dt.date | None = None) -> dict[str, int]:
    """Balance per kind of one unit on a date (every kind, zeros included)."""
    account = Account.objects.filter(unit=unit).first()
    rows = balance_rows([account.pk], on=on or today()) if account else {}
    return {code: rows.get((account.pk, code), 0) if account else 0 for code in KIND_ORDER}


def pool_balances(jurisdiction: Jurisdiction, on: dt.date | None = None) -> dict[str, int]:
    account = Account.objects.filter(type=AccountType.POOL, jurisdiction=jurisdiction).first()
    rows = balance_rows([account.pk], on=on or today()) if account else {}
    return {code: rows.get((account.pk, code), 0) if account else 0 for code in KIND_ORDER}


def ledger_total(on: dt.date | None = None) -> int:
    """Sum of every balance of every account (double entry: always zero)."""
    return sum(balance_rows(None, on=on or dt.date.max).values())


# ---------------------------------------------------------------------------------------------
# Headcounts and vacancies
# ---------------------------------------------------------------------------------------------


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
        return None if self.actual is None else self.balance - self.actual

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
        return None if self.actual is None else self.balance - self.actual


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


# ---------------------------------------------------------------------------------------------
# The quota panel of a unit, the pool screen, ledger lines
# ---------------------------------------------------------------------------------------------


def ledger_lines(account: Account | None, *, until: dt.date | None = None) -> QuerySet[Transfer]:
    """The transfers in and out of an account (planned ones included, marked), by date."""
    if account is None:
        return Transfer.objects.none()
    qs = Transfer.objects.filter(Q(from_account=account) | Q(to_account=account))
    if until is not None:
        qs = qs.filter(date__lte=until)
    return qs.select_related(
        "from_account__unit",
        "from_account__jurisdiction",
        "to_account__unit",
        "to_account__jurisdiction",
        "decision",
        "event",
        "campaign",
    ).order_by("date", "id")


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


# ---------------------------------------------------------------------------------------------
# Recovery campaign: the plan (what a preview shows and an application does)
# ---------------------------------------------------------------------------------------------

ROUNDING_MODES: dict[str, str] = {
    Rounding.FLOOR: ROUND_FLOOR,
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.CEILING: ROUND_CEILING,
}


@dataclass
class PlanLine:
    unit_id: int
    key: str
    name: str
    rule: str
    balance: int
    actual: int
    vacancy: int
    amount: int

    @property
    def reason(self) -> str:
        if self.rule == CampaignRule.PRE_COLLECTION:
            return TransferReason.PRE_COLLECTION
        return TransferReason.RECOVERY


@dataclass
class PlanSkip:
    unit_id: int
    key: str
    name: str
    balance: int


@dataclass
class CampaignPlan:
    jurisdiction: Jurisdiction
    on: dt.date
    kind: str
    share: Decimal
    rounding: str
    lines: list[PlanLine] = field(default_factory=list)
    skipped: list[PlanSkip] = field(default_factory=list)
    institutions: int = 0
    accounts: dict[int, int] = field(default_factory=dict)  # unit id -> account id

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def total_by_rule(self) -> dict[str, int]:
        totals = dict.fromkeys(CampaignRule.values, 0)
        for line in self.lines:
            totals[line.rule] += line.amount
        return totals


def recovered_by_rules(
    *,
    balance: int,
    actual: int,
    share: Decimal,
    rounding: str,
    remaining_rule: bool,
    market_replaceable: bool,
) -> list[tuple[str, int]]:
    """The three rules of DESIGN §3, in order, for one institution: [(rule, amount > 0)]."""
    out: list[tuple[str, int]] = []
    vacancy = balance - actual
    taken = 0
    if vacancy > 0:
        first = int((Decimal(share) * vacancy).to_integral_value(rounding=ROUNDING_MODES[rounding]))
        first = max(0, min(first, vacancy))
        if first:
            out.append((CampaignRule.SHARE_OF_VACANCY, first))
            taken += first
        if remaining_rule and vacancy - taken > 0:
            out.append((CampaignRule.REMAINING_VACANCY, vacancy - taken))
            taken = vacancy
    if market_replaceable and balance - taken > 0:
        out.append((CampaignRule.PRE_COLLECTION, balance - taken))
    return out


def campaign_plan(
    *,
    jurisdiction: Jurisdiction,
    on: dt.date,
    kind: str = QuotaKindCode.INSTITUTION,
    share: Decimal = Decimal("0.5"),
    rounding: str = Rounding.FLOOR,
) -> CampaignPlan:
    """What a campaign would recover from each institution active on ``on`` whose jurisdiction
    is the one named (not its subdivisions); set-based: three grouped queries."""
    plan = CampaignPlan(
        jurisdiction=jurisdiction, on=on, kind=kind, share=Decimal(share), rounding=rounding
    )
    versions = versions_on(on).filter(kind=UnitKind.INSTITUTION, jurisdiction=jurisdiction)
    found = list(
        versions.order_by().values_list(
            "unit_id", "name", "category", "business_functions", "market_replaceable"
        )
    )
    plan.institutions = len(found)
    ids = [row[0] for row in found]
    # Everything else is read by these ids (index scans), a chunk at a time.
    keys: dict[int, str] = {}
    accounts: dict[int, int] = {}
    for batch in chunked(ids):
        keys.update(Unit.objects.filter(id__in=batch).values_list("id", "key"))
        accounts.update(Account.objects.filter(unit_id__in=batch).values_list("unit_id", "id"))
    plan.accounts = accounts
    held = balance_rows(list(accounts.values()), on=on, kind=kind)
    counts = latest_headcounts(ids, on=on, kind=kind)
    rows = sorted(
        ((uid, keys[uid], name, cat, bf, mr) for uid, name, cat, bf, mr in found),
        key=lambda row: row[1],
    )
    remaining_categories = {Category.BUSINESS, Category.UNCLASSIFIED}
    for uid, key, name, category, business_functions, market_replaceable in rows:
        held_now = held.get((accounts[uid], kind), 0) if uid in accounts else 0
        if (uid, kind) not in counts:
            plan.skipped.append(PlanSkip(uid, key, name, held_now))
            continue
        actual = counts[(uid, kind)][1]
        for rule, amount in recovered_by_rules(
            balance=held_now,
            actual=actual,
            share=plan.share,
            rounding=rounding,
            remaining_rule=category in remaining_categories or business_functions,
            market_replaceable=market_replaceable,
        ):
            plan.lines.append(
                PlanLine(uid, key, name, rule, held_now, actual, held_now - actual, amount)
            )
    return plan
