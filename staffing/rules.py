"""Pure rules of the staffing ledger (DESIGN §3): how an account is spelled, the bounds of an
amount, the quota kinds. No query and no write; services and selectors call them."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from .choices import AccountType, QuotaKindCode

# Far above any real quota; keeps amounts inside the database's integer range.
MAX_AMOUNT = 10_000_000
# Codes as a set built once (``TextChoices.values`` is rebuilt on every access).
QUOTA_KINDS = frozenset(QuotaKindCode.values)

EXTERNAL_SPELLING = "external"
POOL_PREFIX = "pool:"


def account_spelling(*, type: str, unit_key: str | None, jurisdiction_code: str | None) -> str:
    """How an account is written in the workbook, the forms and the audit trail: the unit's
    key, ``pool:CODE`` for a jurisdiction's pool, or ``external``."""
    if type == AccountType.UNIT:
        return str(unit_key)
    if type == AccountType.POOL:
        return f"{POOL_PREFIX}{jurisdiction_code}"
    return EXTERNAL_SPELLING


def account_spelling_parts(spelling: str) -> tuple[str, str]:
    """What an account's spelling names: (account type, unit key or jurisdiction code); the
    value is empty for ``external``. Surrounding blanks are ignored."""
    spelling = (spelling or "").strip()
    if spelling == EXTERNAL_SPELLING:
        return AccountType.EXTERNAL, ""
    if spelling.startswith(POOL_PREFIX):
        return AccountType.POOL, spelling[len(POOL_PREFIX) :]
    return AccountType.UNIT, spelling


def quota_kind_label(code: str) -> str:
    """The label of a quota kind (the code itself when it is unknown)."""
    try:
        return str(QuotaKindCode(code).label)
    except ValueError:
        return code


def unknown_quota_kind(kind: str) -> str | None:
    """The refusal of a quota kind that does not exist (None for a known one)."""
    if kind in QUOTA_KINDS:
        return None
    return _("未知的编制类型“%(kind)s”；可用：%(codes)s。") % {
        "kind": kind,
        "codes": ", ".join(QuotaKindCode.values),
    }


def report_date_problem(as_of: dt.date, *, today: dt.date) -> str | None:
    """The refusal of a headcount report dated after today (None for today or before): the
    actual staff of a day that has not come cannot be known."""
    if as_of <= today:
        return None
    return _("统计日期 %(date)s 晚于今天（%(today)s）：不能报告未来日期的实有人数。") % {
        "date": as_of.isoformat(),
        "today": today.isoformat(),
    }
