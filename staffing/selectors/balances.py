"""Balances of the staffing ledger: sums of transfers, never stored, computed in SQL.

The queries take the accounts to look at as a list of ids (chunked) or as a queryset of
accounts (run as a subquery), so that a campaign over a hundred thousand institutions is a
handful of grouped queries. ``ledger_problems`` checks the invariants of DESIGN §3 on the
running balances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from core.bulk import chunked
from units.models import Jurisdiction, Unit, UnitVersion
from units.selectors import today

from ..choices import AccountType, QuotaKindCode
from ..models import Account, Transfer

AccountSet = QuerySet | Iterable[int] | None
KIND_ORDER = list(QuotaKindCode.values)


def _as_date(value: Any) -> dt.date:
    """A date read back from raw SQL (a date, a datetime or ISO text, by database)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def account_conditions(accounts: AccountSet, column: str) -> list[tuple[str, list]]:
    """SQL conditions selecting the accounts (several when a long list is chunked)."""
    if accounts is None:
        return [("1 = 1", [])]
    if isinstance(accounts, QuerySet):
        sql, params = accounts.order_by().values("id").query.sql_with_params()
        return [(f"{column} IN ({sql})", list(params))]
    ids = sorted(set(accounts))
    if not ids:
        return []
    if connection.vendor == "postgresql":  # one array parameter, however many accounts
        return [(f"{column} = ANY(%s)", [ids])]
    return [
        (f"{column} IN ({', '.join(['%s'] * len(batch))})", list(batch)) for batch in chunked(ids)
    ]


def moves_sql(clause: tuple[str, list], *, on: dt.date | None, kind: str | None) -> tuple:
    """The moves of the accounts a condition selects (``{account}`` stands for the account
    column), counted transfers only, up to a date and of a kind when given: one row per
    transfer and side, (account_id, kind, date, delta), and its parameters."""
    table = Transfer._meta.db_table
    condition, params = clause
    extra, extra_params = "", []
    if on is not None:
        extra += " AND t.date <= %s"
        extra_params.append(on.isoformat())
    if kind is not None:
        extra += " AND t.kind = %s"
        extra_params.append(kind)
    to_cond = condition.replace("{account}", "t.to_account_id")
    from_cond = condition.replace("{account}", "t.from_account_id")
    sql = f"""
        SELECT t.to_account_id AS account_id, t.kind AS kind, t.date AS date, t.amount AS delta
        FROM {table} t WHERE t.planned = %s AND {to_cond}{extra}
        UNION ALL
        SELECT t.from_account_id, t.kind, t.date, -t.amount
        FROM {table} t WHERE t.planned = %s AND {from_cond}{extra}
    """
    return sql, [False, *params, *extra_params, False, *params, *extra_params]


def balance_rows(
    accounts: AccountSet, *, on: dt.date, kind: str | None = None
) -> dict[tuple[int, str], int]:
    """Balance per (account id, kind) on a date: one grouped query (per chunk of ids)."""
    result: dict[tuple[int, str], int] = {}
    for clause in account_conditions(accounts, "{account}"):
        moves, params = moves_sql(clause, on=on, kind=kind)
        sql = f"SELECT account_id, kind, SUM(delta) FROM ({moves}) m GROUP BY account_id, kind"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for account_id, kind_code, total in cursor.fetchall():
                result[(account_id, kind_code)] = int(total)
    return result


def daily_moves(accounts: AccountSet) -> dict[tuple[int, str], list[tuple[dt.date, int]]]:
    """Net movement per (account, kind) and date, in date order."""
    result: dict[tuple[int, str], list[tuple[dt.date, int]]] = {}
    for clause in account_conditions(accounts, "{account}"):
        moves, params = moves_sql(clause, on=None, kind=None)
        sql = (
            f"SELECT account_id, kind, date, SUM(delta) FROM ({moves}) m "
            "GROUP BY account_id, kind, date ORDER BY account_id, kind, date"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for account_id, kind_code, day, total in cursor.fetchall():
                result.setdefault((account_id, kind_code), []).append((_as_date(day), int(total)))
    return result


PROBLEM_LIMIT = 50


def _problems_sql(moves: str, span_condition: str) -> str:
    """The query of ``ledger_problems`` over these moves: running balances per account and
    kind, the span of each unit's versions, and the rows that break an invariant."""
    account_table = Account._meta.db_table
    version_table = UnitVersion._meta.db_table
    return f"""
        WITH moves AS ({moves}),
        daily AS (
            SELECT account_id, kind, date, SUM(delta) AS delta
            FROM moves GROUP BY account_id, kind, date
        ),
        running AS (
            SELECT account_id, kind, date,
                   SUM(delta) OVER (PARTITION BY account_id, kind ORDER BY date
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance,
                   ROW_NUMBER() OVER (PARTITION BY account_id, kind ORDER BY date DESC) AS from_end
            FROM daily
        ),
        spans AS (
            SELECT v.unit_id AS unit_id, MIN(v.valid_from) AS starts,
                   CASE WHEN COUNT(*) = COUNT(v.valid_to) THEN MAX(v.valid_to) END AS ends
            FROM {version_table} v
            WHERE v.unit_id IN (
                SELECT a2.unit_id FROM {account_table} a2
                WHERE a2.unit_id IS NOT NULL AND {span_condition}
            )
            GROUP BY v.unit_id
        ),
        checked AS (
            SELECT r.account_id, a.type AS type, a.unit_id, r.kind, r.date, r.balance,
                   s.starts, s.ends,
                   CASE
                     WHEN a.type <> 'external' AND r.balance < 0 THEN 'negative'
                     WHEN a.type = 'unit' AND s.unit_id IS NULL AND r.balance <> 0
                          THEN 'absent'
                     WHEN a.type = 'unit' AND r.date < s.starts AND r.balance <> 0
                          THEN 'before_start'
                     WHEN a.type = 'unit' AND s.ends IS NOT NULL
                          AND (r.date >= s.ends OR r.from_end = 1) AND r.balance <> 0
                          THEN 'after_end'
                   END AS problem
            FROM running r
            JOIN {account_table} a ON a.id = r.account_id
            LEFT JOIN spans s ON s.unit_id = a.unit_id
            WHERE r.date >= %s OR r.from_end = 1
        )
        SELECT account_id, kind, date, balance, starts, ends, problem
        FROM checked WHERE problem IS NOT NULL
        ORDER BY date, account_id, kind
        LIMIT {PROBLEM_LIMIT}
    """


def ledger_problems(accounts: AccountSet, *, since: dt.date | None = None) -> list[dict]:
    """Every breach of the invariants of DESIGN §3 on the given accounts, from a date on.

    The running balance of each account and kind is computed in SQL at every date on which it
    moves; a row is a problem when a unit's or pool's balance is negative, when a unit holds
    quotas before it starts, after it has ended (or at all, when it never existed).
    """
    if accounts is not None and not isinstance(accounts, QuerySet):
        # The outside world has no invariant; its account moves with every grant ever made.
        outside = Account.objects.filter(type=AccountType.EXTERNAL).values_list("id", flat=True)
        accounts = set(accounts) - set(outside)
    found: list[dict] = []
    for clause in account_conditions(accounts, "{account}"):
        moves, params = moves_sql(clause, on=None, kind=None)
        sql = _problems_sql(moves, clause[0].replace("{account}", "a2.id"))
        since_value = (since or dt.date(1, 1, 1)).isoformat()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *clause[1], since_value])
            rows = cursor.fetchall()
        for account_id, kind_code, day, balance, starts, ends, problem in rows:
            found.append(
                {
                    "account_id": account_id,
                    "kind": kind_code,
                    "date": _as_date(day),
                    "balance": int(balance),
                    "starts": _as_date(starts) if starts else None,
                    "ends": _as_date(ends) if ends else None,
                    "problem": problem,
                }
            )
        if len(found) >= PROBLEM_LIMIT:
            break
    return found


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


def _every_kind(account: Account | None, on: dt.date | None) -> dict[str, int]:
    """Balance per kind of one account (or of none) on a date, every kind, zeros included."""
    rows = balance_rows([account.pk], on=on or today()) if account else {}
    return {code: rows.get((account.pk, code), 0) if account else 0 for code in KIND_ORDER}


def unit_balances(unit: Unit, on: dt.date | None = None) -> dict[str, int]:
    """Balance per kind of one unit on a date (every kind, zeros included)."""
    return _every_kind(Account.objects.filter(unit=unit).first(), on)


def pool_balances(jurisdiction: Jurisdiction, on: dt.date | None = None) -> dict[str, int]:
    """Balance per kind of a jurisdiction's pool on a date (every kind, zeros included)."""
    account = Account.objects.filter(type=AccountType.POOL, jurisdiction=jurisdiction).first()
    return _every_kind(account, on)


def ledger_total(on: dt.date | None = None) -> int:
    """Sum of every balance of every account (double entry: always zero)."""
    return sum(balance_rows(None, on=on or dt.date.max).values())
