"""The plan of a recovery campaign (DESIGN §3): what a preview shows and an application
does, rule by rule, for each institution of a jurisdiction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Protocol

from core.bulk import chunked
from units.choices import Category, UnitKind
from units.models import Jurisdiction, Unit
from units.selectors import versions_on

from ..choices import CampaignRule, QuotaKindCode, Rounding, TransferReason
from ..models import Account
from .balances import balance_rows
from .vacancies import latest_headcounts, vacancy_of

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
        return campaign_totals_by_rule(self.lines)


class _RuleAmount(Protocol):
    rule: str
    amount: int


def campaign_totals_by_rule(lines: Iterable[_RuleAmount]) -> dict[str, int]:
    """What a campaign recovers under each rule (every rule, zeros included, in rule order),
    from its lines: a plan's, or those stored with a campaign."""
    totals = dict.fromkeys(CampaignRule.values, 0)
    for line in lines:
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
    vacancy = vacancy_of(balance=balance, actual=actual)
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
        vacancy = vacancy_of(balance=held_now, actual=actual)
        for rule, amount in recovered_by_rules(
            balance=held_now,
            actual=actual,
            share=plan.share,
            rounding=rounding,
            remaining_rule=category in remaining_categories or business_functions,
            market_replaceable=market_replaceable,
        ):
            plan.lines.append(PlanLine(uid, key, name, rule, held_now, actual, vacancy, amount))
    return plan
