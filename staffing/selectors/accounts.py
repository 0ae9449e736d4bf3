"""How accounts are named: in messages (with the unit's or pool's name), on the officials'
pages, and as spelled in the workbook (``staffing.rules.account_spelling``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.bulk import chunked
from units.selectors import latest_names

from ..choices import AccountType
from ..models import Account
from ..rules import account_spelling


def account_labels(account_ids: Iterable[int]) -> dict[int, str]:
    """How to name accounts in a message: unit name and key, pool name and spelling, or
    外部 (external)."""
    labels: dict[int, str] = {}
    rows = list(
        Account.objects.filter(id__in=set(account_ids)).values_list(
            "id", "type", "unit_id", "unit__key", "jurisdiction__name", "jurisdiction__code"
        )
    )
    unit_ids = [r[2] for r in rows if r[2]]
    names = latest_names(unit_ids)
    for account_id, type_, unit_id, key, j_name, j_code in rows:
        spelling = account_spelling(type=type_, unit_key=key, jurisdiction_code=j_code)
        if type_ == AccountType.UNIT:
            labels[account_id] = f"{names.get(unit_id, key)}（{spelling}）"
        elif type_ == AccountType.POOL:
            labels[account_id] = f"{j_name}编制周转池（{spelling}）"
        else:
            labels[account_id] = f"外部（{spelling}）"
    return labels


def account_name(account: Account) -> str:
    """An account as the officials' pages name it: a unit by its spelling (its key), a pool
    by its jurisdiction's code, the outside in words."""
    unit_key = account.unit.key if account.unit is not None else None
    code = account.jurisdiction.code if account.jurisdiction is not None else None
    if account.type == AccountType.POOL:
        return _("%(code)s 编制周转池") % {"code": code}
    if account.type == AccountType.EXTERNAL:
        return _("上级（外部）")
    return account_spelling(type=account.type, unit_key=unit_key, jurisdiction_code=code)


def account_spellings(account_ids: Iterable[int]) -> dict[int, str]:
    """Accounts as written in the workbook: a unit key, ``pool:CODE`` or ``external``."""
    labels: dict[int, str] = {}
    for batch in chunked(sorted(set(account_ids))):
        for account_id, type_, key, code in (
            Account.objects.filter(id__in=batch)
            .order_by()
            .values_list("id", "type", "unit__key", "jurisdiction__code")
        ):
            labels[account_id] = account_spelling(type=type_, unit_key=key, jurisdiction_code=code)
    return labels
