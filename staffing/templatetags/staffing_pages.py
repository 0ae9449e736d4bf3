"""Template tags that bring the staffing ledger into the pages of officials.

The ``units`` app never imports ``staffing``; its unit page asks for the quota panel through
this tag library, so the composition happens in the template.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template

from staffing.choices import TransferReason
from staffing.selectors import QuotaPanel, account_name, unit_quota_panel

register = template.Library()

RECENT_LINES = 12


@dataclass
class PanelLine:
    date: dt.date
    kind: str
    amount: int  # signed: into the unit positive, out of it negative
    counterpart: str
    reason: str
    decision: str
    planned: bool


@register.simple_tag(takes_context=True)
def quota_panel(context, unit, on: dt.date) -> QuotaPanel:
    """The quota panel of a unit on a date (balances, headcount, vacancy, the recent transfers
    the page's user may read)."""
    request = context.get("request")
    panel = unit_quota_panel(unit, on, user=getattr(request, "user", None))
    shown = [t for t in panel.lines if t.pk not in panel.hidden]
    lines = []
    for transfer in shown[-RECENT_LINES:][::-1]:
        incoming = panel.account is not None and transfer.to_account_id == panel.account.pk
        other = transfer.from_account if incoming else transfer.to_account
        lines.append(
            PanelLine(
                date=transfer.date,
                kind=transfer.get_kind_display(),
                amount=transfer.amount if incoming else -transfer.amount,
                counterpart=account_name(other),
                reason=str(TransferReason(transfer.reason).label)
                if transfer.reason in TransferReason.values
                else transfer.reason,
                decision=transfer.decision.number if transfer.decision_id else "",
                planned=transfer.planned,
            )
        )
    panel.recent = lines
    panel.more_lines = max(0, len(shown) - RECENT_LINES)
    return panel
