"""Transfers of quotas between accounts (DESIGN §3): posting them (in bulk, a single one
being a call of the bulk form), the rules of an event's explicit transfers, and reversals.
Each write locks its accounts and checks the ledger's invariants (``services.ledger``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.bulk import chunked, insert_with_ids
from core.errors import RegistryError
from units import audit
from units.choices import DecisionStatus, FeedKind
from units.models import Decision, Event, EventParticipant
from units.services.feed import feed_append

from ..choices import AccountType, TransferReason
from ..models import Account, Transfer
from ..rules import MAX_AMOUNT, unknown_quota_kind
from ..selectors.accounts import account_spellings
from .ledger import (
    authorize_write,
    check_ledger,
    lock_accounts,
    rederive_from,
    refuse_rows,
    unit_ids_of_accounts,
)

# Codes as a set built once (``TextChoices.values`` is rebuilt on every access).
TRANSFER_REASONS = frozenset(TransferReason.values)


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
    labels = account_spellings([transfer.from_account_id, transfer.to_account_id])
    numbers = {transfer.decision_id: transfer.decision.number}
    keys = {transfer.event.pk: transfer.event.key} if transfer.event is not None else {}
    return _snapshot(transfer, labels, numbers, keys)


# ---------------------------------------------------------------------------------------------
# Checks of a transfer
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
    if unknown := unknown_quota_kind(kind):
        raise RegistryError(unknown)
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


@dataclass
class _Authorities:
    """What the rows of a bulk post refer to, read once: decisions, events (with the units
    each may move quotas between) and the spelling of every account (for the messages and the
    audit trail)."""

    decisions: dict[int, Decision]
    events: dict[int, Event]
    parties: dict[int, EventParties]
    labels: dict[int, str]

    @classmethod
    def of(cls, rows: Sequence[TransferInput], accounts: list[Account]) -> _Authorities:
        decision_ids = {r.decision.pk for r in rows if r.decision}
        event_ids = {r.event.pk for r in rows if r.event is not None}
        return cls(
            decisions={d.pk: d for d in Decision.objects.filter(pk__in=decision_ids)},
            events={
                e.pk: e for e in Event.objects.filter(pk__in=event_ids).select_related("decision")
            },
            parties=_event_parties(event_ids) if event_ids else {},
            labels=account_spellings({a.pk for a in accounts}),
        )


def _prepared_transfer(row: TransferInput, known: _Authorities) -> Transfer:
    """The transfer a row posts, once every rule holds (``RegistryError`` otherwise)."""
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
    decision = known.decisions[row.decision.pk]
    event = known.events[row.event.pk] if row.event is not None else None
    planned = _check_transfer_authority(decision=decision, event=event)
    if event is not None:
        _check_event_transfer(
            event=event,
            date=row.date,
            from_account=from_account,
            to_account=to_account,
            reason=row.reason,
            parties=known.parties.get(event.pk, EventParties()),
            labels=known.labels,
        )
    return Transfer(
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


def _prepared_transfers(rows: Sequence[TransferInput], known: _Authorities) -> list[Transfer]:
    """Every row checked; any problem refuses them all, naming each row at fault."""
    problems: list[dict] = []
    prepared: list[Transfer] = []
    for index, row in enumerate(rows, start=1):
        try:
            prepared.append(_prepared_transfer(row, known))
        except RegistryError as exc:
            problems += [{**p, "row": index} for p in exc.problems]
    refuse_rows(problems, cause=_("编制划转被拒绝："))
    return prepared


def _count_in_ledger(created: list[Transfer]) -> None:
    """Re-derive the defaults that depend on the counted transfers just written (not the
    planned ones) and check the invariants on every account touched."""
    counted = [t for t in created if not t.planned]
    if not counted:
        return
    since = min(t.date for t in counted)
    touched = {t.from_account_id for t in counted} | {t.to_account_id for t in counted}
    touched |= rederive_from(unit_ids_of_accounts(touched), since)
    check_ledger(touched, since=since)


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
    authorize_write(
        user,
        "staffing.add_transfer",
        unit_ids=[a.unit_id for a in accounts_of_rows],
        jurisdiction_ids=[a.jurisdiction_id for a in accounts_of_rows],
    )
    known = _Authorities.of(rows, accounts_of_rows)
    prepared = _prepared_transfers(rows, known)
    if not prepared:
        return []
    lock_accounts({t.from_account_id for t in prepared} | {t.to_account_id for t in prepared})
    created = insert_with_ids(Transfer, prepared)
    _count_in_ledger(created)
    numbers = {pk: d.number for pk, d in known.decisions.items()}
    keys = {pk: e.key for pk, e in known.events.items()}
    audit.record_many(
        "create", [(t, None, _snapshot(t, known.labels, numbers, keys)) for t in created]
    )
    _announce(FeedKind.TRANSFER_POSTED, [t for t in created if not t.planned])
    return created


def _announce(kind: str, transfers: Sequence[Transfer]) -> None:
    """The feed entry of counted transfers (planned ones count, and are announced, with their
    decision's approval): the units and pools at their ends, their decision when they share
    one."""
    if not transfers:
        return
    ends = {t.from_account_id for t in transfers} | {t.to_account_id for t in transfers}
    owners = list(Account.objects.filter(pk__in=ends).values_list("unit_id", "jurisdiction_id"))
    decisions = {t.decision_id for t in transfers}
    feed_append(
        kind,
        decision=decisions.pop() if len(decisions) == 1 else None,
        unit_ids=[u for u, _j in owners if u is not None],
        jurisdiction_ids=[j for _u, j in owners if j is not None],
        payload={
            "transfers": [t.pk for t in transfers],
            "amount": sum(t.amount for t in transfers),
        },
    )


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
    authorize_write(
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
    lock_accounts([original.from_account_id, original.to_account_id])
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
    touched |= rederive_from(unit_ids_of_accounts(touched), on)
    check_ledger(touched, since=on)
    audit.record("create", reversal, after=transfer_snapshot(reversal))
    _announce(FeedKind.TRANSFER_REVERSED, [reversal])
    return reversal
