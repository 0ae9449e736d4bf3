"""The staffing part of the demo: quotas granted to every unit of the Baotou registry, the
split's explicit allocation, headcount reports, and the recovery campaign of 2021-03-01 applied
under its own decision — written through ``staffing.services`` only.

With the reform's default transfers (abolished and transformed units' quotas go to the pool)
the campaign frees over 2,000 quotas into the pool of 150200 between 2020-01-01 and 2021-03-31.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db.models import QuerySet

from staffing.choices import QuotaKindCode, TransferReason
from staffing.models import Account, RecoveryCampaign
from staffing.selectors import balance_rows
from staffing.services import (
    HeadcountInput,
    TransferInput,
    campaign_apply,
    campaign_preview,
    external_account,
    headcounts_report_bulk,
    transfers_post_bulk,
    unit_accounts,
)
from units import services as unit_services
from units.choices import DecisionStatus, EventType, UnitKind
from units.models import Decision, Event, EventParticipant, Jurisdiction, Unit, UnitVersion

from .approvals import approval_time, demo_approver
from .baotou import CITY, ISSUER, D
from .draws import plausible_headcount

GRANT_NUMBER = "包编发〔2019〕5号"
CAMPAIGN_NUMBER = "包编发〔2021〕6号"
HEADCOUNT_ON = D(2021, 2, 1)
EARLIER_HEADCOUNT_ON = D(2020, 1, 1)
CAMPAIGN_ON = D(2021, 3, 1)
SHARE = Decimal("0.5")
# A few institutions have not reported their headcount: the campaign lists and skips them.
UNREPORTED_SHARE = 0.04

# A unit's key, kind and the day its first version starts, by unit id.
FirstVersions = dict[int, tuple[str, str, dt.date]]


def first_versions(versions: QuerySet[UnitVersion]) -> FirstVersions:
    """Each unit of ``versions`` by the first of its versions there."""
    first: FirstVersions = {}
    for unit_id, key, kind, valid_from in (
        versions.order_by("unit_id", "valid_from")
        .values_list("unit_id", "unit__key", "kind", "valid_from")
        .iterator(chunk_size=20000)
    ):
        first.setdefault(unit_id, (key, kind, valid_from))
    return first


def grant_transfers(
    quotas: dict[str, int],
    *,
    on: dt.date,
    external: Account,
    account: Account,
    decision: Decision,
    reason: str,
) -> list[TransferInput]:
    """The transfers granting ``quotas`` (amount by kind) to ``account`` from outside."""
    return [
        TransferInput(
            date=on,
            kind=kind,
            amount=amount,
            from_account=external,
            to_account=account,
            decision=decision,
            reason=reason,
        )
        for kind, amount in quotas.items()
    ]


def _quotas(kind: str, rng: random.Random) -> dict[str, int]:
    """The quotas granted to a unit when it starts."""
    if kind == UnitKind.DEPARTMENT:
        return {
            QuotaKindCode.ADMINISTRATIVE: rng.randint(15, 60),
            QuotaKindCode.LOGISTICS: rng.randint(2, 6),
            QuotaKindCode.LEADER_CHIEF: 1,
            QuotaKindCode.LEADER_DEPUTY: rng.randint(2, 4),
            QuotaKindCode.LEADER_SECTION: rng.randint(3, 8),
        }
    quotas: dict[str, int] = {
        QuotaKindCode.INSTITUTION: rng.randint(10, 40),
        QuotaKindCode.LEADER_CHIEF: 1,
        QuotaKindCode.LEADER_DEPUTY: rng.randint(1, 2),
    }
    # Section-level posts (科级领导职数), among them for party-building staff.
    if rng.random() < 0.6:
        quotas[QuotaKindCode.LEADER_SECTION] = rng.randint(1, 3)
    return quotas


def _decision(number: str, title: str, issued_on: dt.date) -> Decision:
    """A decision of the demo's staffing, approved on the day it was issued."""
    decision = unit_services.decision_create(
        number=number, title=title, issued_on=issued_on, issuer=ISSUER
    )
    return unit_services.decision_approve(
        decision=decision, approved_at=approval_time, approved_by=demo_approver()
    )


def load_staffing_demo() -> str | None:
    """Grants, allocations, headcounts and the applied campaign; None when already loaded."""
    if Decision.objects.filter(number=CAMPAIGN_NUMBER).exists():
        return None
    grant_decision = _decision(
        GRANT_NUMBER, "关于核定市直部门和所属事业单位机构编制的通知", D(2019, 2, 20)
    )
    first = first_versions(UnitVersion.objects.all())
    created_by: dict[int, tuple[str, int, int, dt.date]] = {}
    for unit_id, type_, event_id, decision_id, on in EventParticipant.objects.filter(
        creates=True, event__decision__status=DecisionStatus.APPROVED
    ).values_list(
        "unit_id", "event__type", "event_id", "event__decision_id", "event__effective_on"
    ):
        created_by[unit_id] = (type_, event_id, decision_id, on)
    decisions = {d.pk: d for d in Decision.objects.filter(status=DecisionStatus.APPROVED)}
    accounts = unit_accounts(first)
    account_objs = Account.objects.in_bulk(accounts.values())
    external = external_account()

    rows: list[TransferInput] = []
    held: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, (key, kind, start) in sorted(first.items(), key=lambda item: item[1][0]):
        origin = created_by.get(unit_id)
        if origin is not None and origin[0] != EventType.ESTABLISH:
            continue  # merged or split units receive their quotas from their sources
        decision, reason = grant_decision, TransferReason.GRANT
        if origin is not None:
            decision, reason = decisions[origin[2]], TransferReason.ESTABLISH
        held[unit_id] = _quotas(kind, random.Random(key))
        rows += grant_transfers(
            held[unit_id],
            on=start,
            external=external,
            account=account_objs[accounts[unit_id]],
            decision=decision,
            reason=reason,
        )
    rows += _split_allocations(held, accounts, account_objs)
    transfers_post_bulk(rows=rows)
    reports = _headcount_reports(first, accounts)
    headcounts_report_bulk(rows=reports)

    campaign = apply_demo_campaign()
    recovered = campaign.total if campaign is not None else 0
    return f"{len(rows)} 笔编制划转，{len(reports)} 条实有人数，编制收回 {recovered} 名"


def _split_allocations(
    held: dict[int, dict[str, int]], accounts: dict[int, int], account_objs: dict[int, Account]
) -> list[TransferInput]:
    """A split needs an explicit allocation: 60% to the first new unit, the rest to the others
    in turn. ``account_objs`` gains the accounts of the new units."""
    splits = EventParticipant.objects.filter(
        event__type=EventType.SPLIT, event__decision__status=DecisionStatus.APPROVED
    ).select_related("event__decision")
    parts: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"source": [], "target": []})
    events: dict[int, Event] = {}
    for part in splits.order_by("event_id", "position", "id"):
        parts[part.event_id][part.role].append(part.unit_id)
        events[part.event_id] = part.event
    target_accounts = unit_accounts({u for p in parts.values() for u in p["target"]})
    account_objs.update(Account.objects.in_bulk(target_accounts.values()))
    rows: list[TransferInput] = []
    for event_id, roles in parts.items():
        event = events[event_id]
        (source,) = roles["source"]
        targets = roles["target"]
        for quota_kind, amount in held.get(source, {}).items():
            shares = [amount - amount * 2 // 5] + [0] * (len(targets) - 1)
            rest = amount - shares[0]
            for i in range(rest):
                shares[1 + i % (len(targets) - 1)] += 1
            for target, share in zip(targets, shares, strict=True):
                if share:
                    rows.append(
                        TransferInput(
                            date=event.effective_on,
                            kind=quota_kind,
                            amount=share,
                            from_account=account_objs[accounts[source]],
                            to_account=account_objs[target_accounts[target]],
                            decision=event.decision,
                            event=event,
                            reason=TransferReason.REFORM,
                            note="分设时的编制分配",
                        )
                    )
    return rows


def _headcount_reports(first: FirstVersions, accounts: dict[int, int]) -> list[HeadcountInput]:
    """Headcounts: early 2020 and early 2021, for every kind the unit holds (leadership posts
    included); a few institutions have not reported in 2021."""
    reports: list[HeadcountInput] = []
    by_id = Unit.objects.in_bulk(list(first))
    for on, skip in ((EARLIER_HEADCOUNT_ON, 0.0), (HEADCOUNT_ON, UNREPORTED_SHARE)):
        active = set(
            UnitVersion.objects.filter(valid_from__lte=on)
            .exclude(valid_to__lte=on)
            .values_list("unit_id", flat=True)
        )
        balances = balance_rows(sorted(accounts[u] for u in active if u in accounts), on=on)
        for unit_id in sorted(active):
            key, kind, _start = first[unit_id]
            rng = random.Random(f"{key}/{on.isoformat()}")
            if kind == UnitKind.INSTITUTION and rng.random() < skip:
                continue
            for quota_kind in QuotaKindCode.values:
                account = accounts.get(unit_id)
                balance = balances.get((account, quota_kind), 0) if account is not None else 0
                if balance <= 0:
                    continue
                reports.append(
                    HeadcountInput(
                        unit=by_id[unit_id],
                        kind=quota_kind,
                        as_of=on,
                        actual=plausible_headcount(balance, rng),
                        source="年度实名制统计",
                    )
                )
    return reports


def apply_demo_campaign() -> RecoveryCampaign | None:
    """The recovery campaign of 2021-03-01 under its own decision; None when already applied.
    (The demo workbook holds everything before it; ``load_demo`` applies it after the import.)"""
    if Decision.objects.filter(number=CAMPAIGN_NUMBER).exists():
        return None
    campaign_decision = _decision(
        CAMPAIGN_NUMBER, "关于收回市直事业单位空余编制的通知", D(2021, 2, 20)
    )
    campaign = campaign_preview(
        jurisdiction=Jurisdiction.objects.get(code=CITY),
        on=CAMPAIGN_ON,
        decision=campaign_decision,
        share=SHARE,
    )
    return campaign_apply(campaign=campaign)
