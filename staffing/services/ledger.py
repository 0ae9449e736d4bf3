"""The ledger's invariants and its derived transfers (DESIGN §3).

Every write of the staffing services locks the accounts it moves quotas between (in id order,
so two writes cannot overdraw one account) and checks the invariants before it returns: no
unit or pool balance negative on any date from the write's date on, a unit holds nothing before
it starts or after it ends, and — by double entry — the sum of all balances is zero. A refusal
raises ``RegistryError`` naming the unit, the date and the amount; the transaction then writes
nothing. Writes that are only consistent together (a workbook's approvals and the grants that
fund what they move) check them once, at the end of a ``ledger_checks_deferred`` block.

Default transfers of events (merge/absorb to the target, abolish/transform to the pool) are
derived like versions: ``ledger_rederive`` recomputes them whenever the events or the earlier
transfers of the same units change; ``ledger_follow_registry`` does so when decisions are
approved or revoked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import chunked, copy_values
from core.errors import RegistryError
from units import audit, permissions
from units.choices import DecisionStatus, EventType, ParticipantRole
from units.models import Decision, Event, EventParticipant, Jurisdiction, Unit, UnitVersion

from ..choices import AccountType, TransferReason
from ..models import Account, Transfer
from ..rules import quota_kind_label
from ..selectors.accounts import account_labels
from ..selectors.balances import AccountSet, account_conditions, daily_moves, ledger_problems
from .accounts import pool_accounts, unit_accounts

DEFAULT_TYPES_TO_TARGET = {EventType.MERGE, EventType.ABSORB}
DEFAULT_TYPES_TO_POOL = {EventType.ABOLISH, EventType.TRANSFORM}


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------


def _describe_problem(row: dict, labels: dict[int, str]) -> dict:
    account = labels.get(row["account_id"], str(row["account_id"]))
    values = {
        "account": account,
        "date": row["date"].isoformat(),
        "kind": quota_kind_label(row["kind"]),
        "balance": row["balance"],
        "short": -row["balance"],
    }
    problem = row["problem"]
    if problem == "negative":
        message = (
            _("%(account)s 在 %(date)s 的%(kind)s余额将为 %(balance)d，缺 %(short)d 名，不能为负。")
            % values
        )
    elif problem == "absent":
        message = (
            _(
                "%(account)s 不存在（没有已批准的设立或登记），在 %(date)s 却持有%(kind)s %(balance)d 名。"
            )
            % values
        )
    elif problem == "before_start":
        values["starts"] = row["starts"].isoformat()
        message = (
            _("%(account)s 于 %(starts)s 才成立，在 %(date)s 却持有%(kind)s %(balance)d 名。")
            % values
        )
    else:
        values["ends"] = row["ends"].isoformat()
        message = (
            _(
                "%(account)s 已于 %(ends)s 终止，在 %(date)s 仍持有%(kind)s %(balance)d 名；终止的机构不能持有编制。"
            )
            % values
        )
    return {
        "message": message,
        "account": account,
        "unit": account if problem != "negative" or "pool:" not in account else None,
        "date": row["date"].isoformat(),
        "kind": row["kind"],
        "amount": row["balance"],
        "rule": problem,
    }


def raise_ledger_problems(rows: list[dict], extra: list[dict] | None = None) -> None:
    problems = list(extra or [])
    if rows:
        labels = account_labels({r["account_id"] for r in rows})
        problems += [_describe_problem(r, labels) for r in rows]
    if problems:
        raise RegistryError.from_problems(problems, cause=_("编制划转被拒绝："))


def refuse_rows(problems: list[dict], *, cause: str) -> None:
    """Refuse a bulk write whose rows have these problems (nothing when there is none): the
    message is the problem's when there is one, else ``cause`` with how many and the first."""
    if problems:
        raise RegistryError.from_problems(problems, cause=cause, cause_with_one=False)


@dataclass
class _DeferredCheck:
    """The accounts whose invariants wait for the end of a ``ledger_checks_deferred`` block."""

    accounts: set[int] = field(default_factory=set)
    everything: bool = False
    since: dt.date | None = dt.date.max  # None: from the first transfer on

    def add(self, accounts: Iterable[int] | None, since: dt.date | None) -> None:
        if accounts is None:
            self.everything = True
        else:
            self.accounts.update(accounts)
        self.since = None if since is None or self.since is None else min(self.since, since)


_deferred: ContextVar[_DeferredCheck | None] = ContextVar("ledger_checks", default=None)


@contextmanager
def ledger_checks_deferred() -> Iterator[None]:
    """Check the ledger's invariants once, at the end of a block of writes, instead of after
    each write: for writes that are only consistent together, such as a workbook whose
    approvals count allocations out of sources that its later transfers fund. The writes are
    the same; problems other than balances (a split without allocation) still refuse the write
    that finds them. Use inside a transaction, and roll it back when the block raises
    ``RegistryError`` (at its end, naming every problem as each write would have)."""
    if _deferred.get() is not None:  # an enclosing block checks
        yield
        return
    pending = _DeferredCheck()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending.everything or pending.accounts:
        accounts = None if pending.everything else sorted(pending.accounts)
        raise_ledger_problems(ledger_problems(accounts, since=pending.since))


def check_ledger(
    accounts: Iterable[int] | None,
    *,
    since: dt.date | None = None,
    extra: list[dict] | None = None,
) -> None:
    """Refuse a write that breaks the invariants on these accounts (every one when ``None``)
    from a date on, or that found the ``extra`` problems; inside ``ledger_checks_deferred``
    the balances are checked at the end of the block."""
    pending = _deferred.get()
    if pending is None:
        rows = ledger_problems(None if accounts is None else sorted(accounts), since=since)
        raise_ledger_problems(rows, extra)
        return
    raise_ledger_problems([], extra)
    pending.add(accounts, since)


def lock_accounts(account_ids: Iterable[int]) -> None:
    ids = sorted(set(account_ids))
    for batch in chunked(ids):
        list(
            Account.objects.select_for_update()
            .filter(id__in=batch)
            .order_by("id")
            .values_list("id", flat=True)
        )


def authorize_write(
    user: Any,
    perm: str,
    *,
    unit_ids: Iterable[int | None] = (),
    jurisdiction_ids: Iterable[int | None] = (),
) -> None:
    """Refuse a user without the permission, or touching units or pools outside their
    jurisdictions (``user=None``: a command or the system, not checked)."""
    if user is None:
        return
    permissions.require(user, perm)
    permissions.check_units_in_scope(user, [u for u in unit_ids if u])
    ids = {j for j in jurisdiction_ids if j}
    if ids:
        permissions.check_jurisdictions_in_scope(
            user, Jurisdiction.objects.filter(pk__in=ids).values_list("code", flat=True)
        )


# ---------------------------------------------------------------------------------------------
# Re-derivation of the default transfers of events
# ---------------------------------------------------------------------------------------------


def _delete_derived(accounts: AccountSet) -> set[int]:
    """Delete the derived transfers out of these accounts (every one when ``None``) and return
    the accounts they went to. Derived transfers are never reversed (``transfer_reverse``
    refuses them), so no row refers to them and they go in one statement per chunk."""
    table = connection.ops.quote_name(Transfer._meta.db_table)
    touched: set[int] = set()
    for condition, params in account_conditions(accounts, "from_account_id"):
        where = f"derived AND {condition}"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT to_account_id FROM {table} WHERE {where}", params)
            touched.update(row[0] for row in cursor.fetchall())
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)
    return touched


def _successor_closure(unit_ids: set[int]) -> set[int]:
    """The units and everything their quotas may flow into through approved events."""
    closure = set(unit_ids)
    frontier = set(unit_ids)
    while frontier:
        found: set[int] = set()
        for batch in chunked(sorted(frontier)):
            events = (
                EventParticipant.objects.filter(
                    role=ParticipantRole.SOURCE,
                    unit_id__in=batch,
                    event__decision__status=DecisionStatus.APPROVED,
                )
                .order_by()
                .values("event_id")
            )
            found.update(
                EventParticipant.objects.filter(role=ParticipantRole.TARGET, event_id__in=events)
                .order_by()
                .values_list("unit_id", flat=True)
            )
        frontier = found - closure
        closure |= frontier
    return closure


class _UnitAccounts:
    """Account id per unit id, each unit read once (a unit without an account has none)."""

    def __init__(self) -> None:
        self.known: dict[int, int | None] = {}

    def of(self, units: Iterable[int]) -> dict[int, int]:
        units = set(units)
        unknown = [u for u in units if u not in self.known]
        if unknown:
            found = unit_accounts(unknown, create=False)
            self.known.update((u, found.get(u)) for u in unknown)
        return {u: a for u in units if (a := self.known[u]) is not None}


# An approved event as the re-derivation reads it: (id, key, type, effective on, decision id).
_EventRow = tuple[int, str, str, dt.date, int]


def _events_to_derive(closure: set[int] | None) -> list[_EventRow]:
    """The approved events with default transfers whose sources are among these units (every
    one when ``None``), in date order."""
    events = Event.objects.filter(decision__status=DecisionStatus.APPROVED)
    if closure is not None:
        parts = EventParticipant.objects.filter(
            event__decision__status=DecisionStatus.APPROVED, role=ParticipantRole.SOURCE
        )
        event_ids: set[int] = set()
        for batch in chunked(sorted(closure)):
            event_ids.update(parts.filter(unit_id__in=batch).values_list("event_id", flat=True))
        events = Event.objects.filter(id__in=event_ids)
    return list(
        events.exclude(type__in=[EventType.CHANGE, EventType.ESTABLISH])
        .order_by("effective_on", "id")
        .values_list("id", "key", "type", "effective_on", "decision_id")
    )


def _participants(event_ids: list[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """The sources and the targets of each event (unit ids, in their order)."""
    sources: dict[int, list[int]] = defaultdict(list)
    targets: dict[int, list[int]] = defaultdict(list)
    for batch in chunked(event_ids):
        for event_id, unit_id, role in (
            EventParticipant.objects.filter(event_id__in=batch)
            .order_by("position", "id")
            .values_list("event_id", "unit_id", "role")
        ):
            (sources if role == ParticipantRole.SOURCE else targets)[event_id].append(unit_id)
    return sources, targets


def _explicit_allocations(event_ids: list[int]) -> set[tuple[int, str]]:
    """(event, kind) pairs with an explicit allocation out of a source: it replaces the
    default of its kind (the funding of a target from a pool or from external adds to what the
    sources bring, and is not one)."""
    explicit: set[tuple[int, str]] = set()
    for batch in chunked(event_ids):
        explicit.update(
            Transfer.objects.counted()
            .filter(event_id__in=batch, derived=False, from_account__type=AccountType.UNIT)
            .values_list("event_id", "kind")
            .distinct()
        )
    return explicit


def _closing_jurisdictions(unit_ids: set[int]) -> dict[tuple[int, dt.date | None], int]:
    """The jurisdiction of each unit on the day before each of its versions ended (where an
    abolished or transformed source's quotas go: that jurisdiction's pool)."""
    closing: dict[tuple[int, dt.date | None], int] = {}
    for batch in chunked(sorted(unit_ids)):
        for unit_id, valid_to, unit_jurisdiction in UnitVersion.objects.filter(
            unit_id__in=batch, valid_to__isnull=False
        ).values_list("unit_id", "valid_to", "jurisdiction_id"):
            closing[(unit_id, valid_to)] = unit_jurisdiction
    return closing


@dataclass
class _Walk:
    """What the re-derivation reads once, then updates as it walks the events in date order:
    the moves of every account it looks at include the transfers it derives on the way."""

    events: list[_EventRow]
    sources: dict[int, list[int]]
    targets: dict[int, list[int]]
    explicit: set[tuple[int, str]]
    accounts: dict[int, int]  # unit id -> account id, of the sources (and targets met)
    moves: dict[tuple[int, str], list[tuple[dt.date, int]]]
    closing: dict[tuple[int, dt.date | None], int]
    kinds_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    target_accounts: dict[int, int] = field(default_factory=dict)
    pools: dict[int, int] = field(default_factory=dict)
    unit_keys: dict[int, str] = field(default_factory=dict)  # read when a split needs them
    rows: list[tuple] = field(default_factory=list)  # DERIVED_COLUMNS
    problems: list[dict] = field(default_factory=list)
    create: bool = True  # open the accounts a default transfer goes to when they do not exist

    def balance_on(self, account_id: int, kind: str, on: dt.date) -> int:
        return sum(delta for day, delta in self.moves.get((account_id, kind), ()) if day <= on)


def _read_walk(events: list[_EventRow], units: _UnitAccounts) -> _Walk:
    """Everything the walk reads: participants, explicit allocations, the sources' moves and
    closing jurisdictions, and the destination accounts (fetched or created once for all
    events, not once per event; a target that is itself a source of a later event gets its
    account before the walk)."""
    ids = [e[0] for e in events]
    sources, targets = _participants(ids)
    all_sources = {u for us in sources.values() for u in us}
    accounts = units.of(all_sources)
    walk = _Walk(
        events=events,
        sources=sources,
        targets=targets,
        explicit=_explicit_allocations(ids),
        accounts=accounts,
        moves=daily_moves(sorted(accounts.values())),
        closing=_closing_jurisdictions(all_sources),
    )
    for moved_account, kind in walk.moves:
        walk.kinds_of[moved_account].add(kind)
    wanted_targets = {
        targets[event_id][0]
        for event_id, _key, type_, _on, _decision in events
        if type_ in DEFAULT_TYPES_TO_TARGET
        and targets.get(event_id)
        and any(accounts.get(s) in walk.kinds_of for s in sources.get(event_id, []))
    }
    walk.target_accounts = unit_accounts(wanted_targets) if wanted_targets else {}
    accounts.update({u: a for u, a in walk.target_accounts.items() if u in all_sources})
    walk.pools = pool_accounts(set(walk.closing.values())) if walk.closing else {}
    return walk


def _split_problem(
    walk: _Walk, *, event_key: str, source: int, on: dt.date, kind: str, held: int
) -> dict:
    """A split's source holding quotas that no explicit transfer allocates."""
    if not walk.unit_keys:
        all_sources = {u for us in walk.sources.values() for u in us}
        walk.unit_keys.update(Unit.objects.filter(id__in=all_sources).values_list("id", "key"))
    unit = walk.unit_keys.get(source, source)
    return {
        "message": _(
            "分设事项 %(event)s：机构 %(unit)s 在 %(date)s 持有%(kind)s %(amount)d 名，分设必须明确分配这些编制（为该事项登记划转）。"
        )
        % {
            "event": event_key,
            "unit": unit,
            "date": on.isoformat(),
            "kind": quota_kind_label(kind),
            "amount": held,
        },
        "event": event_key,
        "unit": unit,
        "date": on.isoformat(),
        "kind": kind,
        "amount": held,
    }


def _default_destination(
    walk: _Walk, *, event_id: int, type_: str, source: int, on: dt.date
) -> int | None:
    """Where the default transfer of an event takes a source's quotas: the (first) target of a
    merge or absorption, the pool of the source's last jurisdiction for an abolition or a
    transformation; None when there is nowhere to go."""
    if type_ in DEFAULT_TYPES_TO_TARGET:
        if not walk.targets.get(event_id):
            return None
        target = walk.targets[event_id][0]
        dest = walk.target_accounts.get(target)
        if dest is None:
            if not walk.create:
                return None
            dest = unit_accounts([target])[target]
        # The target may itself be a source of a later event of this walk.
        walk.accounts.setdefault(target, dest)
        return dest
    if type_ in DEFAULT_TYPES_TO_POOL:
        jurisdiction_id = walk.closing.get((source, on))
        if jurisdiction_id is None:
            return None
        pool = walk.pools.get(jurisdiction_id)
        if pool is None and walk.create:
            pool = pool_accounts([jurisdiction_id])[jurisdiction_id]
        return pool
    return None


def _walk_events(walk: _Walk, touched: set[int]) -> None:
    """Derive the default transfer of every source's balance of each kind at each event (in
    date order), unless an explicit allocation replaces it; a split has no default."""
    now = timezone.now()
    for event_id, event_key, type_, on, decision_id in walk.events:
        for source in walk.sources.get(event_id, []):
            account_id = walk.accounts.get(source)
            if account_id is None:
                continue
            for kind in sorted(walk.kinds_of.get(account_id, ())):
                if (event_id, kind) in walk.explicit:
                    continue
                held = walk.balance_on(account_id, kind, on)
                if held <= 0:
                    continue
                if type_ == EventType.SPLIT:
                    walk.problems.append(
                        _split_problem(
                            walk, event_key=event_key, source=source, on=on, kind=kind, held=held
                        )
                    )
                    continue
                dest = _default_destination(
                    walk, event_id=event_id, type_=type_, source=source, on=on
                )
                if dest is None:
                    continue
                walk.rows.append(
                    (on, kind, held, account_id, dest, decision_id, event_id, now, *DERIVED)
                )
                walk.moves.setdefault((account_id, kind), []).append((on, -held))
                walk.moves.setdefault((dest, kind), []).append((on, held))
                walk.kinds_of[dest].add(kind)
                touched.update((account_id, dest))


def ledger_rederive(*, unit_ids: Iterable[int] | None) -> tuple[set[int], list[dict]]:
    """Re-derive the default transfers of the approved events whose sources are these units or
    their successors (every event when ``None``). Returns the accounts touched and the problems
    that are not balance problems (a split whose source holds quotas without allocation).

    Must run inside a transaction; the caller checks the invariants on the accounts returned.
    """
    units = _UnitAccounts()
    closure: set[int] | None = None
    if unit_ids is None:
        source_accounts = set(
            Account.objects.filter(type=AccountType.UNIT).values_list("id", flat=True)
        )
        touched = source_accounts | _delete_derived(None)
    else:
        unit_ids = set(unit_ids)
        if not units.of(unit_ids):
            # Units that never held a quota move none, and change no successor's balance.
            return set(), []
        closure = _successor_closure(unit_ids)
        source_accounts = set(units.of(closure).values())
        touched = source_accounts | _delete_derived(source_accounts)
    events = _events_to_derive(closure)
    if not events:
        return touched, []
    walk = _read_walk(events, units)
    _walk_events(walk, touched)
    copy_values(
        Transfer, DERIVED_COLUMNS, walk.rows
    )  # their ids are not needed: COPY on PostgreSQL
    return touched, walk.problems


@dataclass
class PlannedTransfer:
    """An explicit transfer of a draft's event, as a preview counts it."""

    date: dt.date
    kind: str
    amount: int
    from_account_id: int
    to_account_id: int
    event_id: int | None
    from_unit: bool  # out of a unit's account: an allocation that replaces the default


def default_moves_if_approved(
    event_ids: Iterable[int],
    *,
    closing: dict[tuple[int, dt.date | None], int],
    planned: Sequence[PlannedTransfer],
) -> tuple[list[tuple], list[dict]]:
    """The default transfers these events (of draft decisions) would derive once approved,
    computed without writing, by the same walk as ``ledger_rederive``: their explicit
    transfers (``planned``) counted, ``closing`` the jurisdiction of each source on the day
    its version ends as the approval would derive it. Returns the rows (``DERIVED_COLUMNS``;
    a transfer to an account that does not exist yet is left out) and the problems the
    approval would refuse (a split whose source holds quotas without allocation, a source's
    balance falling below zero)."""
    events = list(
        Event.objects.filter(id__in=list(event_ids))
        .exclude(type__in=[EventType.CHANGE, EventType.ESTABLISH])
        .order_by("effective_on", "id")
        .values_list("id", "key", "type", "effective_on", "decision_id")
    )
    if not events:
        return [], []
    sources, targets = _participants([e[0] for e in events])
    accounts = unit_accounts({u for us in sources.values() for u in us}, create=False)
    moves = daily_moves(sorted(accounts.values())) if accounts else {}
    for t in planned:
        moves.setdefault((t.from_account_id, t.kind), []).append((t.date, -t.amount))
        moves.setdefault((t.to_account_id, t.kind), []).append((t.date, t.amount))
    walk = _Walk(
        events=events,
        sources=sources,
        targets=targets,
        explicit={(t.event_id, t.kind) for t in planned if t.from_unit and t.event_id},
        accounts=accounts,
        moves=moves,
        closing=closing,
        create=False,
    )
    for moved_account, kind in moves:
        walk.kinds_of[moved_account].add(kind)
    walk.target_accounts = unit_accounts({u for us in targets.values() for u in us}, create=False)
    walk.pools = dict(
        Account.objects.filter(
            type=AccountType.POOL, jurisdiction_id__in=set(closing.values())
        ).values_list("jurisdiction_id", "id")
    )
    _walk_events(walk, set())
    return walk.rows, walk.problems + _negative_balances(walk, set(accounts.values()))


def _negative_balances(walk: _Walk, account_ids: set[int]) -> list[dict]:
    """A problem for the first date on which one of these accounts would hold less than zero
    of a kind, once the walk's moves are counted."""
    rows: list[dict] = []
    for (account_id, kind), account_moves in sorted(walk.moves.items()):
        if account_id not in account_ids:
            continue
        balance = 0
        for day, delta in sorted(account_moves):
            balance += delta
            if balance < 0:
                rows.append(
                    {"account_id": account_id, "kind": kind, "date": day, "balance": balance}
                )
                break
    if not rows:
        return []
    labels = account_labels({r["account_id"] for r in rows})
    return [_describe_problem({**r, "problem": "negative"}, labels) for r in rows]


# The columns of a derived transfer (the others are empty), and the values they all share.
DERIVED = (TransferReason.REFORM, True, False, "")
DERIVED_COLUMNS = (
    "date",
    "kind",
    "amount",
    "from_account",
    "to_account",
    "decision",
    "event",
    "created_at",
    "reason",
    "derived",
    "planned",
    "note",
)


def _sources_with_later_events(unit_ids: Iterable[int], on: dt.date) -> set[int]:
    """Those units that are sources of approved events effective on or after a date."""
    found: set[int] = set()
    for batch in chunked(sorted(set(unit_ids))):
        found.update(
            EventParticipant.objects.filter(
                role=ParticipantRole.SOURCE,
                unit_id__in=batch,
                event__decision__status=DecisionStatus.APPROVED,
                event__effective_on__gte=on,
            )
            .order_by()
            .values_list("unit_id", flat=True)
        )
    return found


def rederive_from(unit_ids: Iterable[int], on: dt.date) -> set[int]:
    """Re-derive the defaults depending on what changed for these units from a date on."""
    later = _sources_with_later_events(unit_ids, on)
    if not later:
        return set()
    touched, problems = ledger_rederive(unit_ids=later)
    if problems:
        raise_ledger_problems([], problems)
    return touched


def unit_ids_of_accounts(account_ids: Iterable[int]) -> list[int]:
    found: list[int] = []
    for batch in chunked(sorted(set(account_ids))):
        found += (
            Account.objects.filter(id__in=batch, type=AccountType.UNIT)
            .order_by()
            .values_list("unit_id", flat=True)
        )
    return found


# ---------------------------------------------------------------------------------------------
# Following the registry: approvals and revocations move quotas
# ---------------------------------------------------------------------------------------------


def _standing_transfers(decision: Decision) -> int:
    """Counted transfers of a decision outside its events that have not been reversed."""
    return (
        Transfer.objects.counted()
        .filter(decision=decision, event__isnull=True)
        .exclude(reason=TransferReason.REVERSAL)
        .exclude(reversals__isnull=False)
        .count()
    )


@transaction.atomic
def ledger_follow_registry(
    *, unit_ids: Iterable[int] | None, decisions: Iterable[Decision] = (), action: str = ""
) -> None:
    """What the ledger does when versions were re-derived (receiver of ``registry_changed``):
    explicit transfers of approved events start counting, those of revoked ones stop, the
    default transfers are re-derived, and the invariants are checked. Raises ``RegistryError``
    to refuse the whole approval or revocation."""
    if action == "register" or not Transfer.objects.exists():
        return
    decisions = list(decisions)
    for decision in decisions:
        if decision.status == DecisionStatus.REVOKED:
            standing = _standing_transfers(decision)
            if standing:
                raise RegistryError(
                    _(
                        "决定 %(number)s 有 %(n)d 笔编制划转（核定、收回等）尚未冲正，不能撤回；请先冲正这些划转。"
                    )
                    % {"number": decision.number, "n": standing},
                    decision=decision.number,
                )
    for planned in (False, True):  # explicit transfers count once their decision is approved
        pks = [d.pk for d in decisions if (d.status != DecisionStatus.APPROVED) == planned]
        if pks:
            Transfer.objects.filter(event__decision__in=pks, derived=False).exclude(
                planned=planned
            ).update(planned=planned)
    ids = None if action == "rebuild" else set(unit_ids or ())
    if ids is not None and not ids:
        return
    touched, problems = ledger_rederive(unit_ids=ids)
    if ids is not None:
        explicit_accounts = Transfer.objects.filter(
            event__decision__in=[d.pk for d in decisions], derived=False
        ).values_list("from_account_id", "to_account_id")
        for pair in explicit_accounts:
            touched.update(pair)
    check_ledger(None if ids is None else touched, extra=problems)
    audit.record_summary(
        "rederive",
        "staffing.transfer",
        "derived",
        {
            "action": action,
            "decisions": [d.number for d in decisions],
            "derived": Transfer.objects.filter(derived=True, from_account_id__in=touched).count()
            if ids is not None
            else Transfer.objects.filter(derived=True).count(),
        },
    )
