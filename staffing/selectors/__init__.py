"""Reads of the staffing ledger (DESIGN §3), by subject: ``balances`` (the one balance SQL and
the ledger's invariant check), ``vacancies`` (latest headcounts; vacancy = balance − latest
actual), ``panels`` (the quota panel, the pool screen, pool inflow), ``campaigns`` (the plan of
a recovery campaign), ``accounts`` (how accounts are named). Used by the services, the admin,
the API, the pages and the reports."""

from .accounts import account_labels, account_name, account_spellings
from .balances import (
    balance,
    balance_rows,
    balances,
    daily_moves,
    ledger_problems,
    ledger_total,
    pool_balances,
    unit_balances,
)
from .campaigns import (
    CampaignPlan,
    campaign_plan,
    campaign_totals_by_rule,
    recovered_by_rules,
)
from .panels import (
    PoolInflow,
    PoolScreen,
    QuotaPanel,
    leadership_posts,
    pool_inflow,
    pool_screen,
    unit_quota_panel,
)
from .vacancies import (
    QuotaTotals,
    Vacancy,
    latest_headcounts,
    quota_totals_by_group,
    unit_vacancies,
    vacancies,
    vacancy_of,
)

__all__ = [
    "CampaignPlan",
    "PoolInflow",
    "PoolScreen",
    "QuotaPanel",
    "Vacancy",
    "account_labels",
    "account_name",
    "account_spellings",
    "balance",
    "balance_rows",
    "balances",
    "campaign_plan",
    "campaign_totals_by_rule",
    "daily_moves",
    "latest_headcounts",
    "ledger_problems",
    "ledger_total",
    "leadership_posts",
    "pool_balances",
    "pool_inflow",
    "pool_screen",
    "QuotaTotals",
    "quota_totals_by_group",
    "recovered_by_rules",
    "unit_balances",
    "unit_quota_panel",
    "unit_vacancies",
    "vacancies",
    "vacancy_of",
]
