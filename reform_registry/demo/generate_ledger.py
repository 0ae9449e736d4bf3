"""Quotas and headcounts for the synthetic registry of ``manage.py generate_registry``.

``generate_ledger`` grants quotas from the external account to every unit of the generated
province when it starts (merged and split units receive theirs from their sources through the
reform's default transfers), then reports headcounts early in 2024 — all through the set-based
services, so the ledger of a hundred thousand institutions is written in a few statements.
Units whose quotas would reach a split are left without quotas (a split needs an explicit
allocation, which synthetic data does not describe).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from typing import Any

from core.bulk import chunked
from staffing.choices import QuotaKindCode, TransferReason
from staffing.models import Account
from staffing.selectors import balance_rows
from staffing.services import (
    HeadcountInput,
    TransferInput,
    external_account,
    headcounts_report_bulk,
    transfers_post_bulk,
    unit_accounts,
)
from units import services as unit_services
from units.choices import DecisionStatus, EventType, ParticipantRole, UnitKind
from units.models import Decision, EventParticipant, Jurisdiction, Unit, UnitVersion
from units.selectors import jurisdiction_ids

from .draws import plausible_headcount
from .staffing import FirstVersions, first_versions, grant_transfers

GRANT_NUMBER = "模编发〔2015〕1号"
HEADCOUNT_ON = dt.date(2024, 1, 1)
UNREPORTED_SHARE = 0.03


def _quotas(kind: str, rng: random.Random) -> dict[str, int]:
    if kind == UnitKind.DEPARTMENT:
        return {
            QuotaKindCode.ADMINISTRATIVE: rng.randint(10, 80),
            QuotaKindCode.LEADER_CHIEF: 1,
            QuotaKindCode.LEADER_DEPUTY: rng.randint(1, 3),
        }
    return {QuotaKindCode.INSTITUTION: rng.randint(5, 60), QuotaKindCode.LEADER_CHIEF: 1}


def _actual(balance: int, rng: random.Random) -> int:
    return plausible_headcount(balance, rng, over_staffed=0.12, nearly_full=0.3, least_vacancy=0.1)


def _split_feeders(unit_ids: set[int]) -> set[int]:
    """Sources of approved splits and every unit whose quotas flow into one of them."""
    into: dict[int, set[int]] = defaultdict(set)  # target -> sources (merge/absorb)
    split_sources: set[int] = set()
    rows = EventParticipant.objects.filter(
        event__decision__status=DecisionStatus.APPROVED,
        event__type__in=[EventType.MERGE, EventType.ABSORB, EventType.SPLIT],
    ).values_list("event_id", "event__type", "role", "unit_id")
    by_event: dict[int, tuple[str, list[int], list[int]]] = {}
    for event_id, type_, role, unit_id in rows.iterator(chunk_size=20000):
        entry = by_event.setdefault(event_id, (type_, [], []))
        (entry[1] if role == ParticipantRole.SOURCE else entry[2]).append(unit_id)
    for type_, sources, targets in by_event.values():
        if type_ == EventType.SPLIT:
            split_sources.update(sources)
        else:
            for target in targets:
                into[target].update(sources)
    found: set[int] = set()
    frontier = split_sources & unit_ids
    while frontier:
        found |= frontier
        frontier = {s for t in frontier for s in into.get(t, ())} - found
    return found


def generate_ledger(
    *, seed: int = 1, jurisdiction: Jurisdiction, stdout: Any = None, **_: Any
) -> dict[str, Any]:
    """Grant quotas to every unit of the jurisdiction and its subdivisions, report headcounts;
    returns counts and timings."""
    started = time.monotonic()
    places = jurisdiction_ids(jurisdiction, subdivisions=True)
    first = first_versions(UnitVersion.objects.filter(jurisdiction_id__in=places))
    skipped = _split_feeders(set(first))
    accounts: dict[int, int] = {}
    rng = random.Random(f"ledger/{seed}")
    rows = _grants(first, skipped, accounts, rng)
    transfers_post_bulk(rows=rows)
    granted = time.monotonic()
    reports = _headcount_reports(places, accounts, rng)
    headcounts_report_bulk(rows=reports)
    done = time.monotonic()
    result = {
        "transfers": len(rows),
        "headcounts": len(reports),
        "units_without_quotas": len(skipped),
        "timings": {"grants": granted - started, "headcounts": done - granted},
    }
    if stdout is not None:
        stdout.write(
            f"编制：{len(rows)} 笔核定划转，{len(reports)} 条实有人数"
            f"（{done - started:.1f} 秒）。\n"
        )
    return result


def _grants(
    first: FirstVersions, skipped: set[int], accounts: dict[int, int], rng: random.Random
) -> list[TransferInput]:
    """Quotas granted from outside to every unit when it starts (under a grant decision, or
    the decision that established it); merged and split units and ``skipped`` get none.
    ``accounts`` is filled with the account of every unit that may hold quotas."""
    created_by: dict[int, tuple[str, int]] = {}
    for unit_id, type_, decision_id in (
        EventParticipant.objects.filter(
            creates=True, event__decision__status=DecisionStatus.APPROVED
        )
        .values_list("unit_id", "event__type", "event__decision_id")
        .iterator(chunk_size=20000)
    ):
        created_by[unit_id] = (type_, decision_id)
    grant = unit_services.decision_create(
        number=GRANT_NUMBER, title="关于核定机构编制的通知（模拟）", issued_on=dt.date(2015, 1, 1)
    )
    grant = unit_services.decision_approve(decision=grant)
    decisions = {pk: Decision(pk=pk, number="") for pk in {d for _t, d in created_by.values()}}
    decisions[grant.pk] = grant
    accounts.update(unit_accounts(u for u in first if u not in skipped))
    external = external_account()
    rows: list[TransferInput] = []
    for unit_id, (_key, kind, start) in sorted(first.items()):
        origin = created_by.get(unit_id)
        if unit_id in skipped or (origin is not None and origin[0] != EventType.ESTABLISH):
            continue
        decision, reason = grant, TransferReason.GRANT
        if origin is not None:
            decision, reason = decisions[origin[1]], TransferReason.ESTABLISH
        rows += grant_transfers(
            _quotas(kind, rng),
            on=start,
            external=external,
            account=Account(pk=accounts[unit_id], type="unit", unit_id=unit_id),
            decision=decision,
            reason=reason,
        )
    return rows


def _headcount_reports(
    places: list[int], accounts: dict[int, int], rng: random.Random
) -> list[HeadcountInput]:
    """Headcounts of the institutions active on ``HEADCOUNT_ON``; a few have not reported."""
    active = list(
        UnitVersion.objects.filter(
            jurisdiction_id__in=places, kind=UnitKind.INSTITUTION, valid_from__lte=HEADCOUNT_ON
        )
        .exclude(valid_to__lte=HEADCOUNT_ON)
        .order_by("unit_id")
        .values_list("unit_id", "unit__key")
    )
    held: dict[tuple[int, str], int] = {}
    for batch in chunked([accounts[u] for u, _k in active if u in accounts], 20000):
        held.update(balance_rows(batch, on=HEADCOUNT_ON, kind=QuotaKindCode.INSTITUTION))
    reports: list[HeadcountInput] = []
    for unit_id, key in active:
        if rng.random() < UNREPORTED_SHARE:
            continue
        account = accounts.get(unit_id)
        balance = held.get((account, QuotaKindCode.INSTITUTION), 0) if account is not None else 0
        reports.append(
            HeadcountInput(
                unit=Unit(pk=unit_id, key=key),
                kind=QuotaKindCode.INSTITUTION,
                as_of=HEADCOUNT_ON,
                actual=_actual(balance, rng),
                source="模拟",
            )
        )
    return reports
