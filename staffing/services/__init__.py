"""Writes of the staffing ledger (DESIGN §3), by subject: ``accounts`` (fetched or created,
found by spelling), ``ledger`` (invariants, derived transfers, following the registry),
``transfers``, ``headcounts``, ``campaigns``. Each write runs in one transaction with its audit
row; callers write ``from staffing import services`` / ``services.transfer_post(...)``."""

from .accounts import (
    accounts_by_spelling,
    external_account,
    pool_account,
    pool_accounts,
    resolve_account,
    unit_account,
    unit_accounts,
)
from .campaigns import (
    campaign_apply,
    campaign_discard,
    campaign_inputs_check,
    campaign_may_discard,
    campaign_preview,
    campaign_reverse,
)
from .headcounts import HeadcountInput, headcount_report, headcounts_report_bulk
from .ledger import ledger_checks_deferred, ledger_follow_registry, ledger_rederive
from .transfers import (
    TransferInput,
    transfer_post,
    transfer_reverse,
    transfer_snapshot,
    transfers_post_bulk,
)

__all__ = [
    "HeadcountInput",
    "TransferInput",
    "accounts_by_spelling",
    "campaign_apply",
    "campaign_discard",
    "campaign_inputs_check",
    "campaign_may_discard",
    "campaign_preview",
    "campaign_reverse",
    "external_account",
    "headcount_report",
    "headcounts_report_bulk",
    "ledger_checks_deferred",
    "ledger_follow_registry",
    "ledger_rederive",
    "pool_account",
    "pool_accounts",
    "resolve_account",
    "transfer_post",
    "transfer_reverse",
    "transfer_snapshot",
    "transfers_post_bulk",
    "unit_account",
    "unit_accounts",
]
