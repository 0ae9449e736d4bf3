"""What the quota panel and the pool screen show: an account's ledger as rows with a running
balance."""

from __future__ import annotations

from typing import Any

from staffing.choices import QuotaKindCode, TransferReason
from staffing.models import Account, Transfer
from staffing.selectors import account_labels


def ledger_rows(
    account: Account | None,
    lines: list[Transfer],
    opening: dict[str, int] | None = None,
    hidden: set[int] | frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """The ledger of one account as rows: signed amount, counterpart and running balance per
    kind from the opening balances (planned transfers shown, not counted). ``hidden`` lines
    (the user may not read them) are counted in the balance but not shown."""
    if account is None:
        return []
    shown = [t for t in lines if t.pk not in hidden]
    labels = account_labels({t.from_account_id for t in shown} | {t.to_account_id for t in shown})
    running: dict[str, int] = dict(opening or {})
    rows = []
    for t in lines:
        incoming = t.to_account_id == account.pk
        delta = t.amount if incoming else -t.amount
        if not t.planned:
            running[t.kind] = running.get(t.kind, 0) + delta
        if t.pk in hidden:
            continue
        rows.append(
            {
                "transfer": t,
                "delta": delta,
                "counterpart": labels.get(t.from_account_id if incoming else t.to_account_id),
                "kind": QuotaKindCode(t.kind).label,
                "reason": TransferReason(t.reason).label,
                "balance": running.get(t.kind, 0),
            }
        )
    return rows
