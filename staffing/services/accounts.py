"""The ledger's accounts: one per unit, one pool per jurisdiction, one external (DESIGN §3),
fetched or created on first use, and found from their spelling (``staffing.rules``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from core.bulk import chunked
from units.models import Jurisdiction, Unit

from ..choices import AccountType
from ..models import Account
from ..rules import account_spelling_parts


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


def accounts_by_spelling(spellings: Iterable[str]) -> dict[str, Account]:
    """Accounts by their spelling (a unit key, ``pool:CODE`` or ``external``), creating the
    accounts of units and pools that have none yet; a spelling naming no unit or
    jurisdiction is absent from the result. A few queries, whatever the number."""
    wanted = {s for s in spellings if s}
    parts = {s: account_spelling_parts(s) for s in wanted}
    unit_keys = sorted(v for t, v in parts.values() if t == AccountType.UNIT)
    codes = sorted(v for t, v in parts.values() if t == AccountType.POOL)
    unit_ids: dict[str, int] = {}
    for batch in chunked(unit_keys):
        unit_ids.update(Unit.objects.filter(key__in=batch).order_by().values_list("key", "id"))
    jurisdiction_ids = dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "id"))
    by_unit = unit_accounts(unit_ids.values()) if unit_ids else {}
    by_pool = pool_accounts(jurisdiction_ids.values()) if jurisdiction_ids else {}
    ids: dict[str, int] = {}
    for spelling, (type_, value) in parts.items():
        if type_ == AccountType.UNIT and value in unit_ids:
            ids[spelling] = by_unit[unit_ids[value]]
        elif type_ == AccountType.POOL and value in jurisdiction_ids:
            ids[spelling] = by_pool[jurisdiction_ids[value]]
    loaded: dict[int, Account] = {}
    for batch in chunked(sorted(set(ids.values()))):
        loaded.update(Account.objects.order_by().in_bulk(batch))
    accounts = {spelling: loaded[account_id] for spelling, account_id in ids.items()}
    for spelling, (type_, _value) in parts.items():
        if type_ == AccountType.EXTERNAL:
            accounts[spelling] = external_account()
    return accounts


def resolve_account(spelling: str) -> Account | None:
    """The account a spelling names (created when the unit or pool has none yet); None when it
    names no unit or jurisdiction."""
    return accounts_by_spelling([spelling]).get(spelling)
