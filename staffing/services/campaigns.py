"""Recovery campaigns (DESIGN §3): a preview stores the plan of ``selectors.campaigns``, an
application recomputes it on the current ledger and moves every amount into the pool, a
reversal gives each of its transfers a reversing one, and a preview that will not be applied
may be discarded by its author or an approver — each in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import insert_with_ids
from core.errors import RegistryError
from units import audit, permissions
from units.choices import DecisionStatus, FeedKind, UnitKind
from units.models import Decision, UnitVersion
from units.services.feed import feed_append

from ..choices import CampaignStatus, QuotaKindCode, Rounding, TransferReason
from ..models import CampaignLine, CampaignSkip, RecoveryCampaign, Transfer
from ..rules import unknown_quota_kind
from ..selectors.campaigns import CampaignPlan, campaign_plan
from .accounts import pool_accounts, unit_accounts
from .ledger import (
    authorize_write,
    check_ledger,
    lock_accounts,
    rederive_from,
    unit_ids_of_accounts,
)


def campaign_inputs_check(*, kind: str, share: Any, rounding: str) -> Decimal:
    """The kind, share and rounding of a campaign checked (``RegistryError`` naming the one at
    fault); returns the share as a decimal."""
    if unknown := unknown_quota_kind(kind):
        raise RegistryError(unknown)
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
    authorize_write(user, "staffing.add_recoverycampaign", jurisdiction_ids=[jurisdiction.pk])
    value = campaign_inputs_check(kind=kind, share=share, rounding=rounding)
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
        created_by=user if getattr(user, "pk", None) else None,
    )
    _store_plan(campaign, plan)
    campaign.save(update_fields=["total"])
    audit.record("preview", campaign, after=_campaign_snapshot(campaign))
    return campaign


def _locked(campaign: RecoveryCampaign) -> RecoveryCampaign:
    """The campaign, locked; refused when it is no longer there (a discarded preview)."""
    locked = (
        RecoveryCampaign.objects.select_for_update()
        .select_related("decision", "jurisdiction")
        .filter(pk=campaign.pk)
        .first()
    )
    if locked is None:
        raise RegistryError(
            _("收回行动 %(id)s 已不存在（预览可能已被放弃）。") % {"id": campaign.pk}
        )
    return locked


def _campaign_locked(campaign: RecoveryCampaign, *, user: Any) -> RecoveryCampaign:
    """The campaign, locked, for an approver to apply or reverse."""
    authorize_write(user, permissions.APPROVE, jurisdiction_ids=[campaign.jurisdiction_id])
    return _locked(campaign)


def campaign_may_discard(user: Any, campaign: RecoveryCampaign) -> bool:
    """Whether the user may discard this campaign's preview: its author (who may still preview
    campaigns) or an approver (``user=None``: a command or the system). Whether it is still a
    preview, and in the user's jurisdictions, ``campaign_discard`` checks as well."""
    if user is None:
        return True
    if not getattr(user, "is_active", False):
        return False
    if permissions.can_approve(user):
        return True
    return (
        campaign.created_by_id is not None
        and campaign.created_by_id == getattr(user, "pk", None)
        and user.has_perm("staffing.add_recoverycampaign")
    )


@transaction.atomic
def campaign_discard(*, campaign: RecoveryCampaign, user: Any = None) -> dict[str, Any]:
    """Discard a preview: the campaign, its lines and its skipped institutions are deleted, and
    one audit row keeps what it was. Only its author or an approver may; an applied or reversed
    campaign cannot be discarded (its transfers are facts: reverse it instead). Returns what was
    discarded (the audit row's ``before``)."""
    locked = _locked(campaign)
    if not campaign_may_discard(user, locked):
        raise permissions.NotPermitted(
            _("只有预览的创建人或具有批准权限的用户可以放弃收回行动的预览。")
        )
    permissions.check_jurisdictions_in_scope(user, [locked.jurisdiction.code])
    if locked.status != CampaignStatus.PREVIEW:
        raise RegistryError(
            _("收回行动的状态为“%(status)s”，不能放弃：只有预览可以放弃，已执行的只能冲回。")
            % {"status": locked.get_status_display()}
        )
    before = {
        **_campaign_snapshot(locked),
        "created_by": getattr(locked.created_by, "username", None),
        "lines": locked.lines.count(),
        "skipped": locked.skips.count(),
    }
    audit.record("discard", locked, before=before)
    locked.delete()  # its lines and skipped institutions go with it; a preview has no transfers
    return before


@transaction.atomic
def campaign_apply(*, campaign: RecoveryCampaign, user: Any = None) -> RecoveryCampaign:
    """Apply a previewed campaign: recompute its plan on the current ledger (the stored lines
    are replaced by what is applied) and move every amount into the pool, in one transaction."""
    locked = _campaign_locked(campaign, user=user)
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
    lock_accounts([pool_id, *unit_accounts(unit_ids, create=False).values()])
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
    touched = rederive_from({line.unit_id for line in plan.lines}, locked.on)
    checked = [pool_id, *{plan.accounts[line.unit_id] for line in plan.lines}]
    check_ledger(checked, since=locked.on)
    if touched:
        check_ledger(touched)
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
    _announce(FeedKind.CAMPAIGN_APPLIED, locked, [line.unit_id for line in plan.lines])
    campaign.refresh_from_db()
    return locked


def _announce(kind: str, campaign: RecoveryCampaign, unit_ids: list[int]) -> None:
    """The feed entry of a campaign applied or reversed: its institutions and its pool's
    jurisdiction."""
    feed_append(
        kind,
        decision=campaign.decision_id,
        unit_ids=unit_ids,
        jurisdiction_ids=[campaign.jurisdiction_id],
        payload={
            "campaign": campaign.pk,
            "on": campaign.on.isoformat(),
            "kind": campaign.kind,
            "total": campaign.total,
        },
    )


@transaction.atomic
def campaign_reverse(*, campaign: RecoveryCampaign, user: Any = None) -> RecoveryCampaign:
    """Reverse an applied campaign: every one of its transfers gets a reversing transfer."""
    locked = _campaign_locked(campaign, user=user)
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
    lock_accounts(unit_accounts_ids | pool_ids)
    _insert_campaign_reversals(locked)
    touched = rederive_from(unit_ids_of_accounts(unit_accounts_ids), locked.on)
    check_ledger(unit_accounts_ids | pool_ids, since=locked.on)
    if touched:
        check_ledger(touched)
    locked.status = CampaignStatus.REVERSED
    locked.reversed_at = timezone.now()
    locked.save(update_fields=["status", "reversed_at"])
    audit.record("reverse", locked, after=_campaign_snapshot(locked))
    _announce(
        FeedKind.CAMPAIGN_REVERSED,
        locked,
        list(locked.lines.order_by().values_list("unit_id", flat=True)),
    )
    campaign.refresh_from_db()
    return locked
