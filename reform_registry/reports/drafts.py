"""The registry as if its draft decisions were approved, computed without writing: the units the
drafts touch derived in memory, and what their approval would move into a pool. Previews read;
they never approve and roll back (that would take row locks on a read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.errors import RegistryError
from staffing.choices import AccountType
from staffing.models import Account, Transfer
from staffing.services.ledger import PlannedTransfer, default_moves_if_approved
from units.choices import DecisionStatus
from units.models import Decision, Event, Jurisdiction
from units.permissions import user_jurisdiction_ids
from units.services import affected_unit_ids, decision_structure_problems
from units.services.derivation import DerivedVersion, derive_checked


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
    numbers: list[str] = field(default_factory=list)

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

    def closing_jurisdictions(self) -> dict[tuple[int, dt.date | None], int]:
        """The jurisdiction of each unit on the day each of its versions ends."""
        return {
            (uid, version.valid_to): version.values["jurisdiction"]
            for uid, versions in self.versions.items()
            for version in versions
            if version.valid_to is not None
        }

    def cannot_approve(self) -> str:
        return cannot_approve(self.numbers)


def cannot_approve(numbers: list[str]) -> str:
    return _("决定 %(number)s 不能批准：") % {"number": ", ".join(numbers)}


def draft_registry(drafts: list[Decision]) -> DraftRegistry:
    """Derive in memory the units the drafts touch as if the drafts were approved. A draft that
    could not be approved raises ``RegistryError`` as its approval would (reads only)."""
    if not drafts:
        return DraftRegistry()
    cannot = cannot_approve([d.number for d in drafts])
    problems = decision_structure_problems(drafts)
    if problems:
        raise RegistryError(cannot + problems[0]["message"], problems=problems)
    ids = [d.pk for d in drafts]
    derivation = derive_checked(affected_unit_ids(ids), extra_decision_ids=ids)
    if derivation.problems:
        raise RegistryError.from_problems(derivation.problems, cause=cannot)
    return DraftRegistry(
        decision_ids=ids,
        versions=derivation.versions,
        keys=derivation.keys,
        numbers=[d.number for d in drafts],
    )


def draft_pool_inflow_rows(
    *, jurisdiction: Jurisdiction, start: dt.date, end: dt.date, drafts: DraftRegistry
) -> list[tuple[str, str, int]]:
    """What approving the drafts would add to the inflow of the jurisdiction's pool in
    (start, end], as (reason, kind, amount): their explicit transfers into it (planned until
    then), and the default transfers their events would derive (the ledger's own walk). Raises
    ``RegistryError`` when the approval would refuse the drafts' quota moves."""
    if not drafts.decision_ids:
        return []
    pool = Account.objects.filter(type=AccountType.POOL, jurisdiction=jurisdiction).first()
    if pool is None:
        return []
    planned = _planned_transfers(drafts.decision_ids)
    defaults, problems = default_moves_if_approved(
        Event.objects.filter(decision_id__in=drafts.decision_ids).values_list("id", flat=True),
        closing=drafts.closing_jurisdictions(),
        planned=planned,
    )
    if problems:
        raise RegistryError.from_problems(problems, cause=drafts.cannot_approve())
    moves = [(t.reason, t.date, t.kind, t.amount, t.to_account_id) for t in planned]
    moves += [
        (reason, on, kind, amount, dest)
        for on, kind, amount, _from, dest, _decision, _event, _at, reason, *_rest in defaults
    ]
    return [
        (str(reason), kind, amount)
        for reason, on, kind, amount, dest in moves
        if dest == pool.pk and start < on <= end
    ]


@dataclass
class _Planned(PlannedTransfer):
    reason: str = ""


def _planned_transfers(decision_ids: list[int]) -> list[_Planned]:
    """The explicit transfers of the drafts' events (planned until they are approved)."""
    return [
        _Planned(
            date=on,
            kind=kind,
            amount=amount,
            from_account_id=from_id,
            to_account_id=to_id,
            event_id=event_id,
            from_unit=from_type == AccountType.UNIT,
            reason=reason,
        )
        for reason, on, kind, amount, from_id, to_id, event_id, from_type in Transfer.objects.filter(
            event__decision_id__in=decision_ids, derived=False, planned=True
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
