"""Writes of the staffing ledger (DESIGN §3). Each function runs in one transaction, locks the
accounts it moves quotas between (in id order, so two writes cannot overdraw one account), and
checks the invariants before it returns: no unit or pool balance negative on any date from the
write's date on, a unit holds nothing before it starts or after it ends, and — by double entry —
the sum of all balances is zero. A refusal raises ``RegistryError`` naming the unit, the date and
the amount; the transaction then writes nothing. Writes that are only consistent together (a
workbook's approvals and the grants that fund what they move) check them once, at the end of a
``ledger_checks_deferred`` block.

Default transfers of events (merge/absorb to the target, abolish/transform to the pool) are
derived like versions: ``ledger_rederive`` recomputes them whenever the events or the earlier
transfers of the same units change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import chunked, copy_values, insert_with_ids
from core.errors import RegistryError
from units import audit, permissions
from units.choices import DecisionStatus, EventType, ParticipantRole, UnitKind
from units.models import Decision, Event, EventParticipant, Jurisdiction, Unit, UnitVersion

from .choices import (
    AccountType,
    CampaignStatus,
    QuotaKindCode,
    Rounding,
    TransferReason,
)
from .ledger import (
    account_labels,
    account_short_labels,
    daily_moves,
    delete_derived,
    ledger_problems,
    pool_accounts,
    unit_accounts,
)
from .models import (
    Account,
    CampaignLine,
    CampaignSkip,
    HeadcountReport,
    RecoveryCampaign,
    Transfer,
)
from .selectors import CampaignPlan, campaign_plan

DEFAULT_TYPES_TO_TARGET = {EventType.MERGE, EventType.ABSORB}
# Far above any real quota; keeps amounts inside the database's integer range.
MAX_AMOUNT = 10_000_000
# Codes as sets built once (``TextChoices.values`` is rebuilt on every access).
QUOTA_KINDS = frozenset(QuotaKindCode.values)
TRANSFER_REASONS = frozenset(TransferReason.values)
DEFAULT_TYPES_TO_POOL = {EventType.ABOLISH, EventType.TRANSFORM}


def _kind_label(code: str) -> str:
    try:
        return str(QuotaKindCode(code).label)
    except ValueError:
        return code


def _snapshot(
    transfer: Transfer, labels: dict[int, str], numbers: dict[int, str], keys: dict[int, str]
) -> dict[str, Any]:
    return {
        "date": transfer.date.isoformat(),
        "kind": transfer.kind,
        "amount": transfer.amount,
        "from": labels.get(transfer.from_account_id),
        "to": labels.get(transfer.to_account_id),
        "decision": numbers.get(transfer.decision_id),
        "event": keys.get(transfer.event_id) if transfer.event_id else None,
        "reason": transfer.reason,
        "planned": transfer.planned,
        "reverses": transfer.reverses_id,
    }


def transfer_snapshot(transfer: Transfer) -> dict[str, Any]:
    """What the audit trail records of a transfer (accounts as written in the workbook)."""
    labels = account_short_labels([transfer.from_account_id, transfer.to_account_id])
    numbers = {transfer.decision_id: transfer.decision.number}
    keys = {transfer.event.pk: transfer.event.key} if transfer.event is not None else {}
    return _snapshot(transfer, labels, numbers, keys)


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------


def _describe_problem(row: dict, labels: dict[int, str]) -> dict:
    account = labels.get(row["account_id"], str(row["account_id"]))
    values = {
        "account": account,
        "date": row["date"].isoformat(),
        "kind": _kind_label(row["kind"]),
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


def _raise_ledger_problems(rows: list[dict], extra: list[dict] | None = None) -> None:
    problems = list(extra or [])
    if rows:
        labels = account_labels({r["account_id"] for r in rows})
        problems += [_describe_problem(r, labels) for r in rows]
    if problems:
        first = problems[0]["message"]
        message = (
            _("编制划转被拒绝：") + first
            if len(problems) == 1
            else _("编制划转被拒绝：共 %(n)d 个问题，第一个：%(first)s")
            % {"n": len(problems), "first": first}
        )
        raise RegistryError(message, problems=problems)


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
        _raise_ledger_problems(ledger_problems(accounts, since=pending.since))


def _check_ledger(
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
        _raise_ledger_problems(rows, extra)
        return
    _raise_ledger_problems([], extra)
    pending.add(accounts, since)


def _lock(account_ids: Iterable[int]) -> None:
    ids = sorted(set(account_ids))
    for batch in chunked(ids):
        list(
            Account.objects.select_for_update()
            .filter(id__in=batch)
            .order_by("id")
            .values_list("id", flat=True)
        )


def _authorize(
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


def ledger_rederive(*, unit_ids: Iterable[int] | None) -> tuple[set[int], list[dict]]:
    """Re-derive the default transfers of the approved events whose sources are these units or
    their successors (every event when ``None``). Returns the accounts touched and the problems
    that are not balance problems (a split whose source holds quotas without allocation).

    Must run inside a transaction; the caller checks the invariants on the accounts returned.
    """
    known: dict[int, int | None] = {}  # unit id -> account id (None: it has none), read once

    def accounts_of(units: Iterable[int]) -> dict[int, int]:
        units = set(units)
        unknown = [u for u in units if u not in known]
        if unknown:
            found = unit_accounts(unknown, create=False)
            known.update((u, found.get(u)) for u in unknown)
        return {u: a for u in units if (a := known[u]) is not None}

    if unit_ids is None:
        closure: set[int] | None = None
        source_accounts = set(
            Account.objects.filter(type=AccountType.UNIT).values_list("id", flat=True)
        )
        touched = source_accounts | delete_derived(None)
    else:
        unit_ids = set(unit_ids)
        if not accounts_of(unit_ids):
            # Units that never held a quota move none, and change no successor's balance.
            return set(), []
        closure = _successor_closure(unit_ids)
        source_accounts = set(accounts_of(closure).values())
        touched = source_accounts | delete_derived(source_accounts)

    parts = EventParticipant.objects.filter(event__decision__status=DecisionStatus.APPROVED)
    if closure is not None:
        event_ids: set[int] = set()
        for batch in chunked(sorted(closure)):
            event_ids.update(
                parts.filter(role=ParticipantRole.SOURCE, unit_id__in=batch).values_list(
                    "event_id", flat=True
                )
            )
        events = list(
            Event.objects.filter(id__in=event_ids)
            .exclude(type__in=[EventType.CHANGE, EventType.ESTABLISH])
            .order_by("effective_on", "id")
            .values_list("id", "key", "type", "effective_on", "decision_id")
        )
    else:
        events = list(
            Event.objects.filter(decision__status=DecisionStatus.APPROVED)
            .exclude(type__in=[EventType.CHANGE, EventType.ESTABLISH])
            .order_by("effective_on", "id")
            .values_list("id", "key", "type", "effective_on", "decision_id")
        )
    if not events:
        return touched, []
    ids = [e[0] for e in events]
    sources: dict[int, list[int]] = defaultdict(list)
    targets: dict[int, list[int]] = defaultdict(list)
    for batch in chunked(ids):
        for event_id, unit_id, role in (
            EventParticipant.objects.filter(event_id__in=batch)
            .order_by("position", "id")
            .values_list("event_id", "unit_id", "role")
        ):
            (sources if role == ParticipantRole.SOURCE else targets)[event_id].append(unit_id)
    # Explicit allocations (out of a source) replace the default of their kind; the funding of
    # a target from a pool or from external adds to what the sources bring.
    explicit: set[tuple[int, str]] = set()
    for batch in chunked(ids):
        explicit.update(
            Transfer.objects.counted()
            .filter(event_id__in=batch, derived=False, from_account__type=AccountType.UNIT)
            .values_list("event_id", "kind")
            .distinct()
        )
    all_sources = {u for us in sources.values() for u in us}
    accounts = accounts_of(all_sources)
    moves = daily_moves(sorted(accounts.values()))
    # The jurisdiction of each source on the day before it ended (for the pool).
    closing: dict[tuple[int, dt.date | None], int] = {}
    for batch in chunked(sorted(all_sources)):
        for unit_id, valid_to, unit_jurisdiction in UnitVersion.objects.filter(
            unit_id__in=batch, valid_to__isnull=False
        ).values_list("unit_id", "valid_to", "jurisdiction_id"):
            closing[(unit_id, valid_to)] = unit_jurisdiction

    kinds_of: dict[int, set[str]] = defaultdict(set)
    for moved_account, kind in moves:
        kinds_of[moved_account].add(kind)

    # Destination accounts fetched (or created) once for all events, not once per event; a
    # target that is itself a source of a later event gets its account before the walk.
    wanted_targets = {
        targets[event_id][0]
        for event_id, _key, type_, _on, _decision in events
        if type_ in DEFAULT_TYPES_TO_TARGET
        and targets.get(event_id)
        and any(accounts.get(s) in kinds_of for s in sources.get(event_id, []))
    }
    target_accounts = unit_accounts(wanted_targets) if wanted_targets else {}
    accounts.update({u: a for u, a in target_accounts.items() if u in all_sources})
    pools = pool_accounts(set(closing.values())) if closing else {}

    def balance_on(account_id: int, kind: str, on: dt.date) -> int:
        return sum(delta for day, delta in moves.get((account_id, kind), ()) if day <= on)

    problems: list[dict] = []
    new_rows: list[tuple] = []  # DERIVED_COLUMNS
    now = timezone.now()
    keys: dict[int, str] = {}
    for event_id, event_key, type_, on, decision_id in events:
        for source in sources.get(event_id, []):
            account_id = accounts.get(source)
            if account_id is None:
                continue
            for kind in sorted(kinds_of.get(account_id, ())):
                if (event_id, kind) in explicit:
                    continue
                held = balance_on(account_id, kind, on)
                if held <= 0:
                    continue
                if type_ == EventType.SPLIT:
                    if not keys:
                        keys.update(
                            Unit.objects.filter(id__in=all_sources).values_list("id", "key")
                        )
                    problems.append(
                        {
                            "message": _(
                                "分设事项 %(event)s：机构 %(unit)s 在 %(date)s 持有%(kind)s %(amount)d 名，分设必须明确分配这些编制（为该事项登记划转）。"
                            )
                            % {
                                "event": event_key,
                                "unit": keys.get(source, source),
                                "date": on.isoformat(),
                                "kind": _kind_label(kind),
                                "amount": held,
                            },
                            "event": event_key,
                            "unit": keys.get(source, source),
                            "date": on.isoformat(),
                            "kind": kind,
                            "amount": held,
                        }
                    )
                    continue
                if type_ in DEFAULT_TYPES_TO_TARGET:
                    if not targets.get(event_id):
                        continue
                    target = targets[event_id][0]
                    dest = target_accounts.get(target) or unit_accounts([target])[target]
                    # The target may itself be a source of a later event of this walk.
                    accounts.setdefault(target, dest)
                elif type_ in DEFAULT_TYPES_TO_POOL:
                    jurisdiction_id = closing.get((source, on))
                    if jurisdiction_id is None:
                        continue
                    dest = (
                        pools.get(jurisdiction_id)
                        or pool_accounts([jurisdiction_id])[jurisdiction_id]
                    )
                else:
                    continue
                new_rows.append(
                    (on, kind, held, account_id, dest, decision_id, event_id, now, *DERIVED)
                )
                moves.setdefault((account_id, kind), []).append((on, -held))
                moves.setdefault((dest, kind), []).append((on, held))
                kinds_of[dest].add(kind)
                touched.update((account_id, dest))
    copy_values(  # their ids are not needed: COPY on PostgreSQL
        Transfer,
        DERIVED_COLUMNS,
        new_rows,
    )
    return touched, problems


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


def _follow(unit_ids: Iterable[int], on: dt.date) -> set[int]:
    """Re-derive the defaults depending on what changed for these units from a date on."""
    later = _sources_with_later_events(unit_ids, on)
    if not later:
        return set()
    touched, problems = ledger_rederive(unit_ids=later)
    if problems:
        _raise_ledger_problems([], problems)
    return touched


def _unit_ids_of(account_ids: Iterable[int]) -> list[int]:
    found: list[int] = []
    for batch in chunked(sorted(set(account_ids))):
        found += (
            Account.objects.filter(id__in=batch, type=AccountType.UNIT)
            .order_by()
            .values_list("unit_id", flat=True)
        )
    return found


# ---------------------------------------------------------------------------------------------
# Transfers
# ---------------------------------------------------------------------------------------------


def _check_transfer_input(
    *,
    date: Any,
    kind: str,
    amount: Any,
    reason: str,
    from_account: Account | None,
    to_account: Account | None,
) -> int:
    if not isinstance(date, dt.date):
        raise RegistryError(_("划转日期无效。"))
    if kind not in QUOTA_KINDS:
        raise RegistryError(
            _("未知的编制类型“%(kind)s”；可用：%(codes)s。")
            % {"kind": kind, "codes": ", ".join(QuotaKindCode.values)}
        )
    if reason not in TRANSFER_REASONS:
        raise RegistryError(
            _("未知的划转事由“%(reason)s”；可用：%(codes)s。")
            % {"reason": reason, "codes": ", ".join(TransferReason.values)}
        )
    try:
        number = int(amount)
    except (TypeError, ValueError):
        raise RegistryError(_("划转数量应为正整数，而不是“%(v)s”。") % {"v": amount}) from None
    if number != amount and str(number) != str(amount).strip():
        raise RegistryError(_("划转数量应为正整数，而不是“%(v)s”。") % {"v": amount})
    if number <= 0:
        raise RegistryError(_("划转数量必须大于零（%(v)s）。") % {"v": amount})
    if number > MAX_AMOUNT:
        raise RegistryError(
            _("划转数量 %(v)s 超出上限 %(max)d。") % {"v": amount, "max": MAX_AMOUNT}
        )
    if from_account is None or to_account is None:
        raise RegistryError(_("转出账户和转入账户都必须填写。"))
    if from_account.pk == to_account.pk:
        raise RegistryError(_("转出账户和转入账户不能相同。"))
    return number


# DESIGN §3: the reasons of an event's funding of its targets from the pool or from external.
FUNDING_REASONS = frozenset(
    {TransferReason.ESTABLISH, TransferReason.REALLOCATION, TransferReason.GRANT}
)


@dataclass(frozen=True)
class EventParties:
    """The units of an event a transfer may move quotas between (unit ids)."""

    sources: frozenset[int] = frozenset()
    targets: frozenset[int] = frozenset()


def _event_parties(event_ids: Iterable[int]) -> dict[int, EventParties]:
    roles: dict[int, dict[str, set[int]]] = defaultdict(lambda: {"source": set(), "target": set()})
    for batch in chunked(sorted(set(event_ids))):
        for event_id, unit_id, role in (
            EventParticipant.objects.filter(event_id__in=batch)
            .order_by()
            .values_list("event_id", "unit_id", "role")
        ):
            roles[event_id][role].add(unit_id)
    return {
        event_id: EventParties(frozenset(r["source"]), frozenset(r["target"]))
        for event_id, r in roles.items()
    }


def _check_event_transfer(
    *,
    event: Event,
    date: dt.date,
    from_account: Account,
    to_account: Account,
    reason: str,
    parties: EventParties,
    labels: dict[int, str],
) -> None:
    """An explicit transfer of an event, on its effective date, either (a) allocates a
    source's quotas to a target or to a pool, or (b) funds a target from a pool or from
    ``external`` with the reason ``establish``, ``reallocation`` or ``grant``. Anything else is
    refused with the rule it breaks (the problem's ``column`` names the field at fault)."""
    values = {
        "event": event.key,
        "from": labels.get(from_account.pk, str(from_account.pk)),
        "to": labels.get(to_account.pk, str(to_account.pk)),
        "reason": reason,
        "reasons": ", ".join(sorted(FUNDING_REASONS)),
        "on": event.effective_on.isoformat(),
        "date": date.isoformat(),
    }
    if date != event.effective_on:
        raise RegistryError(
            _("事项 %(event)s 的划转日期应为其生效日期 %(on)s，而不是 %(date)s。") % values,
            event=event.key,
            date=values["date"],
            column="date",
        )
    to_target = to_account.unit_id is not None and to_account.unit_id in parties.targets
    if from_account.unit_id is not None and from_account.unit_id in parties.sources:
        if to_target or to_account.type == AccountType.POOL:
            return  # (a) an allocation
        raise RegistryError(
            _(
                "事项 %(event)s 从来源机构 %(from)s 转出的编制只能转入该事项的目标机构或编制周转池，%(to)s 两者都不是。"
            )
            % values,
            event=event.key,
            column="to",
        )
    if from_account.type not in (AccountType.POOL, AccountType.EXTERNAL):
        raise RegistryError(
            _(
                "事项 %(event)s 的划转只能从该事项的来源机构（分配编制）或从编制周转池、external（为目标机构核拨编制）转出，%(from)s 两者都不是。"
            )
            % values,
            event=event.key,
            column="from",
        )
    if not to_target:
        raise RegistryError(
            _("事项 %(event)s 从 %(from)s 核拨的编制只能转入该事项的目标机构，%(to)s 不是。")
            % values,
            event=event.key,
            column="to",
        )
    if reason not in FUNDING_REASONS:
        raise RegistryError(
            _(
                "事项 %(event)s 从 %(from)s 为目标机构核拨编制，事由应为 %(reasons)s 之一，而不是 %(reason)s。"
            )
            % values,
            event=event.key,
            column="reason",
        )


def _check_transfer_authority(*, decision: Decision, event: Event | None) -> bool:
    """The decision (and event) authorising a transfer; returns whether it is planned (an
    explicit transfer of an event whose decision is not approved yet)."""
    if event is not None:
        if event.decision_id != decision.pk:
            raise RegistryError(
                _("事项 %(event)s 属于决定 %(d1)s，不属于 %(d2)s。")
                % {"event": event.key, "d1": event.decision.number, "d2": decision.number},
                event=event.key,
                column="event",
            )
        return decision.status != DecisionStatus.APPROVED
    if decision.status != DecisionStatus.APPROVED:
        raise RegistryError(
            _("决定 %(number)s 尚未批准（%(status)s），不能据此划转编制。")
            % {"number": decision.number, "status": decision.get_status_display()},
            decision=decision.number,
        )
    return False


@dataclass
class TransferInput:
    """One transfer to post (see ``transfers_post_bulk``)."""

    date: dt.date
    kind: str
    amount: int
    from_account: Account | None  # None is refused with a message
    to_account: Account | None
    decision: Decision
    reason: str
    event: Event | None = None
    note: str = ""


@transaction.atomic
def transfers_post_bulk(*, rows: Sequence[TransferInput], user: Any = None) -> list[Transfer]:
    """Post many transfers at once: every row is checked, all are written, the defaults that
    depend on them are re-derived once, and the invariants are checked once on every account
    touched. Any problem refuses them all (the problems name the row, unit, date and amount).

    Without an event a row's decision must be approved. With an event, the row is an explicit
    transfer of that event, dated on the event's date and stored as planned until the event's
    decision is approved: an allocation out of one of its sources into a target or a pool (it
    replaces the event's default for its kind), or the funding of a target from a pool or from
    ``external`` (see ``_check_event_transfer``).
    """
    accounts_of_rows = [a for r in rows for a in (r.from_account, r.to_account) if a is not None]
    _authorize(
        user,
        "staffing.add_transfer",
        unit_ids=[a.unit_id for a in accounts_of_rows],
        jurisdiction_ids=[a.jurisdiction_id for a in accounts_of_rows],
    )
    problems: list[dict] = []
    decisions = {
        d.pk: d for d in Decision.objects.filter(pk__in={r.decision.pk for r in rows if r.decision})
    }
    event_ids = {r.event.pk for r in rows if r.event is not None}
    events = {e.pk: e for e in Event.objects.filter(pk__in=event_ids).select_related("decision")}
    parties = _event_parties(event_ids) if event_ids else {}
    # Accounts as the workbook writes them: for the messages and the audit trail.
    labels = account_short_labels({a.pk for a in accounts_of_rows})
    prepared: list[Transfer] = []
    for index, row in enumerate(rows, start=1):
        try:
            number = _check_transfer_input(
                date=row.date,
                kind=row.kind,
                amount=row.amount,
                reason=row.reason,
                from_account=row.from_account,
                to_account=row.to_account,
            )
            from_account, to_account = row.from_account, row.to_account
            assert from_account is not None and to_account is not None  # refused above
            if row.decision is None:
                raise RegistryError(_("每笔划转都必须有依据文件（决定）。"))
            decision = decisions[row.decision.pk]
            event = events[row.event.pk] if row.event is not None else None
            planned = _check_transfer_authority(decision=decision, event=event)
            if event is not None:
                _check_event_transfer(
                    event=event,
                    date=row.date,
                    from_account=from_account,
                    to_account=to_account,
                    reason=row.reason,
                    parties=parties.get(event.pk, EventParties()),
                    labels=labels,
                )
        except RegistryError as exc:
            problems += [{**p, "row": index} for p in exc.problems]
            continue
        prepared.append(
            Transfer(
                date=row.date,
                kind=row.kind,
                amount=number,
                from_account_id=from_account.pk,
                to_account_id=to_account.pk,
                decision_id=decision.pk,
                event_id=event.pk if event else None,
                reason=row.reason,
                planned=planned,
                note=row.note,
            )
        )
    if problems:
        message = (
            problems[0]["message"]
            if len(problems) == 1
            else _("编制划转被拒绝：共 %(n)d 个问题，第一个：%(first)s")
            % {"n": len(problems), "first": problems[0]["message"]}
        )
        raise RegistryError(message, problems=problems)
    if not prepared:
        return []
    _lock({t.from_account_id for t in prepared} | {t.to_account_id for t in prepared})
    created = insert_with_ids(Transfer, prepared)
    counted = [t for t in created if not t.planned]
    if counted:
        since = min(t.date for t in counted)
        touched = {t.from_account_id for t in counted} | {t.to_account_id for t in counted}
        touched |= _follow(_unit_ids_of(touched), since)
        _check_ledger(touched, since=since)
    numbers = {pk: d.number for pk, d in decisions.items()}
    keys = {pk: e.key for pk, e in events.items()}
    audit.record_many("create", [(t, None, _snapshot(t, labels, numbers, keys)) for t in created])
    return created


def transfer_post(
    *,
    date: dt.date,
    kind: str,
    amount: int,
    from_account: Account | None,
    to_account: Account | None,
    decision: Decision,
    reason: str,
    event: Event | None = None,
    note: str = "",
    user: Any = None,
) -> Transfer:
    """Post one transfer authorised by a decision (the rules of ``transfers_post_bulk``)."""
    return transfers_post_bulk(
        rows=[
            TransferInput(
                date=date,
                kind=kind,
                amount=amount,
                from_account=from_account,
                to_account=to_account,
                decision=decision,
                reason=reason,
                event=event,
                note=note,
            )
        ],
        user=user,
    )[0]


@transaction.atomic
def transfer_reverse(
    *,
    transfer: Transfer,
    date: dt.date | None = None,
    decision: Decision | None = None,
    note: str = "",
    user: Any = None,
) -> Transfer:
    """Correct a transfer by a reversing one (same kind and amount, accounts swapped), dated on
    the original's date unless another is given."""
    original = (
        Transfer.objects.select_for_update()
        .select_related("decision", "from_account", "to_account")
        .get(pk=transfer.pk)
    )
    _authorize(
        user,
        "staffing.add_transfer",
        unit_ids=[original.from_account.unit_id, original.to_account.unit_id],
        jurisdiction_ids=[
            original.from_account.jurisdiction_id,
            original.to_account.jurisdiction_id,
        ],
    )
    if original.derived:
        raise RegistryError(
            _("事项推导的划转随事项自动重算，不能冲正；请撤回或修改事项。"),
            transfer=original.pk,
        )
    if original.planned:
        raise RegistryError(_("待批准的划转尚未计入余额，不需要冲正。"), transfer=original.pk)
    if original.reason == TransferReason.REVERSAL:
        raise RegistryError(_("冲正划转不能再冲正。"), transfer=original.pk)
    if original.campaign_id:
        raise RegistryError(_("收回行动的划转只能随整个收回行动冲回。"), transfer=original.pk)
    if original.event_id:
        raise RegistryError(_("改革事项的划转随其决定生效；请撤回决定。"), transfer=original.pk)
    if Transfer.objects.filter(reverses=original).exists():
        raise RegistryError(_("这笔划转已经冲正过。"), transfer=original.pk)
    decision = decision or original.decision
    if decision.status != DecisionStatus.APPROVED:
        raise RegistryError(
            _("决定 %(number)s 尚未批准，不能据此冲正。") % {"number": decision.number}
        )
    on = date or original.date
    _lock([original.from_account_id, original.to_account_id])
    reversal = Transfer.objects.create(
        date=on,
        kind=original.kind,
        amount=original.amount,
        from_account_id=original.to_account_id,
        to_account_id=original.from_account_id,
        decision=decision,
        reason=TransferReason.REVERSAL,
        reverses=original,
        note=note,
    )
    touched = {original.from_account_id, original.to_account_id}
    touched |= _follow(_unit_ids_of(touched), on)
    _check_ledger(touched, since=on)
    audit.record("create", reversal, after=transfer_snapshot(reversal))
    return reversal


# ---------------------------------------------------------------------------------------------
# Headcounts
# ---------------------------------------------------------------------------------------------


@dataclass
class HeadcountInput:
    """One headcount report (see ``headcounts_report_bulk``)."""

    unit: Unit
    kind: str
    as_of: dt.date
    actual: int
    source: str = ""


def _clean_actual(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    return int(str(value).strip())


@transaction.atomic
def headcounts_report_bulk(
    *, rows: Sequence[HeadcountInput], user: Any = None
) -> list[HeadcountReport]:
    """Record many headcount reports at once (set-based). A report identical to a stored one
    changes nothing; a different figure for the same unit, kind and date is refused, as is a
    report for a date on which the unit does not exist. Any problem refuses them all."""
    unit_ids = sorted({r.unit.pk for r in rows})
    _authorize(user, "staffing.add_headcountreport", unit_ids=unit_ids)
    problems: list[dict] = []
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    stored: dict[tuple[int, str, dt.date], HeadcountReport] = {}
    for batch in chunked(unit_ids):
        for unit_id, start, end in UnitVersion.objects.filter(unit_id__in=batch).values_list(
            "unit_id", "valid_from", "valid_to"
        ):
            spans[unit_id].append((start, end))
        for report in HeadcountReport.objects.filter(unit_id__in=batch):
            stored[(report.unit_id, report.kind, report.as_of)] = report
    result: list[HeadcountReport | None] = []
    new: dict[tuple[int, str, dt.date], HeadcountReport] = {}
    for index, row in enumerate(rows, start=1):
        where = {"row": index, "unit": row.unit.key, "date": str(row.as_of)}

        def bad(message: str, where: dict = where) -> None:
            problems.append({**where, "message": message})
            result.append(None)

        if row.kind not in QUOTA_KINDS:
            bad(
                _("未知的编制类型“%(kind)s”；可用：%(codes)s。")
                % {"kind": row.kind, "codes": ", ".join(QuotaKindCode.values)}
            )
            continue
        try:
            actual = _clean_actual(row.actual)
        except ValueError:
            bad(_("实有人数应为非负整数，而不是“%(v)s”。") % {"v": row.actual})
            continue
        if actual < 0:
            bad(
                _("机构 %(unit)s 在 %(date)s 的实有人数不能为负数（%(v)d）。")
                % {"unit": row.unit.key, "date": row.as_of.isoformat(), "v": actual}
            )
            continue
        if actual > MAX_AMOUNT:
            bad(_("实有人数 %(v)d 超出上限 %(max)d。") % {"v": actual, "max": MAX_AMOUNT})
            continue
        if not any(
            start <= row.as_of and (end is None or row.as_of < end)
            for start, end in spans.get(row.unit.pk, ())
        ):
            bad(
                _("机构 %(unit)s 在 %(date)s 不存在（尚未成立或已终止）。")
                % {"unit": row.unit.key, "date": row.as_of.isoformat()}
            )
            continue
        key = (row.unit.pk, row.kind, row.as_of)
        existing = stored.get(key) or new.get(key)
        if existing is not None:
            if existing.actual != actual:
                bad(
                    _(
                        "机构 %(unit)s 在 %(date)s 已报告%(kind)s实有人数 %(old)d，与 %(new)d 不一致。"
                    )
                    % {
                        "unit": row.unit.key,
                        "date": row.as_of.isoformat(),
                        "kind": _kind_label(row.kind),
                        "old": existing.actual,
                        "new": actual,
                    }
                )
                continue
            result.append(existing)
            continue
        report = HeadcountReport(
            unit=row.unit, kind=row.kind, as_of=row.as_of, actual=actual, source=row.source
        )
        new[key] = report
        result.append(report)
    if problems:
        message = (
            problems[0]["message"]
            if len(problems) == 1
            else _("实有人数被拒绝：共 %(n)d 个问题，第一个：%(first)s")
            % {"n": len(problems), "first": problems[0]["message"]}
        )
        raise RegistryError(message, problems=problems)
    created = insert_with_ids(HeadcountReport, list(new.values()))
    audit.record_many(
        "create",
        [
            (
                r,
                None,
                {
                    "unit": r.unit.key,
                    "kind": r.kind,
                    "as_of": r.as_of.isoformat(),
                    "actual": r.actual,
                    "source": r.source,
                },
            )
            for r in created
        ],
    )
    return [r for r in result if r is not None]


def headcount_report(
    *, unit: Unit, kind: str, as_of: dt.date, actual: int, source: str = "", user: Any = None
) -> HeadcountReport:
    """Record the actual staff of a unit for a kind on a date. Reporting the same figure twice
    changes nothing; a different figure for the same unit, kind and date is refused."""
    return headcounts_report_bulk(
        rows=[HeadcountInput(unit=unit, kind=kind, as_of=as_of, actual=actual, source=source)],
        user=user,
    )[0]


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
    _check_ledger(None if ids is None else touched, extra=problems)
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


# ---------------------------------------------------------------------------------------------
# Recovery campaigns
# ---------------------------------------------------------------------------------------------


def _campaign_inputs(*, kind: str, share: Any, rounding: str) -> Decimal:
    if kind not in QUOTA_KINDS:
        raise RegistryError(
            _("未知的编制类型“%(kind)s”；可用：%(codes)s。")
            % {"kind": kind, "codes": ", ".join(QuotaKindCode.values)}
        )
    if rounding not in Rounding.values:
        raise RegistryError(
            _("未知的取整方式“%(r)s”；可用：%(codes)s。")
            % {"r": rounding, "codes": ", ".join(Rounding.values)}
        )
    try:
        value = Decimal(str(share))
    except (InvalidOperation, ValueError):
        raise RegistryError(
            _("收回比例应为 0 到 1 之间的小数，而不是“%(v)s”。") % {"v": share}
        ) from None
    if not value.is_finite() or value <= 0 or value > 1:
        raise RegistryError(_("收回比例应大于 0 且不超过 1，而不是“%(v)s”。") % {"v": share})
    if value != value.quantize(Decimal("0.0001")):
        raise RegistryError(_("收回比例最多四位小数（%(v)s）。") % {"v": share})
    return value


def _insert_campaign_reversals(campaign: RecoveryCampaign) -> int:
    """One statement: a reversing transfer for every transfer of the campaign."""
    table = Transfer._meta.db_table
    sql = f"""
        INSERT INTO {table} (date, kind, amount, from_account_id, to_account_id, decision_id,
                             event_id, campaign_id, reason, derived, planned, reverses_id,
                             note, created_at)
        SELECT t.date, t.kind, t.amount, t.to_account_id, t.from_account_id, t.decision_id,
               NULL, t.campaign_id, %s, %s, %s, t.id, '', %s
        FROM {table} t
        WHERE t.campaign_id = %s AND t.reverses_id IS NULL AND t.reason <> %s
        ORDER BY t.id
    """
    params: list[Any] = [
        TransferReason.REVERSAL,
        False,
        False,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        campaign.pk,
        TransferReason.REVERSAL,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _store_plan(campaign: RecoveryCampaign, plan: CampaignPlan) -> None:
    """Store the lines and skipped institutions of a plan (untouched when they are the same)."""
    want_lines = sorted(
        (ln.unit_id, ln.rule, ln.balance, ln.actual, ln.vacancy, ln.amount) for ln in plan.lines
    )
    want_skips = sorted((s.unit_id, s.balance) for s in plan.skipped)
    have_lines = sorted(
        campaign.lines.order_by().values_list(
            "unit_id", "rule", "balance", "actual", "vacancy", "amount"
        )
    )
    have_skips = sorted(campaign.skips.order_by().values_list("unit_id", "balance"))
    campaign.total = plan.total
    if want_lines == have_lines and want_skips == have_skips:
        return
    campaign.lines.all().delete()
    campaign.skips.all().delete()
    CampaignLine.objects.bulk_create(
        [
            CampaignLine(
                campaign=campaign,
                unit_id=line.unit_id,
                rule=line.rule,
                balance=line.balance,
                actual=line.actual,
                vacancy=line.vacancy,
                amount=line.amount,
            )
            for line in plan.lines
        ],
        batch_size=2000,
    )
    CampaignSkip.objects.bulk_create(
        [
            CampaignSkip(campaign=campaign, unit_id=s.unit_id, balance=s.balance)
            for s in plan.skipped
        ],
        batch_size=2000,
    )


def _campaign_snapshot(campaign: RecoveryCampaign) -> dict[str, Any]:
    return {
        "jurisdiction": campaign.jurisdiction.code,
        "on": campaign.on.isoformat(),
        "decision": campaign.decision.number,
        "kind": campaign.kind,
        "share": str(campaign.share),
        "rounding": campaign.rounding,
        "status": campaign.status,
        "total": campaign.total,
    }


@transaction.atomic
def campaign_preview(
    *,
    jurisdiction,
    on: dt.date,
    decision: Decision,
    kind: str = QuotaKindCode.INSTITUTION,
    share: Any = Decimal("0.5"),
    rounding: str = Rounding.FLOOR,
    user: Any = None,
) -> RecoveryCampaign:
    """Store a campaign in preview with its lines and skipped institutions."""
    _authorize(user, "staffing.add_recoverycampaign", jurisdiction_ids=[jurisdiction.pk])
    value = _campaign_inputs(kind=kind, share=share, rounding=rounding)
    if decision.status == DecisionStatus.REVOKED:
        raise RegistryError(
            _("决定 %(number)s 已撤回，不能据此收回编制。") % {"number": decision.number}
        )
    plan = campaign_plan(
        jurisdiction=jurisdiction, on=on, kind=kind, share=value, rounding=rounding
    )
    campaign = RecoveryCampaign.objects.create(
        jurisdiction=jurisdiction,
        on=on,
        decision=decision,
        kind=kind,
        share=value,
        rounding=rounding,
    )
    _store_plan(campaign, plan)
    campaign.save(update_fields=["total"])
    audit.record("preview", campaign, after=_campaign_snapshot(campaign))
    return campaign


@transaction.atomic
def campaign_apply(*, campaign: RecoveryCampaign, user: Any = None) -> RecoveryCampaign:
    """Apply a previewed campaign: recompute its plan on the current ledger (the stored lines
    are replaced by what is applied) and move every amount into the pool, in one transaction."""
    _authorize(user, permissions.APPROVE, jurisdiction_ids=[campaign.jurisdiction_id])
    locked = (
        RecoveryCampaign.objects.select_for_update()
        .select_related("decision", "jurisdiction")
        .get(pk=campaign.pk)
    )
    if locked.status != CampaignStatus.PREVIEW:
        raise RegistryError(
            _("收回行动的状态为“%(status)s”，不能再执行。")
            % {"status": locked.get_status_display()}
        )
    if locked.decision.status != DecisionStatus.APPROVED:
        raise RegistryError(
            _("决定 %(number)s 尚未批准，不能据此收回编制。") % {"number": locked.decision.number},
            decision=locked.decision.number,
        )
    pool_id = pool_accounts([locked.jurisdiction_id])[locked.jurisdiction_id]
    # Lock the pool and the accounts of the jurisdiction's institutions (in id order) before
    # reading their balances.
    unit_ids = list(
        UnitVersion.objects.filter(
            jurisdiction_id=locked.jurisdiction_id,
            kind=UnitKind.INSTITUTION,
            valid_from__lte=locked.on,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=locked.on))
        .values_list("unit_id", flat=True)
    )
    _lock([pool_id, *unit_accounts(unit_ids, create=False).values()])
    plan = campaign_plan(
        jurisdiction=locked.jurisdiction,
        on=locked.on,
        kind=locked.kind,
        share=locked.share,
        rounding=locked.rounding,
    )
    _store_plan(locked, plan)
    insert_with_ids(
        Transfer,
        [
            Transfer(
                date=locked.on,
                kind=locked.kind,
                amount=line.amount,
                from_account_id=plan.accounts[line.unit_id],
                to_account_id=pool_id,
                decision_id=locked.decision_id,
                campaign_id=locked.pk,
                reason=line.reason,
            )
            for line in plan.lines
        ],
    )
    touched = _follow({line.unit_id for line in plan.lines}, locked.on)
    checked = [pool_id, *{plan.accounts[line.unit_id] for line in plan.lines}]
    _check_ledger(checked, since=locked.on)
    if touched:
        _check_ledger(touched)
    locked.status = CampaignStatus.APPLIED
    locked.applied_at = timezone.now()
    locked.save(update_fields=["status", "applied_at", "total"])
    audit.record("apply", locked, after=_campaign_snapshot(locked))
    audit.record_summary(
        "create",
        "staffing.transfer",
        f"campaign:{locked.pk}",
        {"campaign": locked.pk, "transfers": len(plan.lines), "total": plan.total},
    )
    campaign.refresh_from_db()
    return locked


@transaction.atomic
def campaign_reverse(*, campaign: RecoveryCampaign, user: Any = None) -> RecoveryCampaign:
    """Reverse an applied campaign: every one of its transfers gets a reversing transfer."""
    _authorize(user, permissions.APPROVE, jurisdiction_ids=[campaign.jurisdiction_id])
    locked = (
        RecoveryCampaign.objects.select_for_update()
        .select_related("decision", "jurisdiction")
        .get(pk=campaign.pk)
    )
    if locked.status != CampaignStatus.APPLIED:
        raise RegistryError(
            _("只有已执行的收回行动可以冲回，当前为%(status)s。")
            % {"status": locked.get_status_display()}
        )
    originals = Transfer.objects.filter(campaign=locked, reverses__isnull=True).exclude(
        reason=TransferReason.REVERSAL
    )
    pairs = list(originals.values_list("from_account_id", "to_account_id"))
    unit_accounts_ids = {a for a, _b in pairs}
    pool_ids = {b for _a, b in pairs}
    _lock(unit_accounts_ids | pool_ids)
    _insert_campaign_reversals(locked)
    touched = _follow(_unit_ids_of(unit_accounts_ids), locked.on)
    _check_ledger(unit_accounts_ids | pool_ids, since=locked.on)
    if touched:
        _check_ledger(touched)
    locked.status = CampaignStatus.REVERSED
    locked.reversed_at = timezone.now()
    locked.save(update_fields=["status", "reversed_at"])
    audit.record("reverse", locked, after=_campaign_snapshot(locked))
    campaign.refresh_from_db()
    return locked


__all__ = [
    "HeadcountInput",
    "TransferInput",
    "transfers_post_bulk",
    "headcounts_report_bulk",
    "campaign_apply",
    "campaign_preview",
    "campaign_reverse",
    "headcount_report",
    "ledger_checks_deferred",
    "ledger_follow_registry",
    "ledger_rederive",
    "transfer_post",
    "transfer_reverse",
]
