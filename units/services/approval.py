"""Approval and revocation of decisions, and the re-derivation they run.

``decision_approve`` and ``decision_revoke`` re-derive the versions of every unit the decision
touches from all approved events (``units.services.derivation``), so history may be entered in
any order of dates. A refused approval raises ``RegistryError`` naming the event, the unit and
the reason, and leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import chunked, copy_insert, copy_values
from core.errors import RegistryError

from .. import audit, permissions
from ..choices import DecisionStatus, FeedKind
from ..models import Decision, EventParticipant, Unit, UnitVersion
from ..rules import ATTRIBUTE_FIELDS
from ..signals import registry_changed
from .decisions import decision_snapshot, draft_locked
from .derivation import Derivation, derive_checked, stored_signature
from .events import decision_structure_problems
from .feed import FeedItem, feed_append, feed_append_many
from .search import search_index_store


def affected_unit_ids(decision_ids: Iterable[int]) -> set[int]:
    return {u for units in units_by_decision(decision_ids).values() for u in units}


def units_by_decision(decision_ids: Iterable[int]) -> dict[int, set[int]]:
    """The units each decision's events touch."""
    found: dict[int, set[int]] = {pk: set() for pk in decision_ids}
    for batch in chunked(list(found)):
        for decision_id, unit_id in (
            EventParticipant.objects.filter(event__decision_id__in=batch)
            .order_by()
            .values_list("event__decision_id", "unit_id")
        ):
            found[decision_id].add(unit_id)
    return found


def _raise_if_problems(derivation: Derivation, message: str) -> None:
    if derivation.problems:
        raise RegistryError.from_problems(derivation.problems, cause=message)


def rederive(
    *,
    unit_ids: Iterable[int] | None,
    action: str = "rebuild",
    decisions: Sequence[Decision] = (),
    refusal: str | None = None,
) -> Derivation:
    """Re-derive and store the versions of the given units (all when ``None``).

    Must run inside a transaction; raises ``RegistryError`` with every problem found (its
    message starts with ``refusal``), having written nothing that the caller's transaction
    will keep.
    """
    ids = None if unit_ids is None else set(unit_ids)
    if ids:
        # Two approvals touching one unit run one after the other: the second derives from
        # what the first committed (PostgreSQL reads committed data statement by statement).
        for batch in chunked(sorted(ids)):
            list(
                Unit.objects.select_for_update()
                .filter(id__in=batch)
                .order_by("id")
                .values_list("id")
            )
    derivation = derive_checked(ids)
    _raise_if_problems(derivation, refusal or _("登记簿无法据此更新。"))
    target_ids = list(derivation.versions) if ids is None else sorted(ids)
    _store_versions(target_ids, derivation)
    registry_changed.send(
        sender=Decision, unit_ids=set(target_ids), decisions=list(decisions), action=action
    )
    return derivation


# The columns of a version as COPY writes them.
COPY_COLUMNS = (
    "unit",
    "kind",
    "valid_from",
    "valid_to",
    "opened_by",
    "closed_by",
    *ATTRIBUTE_FIELDS,
)
# Straight COPY only while these are all the columns of a version (else through instances).
_COPY_COLUMNS_COMPLETE = {
    f.name for f in UnitVersion._meta.concrete_fields if not f.primary_key
} == set(COPY_COLUMNS)


def _store_versions(unit_ids: list[int], derivation: Derivation) -> None:
    """Replace the stored versions of these units with the derived ones, touching only units
    whose versions differ."""
    stored: dict[int, list[tuple]] = {}
    for batch in chunked(unit_ids):
        for version in UnitVersion.objects.filter(unit_id__in=batch).order_by(
            "unit_id", "valid_from"
        ):
            stored.setdefault(version.unit_id, []).append(stored_signature(version))
    changed = [
        uid
        for uid in unit_ids
        if stored.get(uid, []) != [v.signature() for v in derivation.versions.get(uid, [])]
    ]
    search_index_store(changed, derivation)
    for batch in chunked(changed):
        UnitVersion.objects.filter(unit_id__in=batch).delete()
    versions = [v for uid in changed for v in derivation.versions.get(uid, [])]
    if connection.vendor == "postgresql" and _COPY_COLUMNS_COMPLETE:
        copy_values(
            UnitVersion,
            COPY_COLUMNS,
            [
                (
                    v.unit_id,
                    v.kind,
                    v.valid_from,
                    v.valid_to,
                    v.opened_by_id,
                    v.closed_by_id,
                    *(v.values[name] for name in ATTRIBUTE_FIELDS),
                )
                for v in versions
            ],
        )
    else:
        copy_insert(UnitVersion, [v.as_model() for v in versions])


# When a decision was approved, given for a historical load: one time for all, or a function of
# each decision giving its own (e.g. the day it was issued).
ApprovalTime = dt.datetime | Callable[[Decision], dt.datetime]


@transaction.atomic
def decision_approve(
    *,
    decision: Decision,
    user: Any = None,
    approved_at: ApprovalTime | None = None,
    approved_by: Any = None,
) -> Decision:
    """Approve a draft: its events apply, the versions of every unit it touches are re-derived.
    Two approvals at the same moment approve it once; the second is refused. ``approved_at``
    and ``approved_by`` record a historical approval (see ``decisions_approve``)."""
    decisions_approve(
        decisions=[decision], user=user, approved_at=approved_at, approved_by=approved_by
    )
    decision.refresh_from_db()
    return decision


def _approval_times(
    decisions: Sequence[Decision], approved_at: ApprovalTime | None
) -> dict[int, dt.datetime]:
    """When each decision is recorded as approved: now, or the historical time given (refused
    when it is in the future or not a time)."""
    now = timezone.now()
    times: dict[int, dt.datetime] = {}
    for d in decisions:
        at = approved_at(d) if callable(approved_at) else approved_at
        if at is None:
            at = now
        if not isinstance(at, dt.datetime) or timezone.is_naive(at):
            raise RegistryError(
                _("决定 %(number)s 的批准时间应为带时区的日期时间。") % {"number": d.number},
                decision=d.number,
            )
        if at > now:
            raise RegistryError(
                _("决定 %(number)s 的批准时间 %(at)s 晚于现在。")
                % {"number": d.number, "at": timezone.localtime(at).isoformat(timespec="minutes")},
                decision=d.number,
            )
        times[d.pk] = at
    return times


@transaction.atomic
def decisions_approve(
    *,
    decisions: Sequence[Decision],
    user: Any = None,
    extra_unit_ids: Iterable[int] = (),
    approved_at: ApprovalTime | None = None,
    approved_by: Any = None,
) -> list[Decision]:
    """Approve several drafts at once, re-deriving all the units they touch in one pass
    (together with ``extra_unit_ids``, e.g. units registered but not yet derived).

    A load of history (the demo, a registry entered afterwards) gives when each decision was
    approved (``approved_at``: a time, or a function of the decision) and by whom
    (``approved_by``, who must hold the approver's permission over the decisions); by default
    the approval is dated now and attributed to ``user``. The audit row is dated when it is
    written and records the approval's time and approver."""
    if not decisions:
        return []
    permissions.require_approver(user)
    if approved_by is not None:
        permissions.require_approver(approved_by)
    ids = [d.pk for d in decisions]
    locked = list(Decision.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    permissions.check_decisions_in_scope(user, locked)
    if approved_by is not None:
        permissions.check_decisions_in_scope(approved_by, locked)
    for d in locked:
        _refuse_unless(
            d, DecisionStatus.DRAFT, _("决定 %(number)s 的状态为“%(status)s”，不能再批准。")
        )
    problems = decision_structure_problems(locked)
    if problems:
        raise RegistryError(
            _("决定 %(number)s 不能批准：") % {"number": ", ".join(d.number for d in locked)}
            + problems[0]["message"],
            problems=problems,
        )
    times = _approval_times(locked, approved_at)
    approver = approved_by if approved_by is not None else user
    approver = approver if getattr(approver, "pk", None) else None
    at_once: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, at in times.items():
        at_once[at].append(pk)
    for at, pks in at_once.items():  # one statement, unless the approvals are dated apart
        Decision.objects.filter(pk__in=pks).update(
            status=DecisionStatus.APPROVED,
            approved_by=approver,
            approved_at=at,
            revision=F("revision") + 1,
        )
    for d in locked:
        before = decision_snapshot(d)
        d.status, d.approved_by, d.approved_at = DecisionStatus.APPROVED, approver, times[d.pk]
        d.revision += 1
        after = {
            **decision_snapshot(d),
            "approved_at": d.approved_at.isoformat(),
            "approved_by": getattr(approver, "username", None),
        }
        audit.record("approve", d, before=before, after=after)
    touched = units_by_decision(ids)
    rederive(
        unit_ids={u for units in touched.values() for u in units} | set(extra_unit_ids),
        action="approve",
        decisions=locked,
        refusal=_("决定 %(number)s 不能批准：") % {"number": ", ".join(d.number for d in locked)},
    )
    feed_append_many(
        [
            FeedItem(
                FeedKind.DECISION_APPROVED,
                decision_id=d.pk,
                unit_ids=touched[d.pk],
                payload={"revision": d.revision},
            )
            for d in locked
        ]
    )
    return locked


def _refuse_unless(decision: Decision, status: str, message: str) -> None:
    """Refuse, naming the decision, unless it has this status; ``message`` has the decision's
    ``number`` and current ``status``."""
    if decision.status != status:
        raise RegistryError(
            message % {"number": decision.number, "status": decision.get_status_display()},
            decision=decision.number,
        )


@transaction.atomic
def decision_revoke(*, decision: Decision, user: Any = None) -> Decision:
    """Revoke an approved decision: its events stop applying; versions are re-derived. Refused
    when later approved events depend on what it did."""
    permissions.require_approver(user)
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    permissions.check_decisions_in_scope(user, [locked])
    _refuse_unless(
        locked,
        DecisionStatus.APPROVED,
        _("只有已批准的决定可以撤回，决定 %(number)s 当前为%(status)s。"),
    )
    before = decision_snapshot(locked)
    locked.status = DecisionStatus.REVOKED
    locked.revoked_by = user if getattr(user, "pk", None) else None
    locked.revoked_at = timezone.now()
    locked.revision += 1
    locked.save(update_fields=["status", "revoked_by", "revoked_at", "revision", "updated_at"])
    audit.record("revoke", locked, before=before, after=decision_snapshot(locked))
    touched = affected_unit_ids([locked.pk])
    rederive(
        unit_ids=touched,
        action="revoke",
        decisions=[locked],
        refusal=_("决定 %(number)s 不能撤回：") % {"number": locked.number},
    )
    feed_append(
        FeedKind.DECISION_REVOKED,
        decision=locked,
        unit_ids=touched,
        payload={"revision": locked.revision},
    )
    decision.refresh_from_db()
    return locked


@transaction.atomic
def decision_record_revoked(*, decision: Decision, user: Any = None) -> Decision:
    """Record a draft as a decision that was approved and later revoked (history entered
    afterwards, e.g. from a registry workbook). Its events never apply, so there is nothing to
    re-derive; the approval and revocation are dated now and attributed to the user."""
    permissions.require_approver(user)
    locked = draft_locked(decision)
    permissions.check_decisions_in_scope(user, [locked])
    before = decision_snapshot(locked)
    now = timezone.now()
    actor = user if getattr(user, "pk", None) else None
    locked.status = DecisionStatus.REVOKED
    locked.approved_by = locked.revoked_by = actor
    locked.approved_at = locked.revoked_at = now
    locked.revision += 1
    locked.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "revoked_by",
            "revoked_at",
            "revision",
            "updated_at",
        ]
    )
    audit.record("revoke", locked, before=before, after=decision_snapshot(locked))
    decision.refresh_from_db()
    return locked
