"""The registry as if its draft decisions were approved, computed without writing: the units the
drafts touch derived in memory, and what their approval would move into a pool. Previews read;
they never approve and roll back (that would take row locks on a read)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.errors import RegistryError
from staffing.choices import AccountType, TransferReason
from staffing.models import Account, Transfer
from staffing.selectors import balance_rows
from staffing.services import unit_accounts
from staffing.services.ledger import DEFAULT_TYPES_TO_POOL
from units.choices import DecisionStatus, ParticipantRole
from units.models import Decision, Event, EventParticipant, Jurisdiction
from units.permissions import user_jurisdiction_ids
from units.services import affected_unit_ids, decision_structure_problems
from units.services.derivation import DerivedVersion, check_supervision, derive


def drafts_for_preview(*, after: dt.date, user: Any = None) -> list[Decision]:
    """Draft decisions (that the user reads) with at least one event effective on or before
    ``after``."""
    return list(
        Decision.objects.restrict(user)
        .filter(status=DecisionStatus.DRAFT, events__effective_on__lte=after)
        .distinct()
        .order_by("issued_on", "number")
    )


@dataclass
class DraftRegistry:
    """The units that draft decisions touch as they would be once the drafts are approved:
    their versions derived in memory. Every other unit stands as stored."""

    decision_ids: list[int] = field(default_factory=list)
    versions: dict[int, list[DerivedVersion]] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)

    @property
    def unit_ids(self) -> set[int]:
        return set(self.versions)

    def visible(self, unit_ids: set[int], user: Any) -> set[int]:
        """Those of the given units the user would read: like the read policy of stored
        versions, a unit whose latest version lies in the user's jurisdictions."""
        scope = user_jurisdiction_ids(user)
        if scope is None:
            return set(unit_ids)
        return {
            uid
            for uid in unit_ids
            if self.versions.get(uid) and self.versions[uid][-1].values["jurisdiction"] in scope
        }

    def jurisdiction_before_end(self, unit_id: int, end: dt.date) -> int | None:
        """The jurisdiction of the unit's version that ends on the date, if one does."""
        for version in self.versions.get(unit_id, ()):
            if version.valid_to == end:
                jurisdiction: int = version.values["jurisdiction"]
                return jurisdiction
        return None


def draft_registry(drafts: list[Decision]) -> DraftRegistry:
    """Derive in memory the units the drafts touch as if the drafts were approved. A draft that
    could not be approved raises ``RegistryError`` as its approval would (reads only)."""
    if not drafts:
        return DraftRegistry()
    cannot = _("决定 %(number)s 不能批准：") % {"number": ", ".join(d.number for d in drafts)}
    problems = decision_structure_problems(drafts)
    if problems:
        raise RegistryError(cannot + problems[0]["message"], problems=problems)
    ids = [d.pk for d in drafts]
    derivation = derive(affected_unit_ids(ids), extra_decision_ids=ids)
    if not derivation.problems:
        check_supervision(derivation)
    if derivation.problems:
        raise RegistryError.from_problems(derivation.problems, cause=cannot)
    return DraftRegistry(decision_ids=ids, versions=derivation.versions, keys=derivation.keys)


def draft_pool_inflow_rows(
    *, jurisdiction: Jurisdiction, start: dt.date, end: dt.date, drafts: DraftRegistry
) -> list[tuple[str, str, int]]:
    """What approving the drafts would add to the inflow of the jurisdiction's pool in
    (start, end], as (reason, kind, amount): their explicit transfers into it (planned until
    then), and the default moves of their abolish and transform events."""
    if not drafts.decision_ids:
        return []
    pool = Account.objects.filter(type=AccountType.POOL, jurisdiction=jurisdiction).first()
    if pool is None:
        return []
    planned = [
        _Planned(*row)
        for row in Transfer.objects.filter(
            event__decision_id__in=drafts.decision_ids, derived=False, planned=True
        ).values_list(
            "reason",
            "date",
            "kind",
            "amount",
            "from_account_id",
            "to_account_id",
            "event_id",
            "from_account__type",
        )
    ]
    rows = [
        (t.reason, t.kind, t.amount)
        for t in planned
        if t.to_account_id == pool.pk and start < t.date <= end
    ]
    return rows + _default_moves_to(pool, start=start, end=end, drafts=drafts, planned=planned)


@dataclass
class _Planned:
    reason: str
    date: dt.date
    kind: str
    amount: int
    from_account_id: int
    to_account_id: int
    event_id: int | None
    from_type: str


def _default_moves_to(
    pool: Account, *, start: dt.date, end: dt.date, drafts: DraftRegistry, planned: list[_Planned]
) -> list[tuple[str, str, int]]:
    """The default moves into the pool of the drafts' abolish and transform events in
    (start, end]: what a source holds on that day (its explicit transfers counted) goes to the
    pool of its jurisdiction, but for the kinds the event allocates explicitly."""
    events = list(
        Event.objects.filter(
            decision_id__in=drafts.decision_ids,
            type__in=DEFAULT_TYPES_TO_POOL,
            effective_on__gt=start,
            effective_on__lte=end,
        )
        .order_by("effective_on", "id")
        .values_list("id", "effective_on")
    )
    sources: dict[int, list[int]] = defaultdict(list)
    for event_id, unit_id in (
        EventParticipant.objects.filter(
            event_id__in=[e for e, _on in events], role=ParticipantRole.SOURCE
        )
        .order_by("position", "id")
        .values_list("event_id", "unit_id")
    ):
        sources[event_id].append(unit_id)
    accounts = unit_accounts({u for us in sources.values() for u in us}, create=False)
    explicit = {(t.event_id, t.kind) for t in planned if t.from_type == AccountType.UNIT}
    rows: list[tuple[str, str, int]] = []
    for event_id, on in events:
        held = _holdings(sorted(accounts.values()), on=on, planned=planned)
        for source in sources[event_id]:
            account_id = accounts.get(source)
            if drafts.jurisdiction_before_end(source, on) != pool.jurisdiction_id:
                continue
            rows += [
                (TransferReason.REFORM.value, kind, amount)
                for (holder, kind), amount in sorted(held.items())
                if holder == account_id and amount > 0 and (event_id, kind) not in explicit
            ]
    return rows


def _holdings(accounts: list[int], *, on: dt.date, planned: list[_Planned]) -> dict:
    """Balance per (account, kind) on a date, with the drafts' planned transfers counted."""
    held = defaultdict(int, balance_rows(accounts, on=on)) if accounts else defaultdict(int)
    for t in planned:
        if t.date <= on:
            held[(t.from_account_id, t.kind)] -= t.amount
            held[(t.to_account_id, t.kind)] += t.amount
    return held
