"""Ledger internals shared by services and selectors: accounts and running balances in SQL.

Balances are never stored; they are sums of transfers. The queries here take the accounts to
look at as a list of ids (chunked) or as a queryset of accounts (run as a subquery), so that a
campaign over a hundred thousand institutions is a handful of grouped queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from core.bulk import chunked
from units.models import Unit, UnitVersion

from .choices import AccountType
from .models import Account, Transfer

AccountSet = QuerySet | Iterable[int] | None


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------


def external_account() -> Account:
    account, _created = Account.objects.get_or_create(type=AccountType.EXTERNAL)
    return account


def pool_account(jurisdiction_id: int) -> Account:
    account, _created = Account.objects.get_or_create(
        type=AccountType.POOL, jurisdiction_id=jurisdiction_id
    )
    return account


def unit_account(unit_id: int) -> Account:
    account, _created = Account.objects.get_or_create(type=AccountType.UNIT, unit_id=unit_id)
    return account


def unit_accounts(unit_ids: Iterable[int], *, create: bool = True) -> dict[int, int]:
    """Account id per unit id, creating the missing accounts in bulk."""
    ids = sorted(set(unit_ids))
    found: dict[int, int] = {}
    for batch in chunked(ids):
        found.update(
            Account.objects.filter(unit_id__in=batch).order_by().values_list("unit_id", "id")
        )
    missing = [uid for uid in ids if uid not in found]
    if missing and create:
        if connection.vendor == "postgresql":  # one statement that returns the new ids
            table = connection.ops.quote_name(Account._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (type, unit_id) SELECT %s, unnest(%s::bigint[]) "
                    "ON CONFLICT DO NOTHING RETURNING unit_id, id",
                    [AccountType.UNIT, missing],
                )
                found.update(cursor.fetchall())
        else:
            Account.objects.bulk_create(
                [Account(type=AccountType.UNIT, unit_id=uid) for uid in missing],
                batch_size=2000,
                ignore_conflicts=True,
            )
        # Those made meanwhile by another transaction (or not returned by bulk_create).
        for batch in chunked([uid for uid in missing if uid not in found]):
            found.update(
                Account.objects.filter(unit_id__in=batch).order_by().values_list("unit_id", "id")
            )
    return found


def pool_accounts(jurisdiction_ids: Iterable[int]) -> dict[int, int]:
    """Pool account id per jurisdiction id, creating the missing pools."""
    ids = sorted(set(jurisdiction_ids))
    found = dict(
        Account.objects.filter(type=AccountType.POOL, jurisdiction_id__in=ids).values_list(
            "jurisdiction_id", "id"
        )
    )
    missing = [jid for jid in ids if jid not in found]
    if missing:
        Account.objects.bulk_create(
            [Account(type=AccountType.POOL, jurisdiction_id=jid) for jid in missing],
            ignore_conflicts=True,
        )
        found.update(
            Account.objects.filter(type=AccountType.POOL, jurisdiction_id__in=missing).values_list(
                "jurisdiction_id", "id"
            )
        )
    return found


def account_labels(account_ids: Iterable[int]) -> dict[int, str]:
    """How to name accounts in a message: unit key and name, pool name, or 外部."""
    labels: dict[int, str] = {}
    rows = list(
        Account.objects.filter(id__in=set(account_ids)).values_list(
            "id", "type", "unit_id", "unit__key", "jurisdiction__name", "jurisdiction__code"
        )
    )
    unit_ids = [r[2] for r in rows if r[2]]
    names: dict[int, str] = {}
    for unit_id, name in (
        UnitVersion.objects.filter(unit_id__in=unit_ids)
        .order_by("unit_id", "valid_from")
        .values_list("unit_id", "name")
    ):
        names[unit_id] = name  # the latest name wins
    for account_id, type_, unit_id, key, j_name, j_code in rows:
        if type_ == AccountType.UNIT:
            labels[account_id] = f"{names.get(unit_id, key)}（{key}）"
        elif type_ == AccountType.POOL:
            labels[account_id] = f"{j_name}编制周转池（pool:{j_code}）"
        else:
            labels[account_id] = "外部（external）"
    return labels


def account_short_labels(account_ids: Iterable[int]) -> dict[int, str]:
    """Accounts as written in the workbook: a unit key, ``pool:CODE`` or ``external``."""
    labels: dict[int, str] = {}
    for batch in chunked(sorted(set(account_ids))):
        for account_id, type_, key, code in (
            Account.objects.filter(id__in=batch)
            .order_by()
            .values_list("id", "type", "unit__key", "jurisdiction__code")
        ):
            labels[account_id] = (
                key
                if type_ == AccountType.UNIT
                else f"pool:{code}"
                if type_ == AccountType.POOL
                else "external"
            )
    return labels


def resolve_account(label: str, *, create: bool = True) -> Account | None:
    """An account from its workbook spelling: a unit key, ``pool:CODE`` or ``external``."""
    from units.models import Jurisdiction

    label = (label or "").strip()
    if label == "external":
        return external_account()
    if label.startswith("pool:"):
        jurisdiction = Jurisdiction.objects.filter(code=label[5:]).first()
        if jurisdiction is None:
            return None
        return pool_account(jurisdiction.pk) if create else None
    unit = Unit.objects.filter(key=label).first()
    if unit is None:
        return None
    return unit_account(unit.pk)


# ---------------------------------------------------------------------------------------------
# SQL over the transfers
# ---------------------------------------------------------------------------------------------


def _clauses(accounts: AccountSet, column: str) -> list[tuple[str, list]]:
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


def _moves_sql(clause: tuple[str, list], *, on: dt.date | None, kind: str | None) -> tuple:
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
    for clause in _clauses(accounts, "{account}"):
        moves, params = _moves_sql(clause, on=on, kind=kind)
        sql = f"SELECT account_id, kind, SUM(delta) FROM ({moves}) m GROUP BY account_id, kind"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for account_id, kind_code, total in cursor.fetchall():
                result[(account_id, kind_code)] = int(total)
    return result


def daily_moves(accounts: AccountSet) -> dict[tuple[int, str], list[tuple[dt.date, int]]]:
    """Net movement per (account, kind) and date, in date order."""
    result: dict[tuple[int, str], list[tuple[dt.date, int]]] = {}
    for clause in _clauses(accounts, "{account}"):
        moves, params = _moves_sql(clause, on=None, kind=None)
        sql = (
            f"SELECT account_id, kind, date, SUM(delta) FROM ({moves}) m "
            "GROUP BY account_id, kind, date ORDER BY account_id, kind, date"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for account_id, kind_code, day, total in cursor.fetchall():
                result.setdefault((account_id, kind_code), []).append((as_date(day), int(total)))
    return result


def delete_derived(accounts: AccountSet) -> set[int]:
    """Delete the derived transfers out of these accounts (every one when ``None``) and return
    the accounts they went to. Derived transfers are never reversed (``transfer_reverse``
    refuses them), so no row refers to them and they go in one statement per chunk."""
    table = connection.ops.quote_name(Transfer._meta.db_table)
    touched: set[int] = set()
    for condition, params in _clauses(accounts, "from_account_id"):
        where = f"derived AND {condition}"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT to_account_id FROM {table} WHERE {where}", params)
            touched.update(row[0] for row in cursor.fetchall())
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)
    return touched


PROBLEM_LIMIT = 50


def ledger_problems(accounts: AccountSet, *, since: dt.date | None = None) -> list[dict]:
    """Every breach of the invariants of DESIGN §3 on the given accounts, from a date on.

    The running balance of each account and kind is computed in SQL at every date on which it
    moves; a row is a problem when a unit's or pool's balance is negative, when a unit holds
    quotas before it starts, after it has ended (or at all, when it never existed).
    """
    account_table = Account._meta.db_table
    version_table = UnitVersion._meta.db_table
    if accounts is not None and not isinstance(accounts, QuerySet):
        # The outside world has no invariant; its account moves with every grant ever made.
        outside = Account.objects.filter(type=AccountType.EXTERNAL).values_list("id", flat=True)
        accounts = set(accounts) - set(outside)
    found: list[dict] = []
    for clause in _clauses(accounts, "{account}"):
        moves, params = _moves_sql(clause, on=None, kind=None)
        span_cond = clause[0].replace("{account}", "a2.id")
        sql = f"""
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
                    WHERE a2.unit_id IS NOT NULL AND {span_cond}
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
        since_value = (since or dt.date(1, 1, 1)).isoformat()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *clause[1], since_value])
            rows = cursor.fetchall()
        for account_id, kind_code, day, balance, starts, ends, problem in rows:
            found.append(
                {
                    "account_id": account_id,
                    "kind": kind_code,
                    "date": as_date(day),
                    "balance": int(balance),
                    "starts": as_date(starts) if starts else None,
                    "ends": as_date(ends) if ends else None,
                    "problem": problem,
                }
            )
        if len(found) >= PROBLEM_LIMIT:
            break
    return found
