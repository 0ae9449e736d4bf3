"""Template tags that bring the staffing ledger into the pages of officials.

The ``units`` app never imports ``staffing``; its unit page asks for the quota panel through
this tag library, so the composition happens in the template.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.utils.translation import gettext as _

from staffing.choices import AccountType, TransferReason
from staffing.selectors import QuotaPanel, unit_quota_panel

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


def account_label(account) -> str:
    if account.type == AccountType.POOL:
        return _("%(code)s 编制周转池") % {"code": account.jurisdiction.code}
    if account.type == AccountType.EXTERNAL:
        return _("上级（外部）")
    return account.unit.key


@register.simple_tag
def quota_panel(unit, on: dt.date) -> QuotaPanel:
    """The quota panel of a unit on a date (balances, headcount, vacancy, recent transfers)."""
    panel = unit_quota_panel(unit, on)
    lines = []
    for transfer in panel.lines[-RECENT_LINES:][::-1]:
        incoming = panel.account is not None and transfer.to_account_id == panel.account.pk
        other = transfer.from_account if incoming else transfer.to_account
        lines.append(
            PanelLine(
                date=transfer.date,
                kind=transfer.get_kind_display(),
                amount=transfer.amount if incoming else -transfer.amount,
                counterpart=account_label(other),
                reason=str(TransferReason(transfer.reason).label)
                if transfer.reason in TransferReason.values
                else transfer.reason,
                decision=transfer.decision.number if transfer.decision_id else "",
                planned=transfer.planned,
            )
        )
    panel.recent = lines
    panel.more_lines = max(0, len(panel.lines) - RECENT_LINES)
    return panel
