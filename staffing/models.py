"""Staffing quotas (编制): the double-entry ledger, headcounts and recovery campaigns (DESIGN §3).

Quotas are never edited in place. Every change is a ``Transfer`` between two ``Account`` rows
(a unit, a jurisdiction's pool, or the one ``external`` account), authorised by a decision; a
balance is the sum of the transfers up to a date, so the sum of all balances is zero by
construction. Services in ``staffing.services`` are the only writers.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.restrict import RestrictedManager, RestrictedQuerySet, restriction, visible_values
from units.models import Decision, Event, Jurisdiction, Unit

from .choices import (
    LEADERSHIP_KINDS,
    AccountType,
    CampaignRule,
    CampaignStatus,
    QuotaKindCode,
    Rounding,
    TransferReason,
)


def _in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class QuotaKind(models.Model):
    """A kind of quota (编制类型): the three staff kinds and the three leadership posts.

    The rows are reference data created by a migration; ledger rows carry the code itself,
    checked against the same list by a database constraint.
    """

    code = models.CharField(
        _("代码"), max_length=20, primary_key=True, choices=QuotaKindCode.choices
    )
    name = models.CharField(_("名称"), max_length=50)
    leadership = models.BooleanField(_("领导职数"), default=False)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("编制类型")
        verbose_name_plural = _("编制类型")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("code", QuotaKindCode),
                name="%(app_label)s_%(class)s_code_valid",
                violation_error_message=_("未知的编制类型。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def is_leadership(code: str) -> bool:
        return code in LEADERSHIP_KINDS

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """Reference data: every user reads every kind."""
        return None


class Account(models.Model):
    """A ledger account: one per unit, one pool (编制周转池) per jurisdiction, one external."""

    type = models.CharField(_("账户类型"), max_length=10, choices=AccountType.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quota_accounts",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quota_pools",
    )

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("编制账户")
        verbose_name_plural = _("编制账户")
        ordering = ["type", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(type=AccountType.UNIT, unit__isnull=False, jurisdiction__isnull=True)
                    | Q(type=AccountType.POOL, unit__isnull=True, jurisdiction__isnull=False)
                    | Q(type=AccountType.EXTERNAL, unit__isnull=True, jurisdiction__isnull=True)
                ),
                name="%(app_label)s_%(class)s_owner_matches_type",
                violation_error_message=_(
                    "机构账户只关联机构，周转池只关联行政区划，外部账户两者都不关联。"
                ),
            ),
            models.UniqueConstraint(
                fields=["unit"],
                name="%(app_label)s_%(class)s_one_per_unit",
                violation_error_message=_("每个机构只有一个编制账户。"),
            ),
            models.UniqueConstraint(
                fields=["jurisdiction"],
                name="%(app_label)s_%(class)s_one_pool_per_jurisdiction",
                violation_error_message=_("每个行政区划只有一个编制周转池。"),
            ),
            models.UniqueConstraint(
                fields=["type"],
                condition=Q(type=AccountType.EXTERNAL),
                name="%(app_label)s_%(class)s_one_external",
                violation_error_message=_("只有一个外部账户。"),
            ),
        ]

    def __str__(self) -> str:
        if self.type == AccountType.UNIT:
            return str(self.unit)
        if self.type == AccountType.POOL:
            assert self.jurisdiction is not None  # a check constraint: pools have one
            return f"pool:{self.jurisdiction.code}"
        return "external"

    @property
    def label(self) -> str:
        """The account as written in the workbook: a unit key, ``pool:CODE`` or ``external``."""
        return str(self)

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """A unit's account is read with its unit, a pool with its jurisdiction; the external
        account only by users not limited to jurisdictions."""
        units = visible_values(Unit, user)
        if units is None:
            return None
        return Q(unit__in=units) | Q(jurisdiction__in=visible_values(Jurisdiction, user))


class TransferQuerySet(RestrictedQuerySet):
    def counted(self) -> "TransferQuerySet":
        """Transfers that make balances: not planned (planned ones wait for their decision)."""
        return self.filter(planned=False)


class Transfer(models.Model):
    """One movement of quotas between two accounts on a date. Immutable: corrections are
    reversing transfers.

    ``derived`` transfers are the default moves of approved events (merge/absorb to the target,
    abolish/transform to the pool), re-derived like versions whenever what they depend on
    changes. Explicit transfers given for an event are stored ``planned`` while its decision is
    not approved and count only once it is.
    """

    date = models.DateField(_("日期"))
    kind = models.CharField(_("编制类型"), max_length=20, choices=QuotaKindCode.choices)
    amount = models.PositiveIntegerField(_("数量"))
    from_account = models.ForeignKey(
        Account, verbose_name=_("转出账户"), on_delete=models.PROTECT, related_name="outgoing"
    )
    to_account = models.ForeignKey(
        Account, verbose_name=_("转入账户"), on_delete=models.PROTECT, related_name="incoming"
    )
    # RESTRICT: a decision with transfers cannot be deleted, except a draft whose events (and
    # so their planned transfers) go with it.
    decision = models.ForeignKey(
        Decision, verbose_name=_("依据文件"), on_delete=models.RESTRICT, related_name="transfers"
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("改革事项"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="transfers",
    )
    campaign = models.ForeignKey(
        "RecoveryCampaign",
        verbose_name=_("收回行动"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    reason = models.CharField(_("事由"), max_length=16, choices=TransferReason.choices)
    derived = models.BooleanField(
        _("由事项推导"), default=False, help_text=_("改革事项的默认划转，随事项自动重算。")
    )
    planned = models.BooleanField(
        _("待批准"), default=False, help_text=_("所属决定尚未批准的事项划转，批准后才计入余额。")
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("冲正的划转"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("编制划转")
        verbose_name_plural = _("编制划转")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("划转数量必须大于零。"),
            ),
            models.CheckConstraint(
                condition=~Q(from_account=F("to_account")),
                name="%(app_label)s_%(class)s_distinct_accounts",
                violation_error_message=_("转出账户和转入账户不能相同。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("reason", TransferReason),
                name="%(app_label)s_%(class)s_reason_valid",
                violation_error_message=_("未知的划转事由。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", QuotaKindCode),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的编制类型。"),
            ),
            models.CheckConstraint(
                condition=Q(derived=False) | Q(event__isnull=False, reason=TransferReason.REFORM),
                name="%(app_label)s_%(class)s_derived_from_event",
                violation_error_message=_("推导的划转必须属于改革事项，事由为改革划转。"),
            ),
            models.CheckConstraint(
                condition=Q(planned=False) | Q(event__isnull=False, derived=False),
                name="%(app_label)s_%(class)s_planned_only_for_events",
                violation_error_message=_("只有改革事项的明确划转可以待批准。"),
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(reason=TransferReason.REVERSAL),
                name="%(app_label)s_%(class)s_reversal_reason",
                violation_error_message=_("冲正划转的事由必须是冲正。"),
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                name="%(app_label)s_%(class)s_reversed_once",
                violation_error_message=_("一笔划转只能冲正一次。"),
            ),
        ]
        indexes = [
            models.Index(fields=["from_account", "kind", "date"], name="staffing_transfer_from"),
            models.Index(fields=["to_account", "kind", "date"], name="staffing_transfer_to"),
            models.Index(fields=["date"], name="staffing_transfer_date"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.date.isoformat()} {self.kind} {self.amount}: "
            f"{self.from_account_id} → {self.to_account_id}"
        )

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """A transfer is read when the user reads both of its accounts, the external account
        counting as read (it names no unit): a transfer between a unit of the user's and an
        outside unit or pool is left out, so that it never names the outside one."""
        accounts = restriction(Account, user)
        if accounts is None:
            return None
        sides = Account._base_manager.filter(accounts | Q(type=AccountType.EXTERNAL))
        return Q(from_account__in=sides.values("pk"), to_account__in=sides.values("pk"))


class HeadcountReport(models.Model):
    """The actual number of staff (实有人数) of a unit for a quota kind on a date."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="headcounts"
    )
    kind = models.CharField(_("编制类型"), max_length=20, choices=QuotaKindCode.choices)
    as_of = models.DateField(_("统计日期"))
    actual = models.IntegerField(_("实有人数"))
    source = models.CharField(_("来源"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("实有人数")
        verbose_name_plural = _("实有人数")
        ordering = ["unit", "kind", "as_of"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actual__gte=0),
                name="%(app_label)s_%(class)s_actual_not_negative",
                violation_error_message=_("实有人数不能为负数。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", QuotaKindCode),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的编制类型。"),
            ),
            models.UniqueConstraint(
                fields=["unit", "kind", "as_of"],
                name="%(app_label)s_%(class)s_one_per_date",
                violation_error_message=_("该机构在同一日期已报告此类编制的实有人数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.kind} {self.as_of.isoformat()}: {self.actual}"


class RecoveryCampaign(models.Model):
    """A quota-recovery campaign (编制收回) over the institutions of one jurisdiction."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="recovery_campaigns",
    )
    on = models.DateField(_("日期"))
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("依据文件"),
        on_delete=models.PROTECT,
        related_name="recovery_campaigns",
    )
    kind = models.CharField(
        _("编制类型"),
        max_length=20,
        choices=QuotaKindCode.choices,
        default=QuotaKindCode.INSTITUTION,
    )
    share = models.DecimalField(_("收回比例"), max_digits=5, decimal_places=4, default=0.5)
    rounding = models.CharField(
        _("取整方式"), max_length=10, choices=Rounding.choices, default=Rounding.FLOOR
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PREVIEW
    )
    total = models.PositiveIntegerField(_("合计"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("冲回时间"), null=True, blank=True)

    objects = RestrictedManager()
    restricted_through = "jurisdiction"

    class Meta:
        verbose_name = _("编制收回行动")
        verbose_name_plural = _("编制收回行动")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1),
                name="%(app_label)s_%(class)s_share_in_range",
                violation_error_message=_("收回比例必须大于0且不超过1。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("status", CampaignStatus),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message=_("未知的收回行动状态。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("rounding", Rounding),
                name="%(app_label)s_%(class)s_rounding_valid",
                violation_error_message=_("未知的取整方式。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", QuotaKindCode),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的编制类型。"),
            ),
            models.CheckConstraint(
                condition=Q(status=CampaignStatus.PREVIEW) | Q(applied_at__isnull=False),
                name="%(app_label)s_%(class)s_applied_has_time",
                violation_error_message=_("已执行的收回行动必须有执行时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction.name} {self.on.isoformat()} {self.get_kind_display()}"


class CampaignLine(models.Model):
    """What one rule of a campaign recovers from one institution."""

    campaign = models.ForeignKey(
        RecoveryCampaign, verbose_name=_("收回行动"), on_delete=models.CASCADE, related_name="lines"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="campaign_lines"
    )
    rule = models.CharField(_("规则"), max_length=20, choices=CampaignRule.choices)
    balance = models.IntegerField(_("编制数"))
    actual = models.IntegerField(_("实有人数"))
    vacancy = models.IntegerField(_("空编数"))
    amount = models.PositiveIntegerField(_("收回数"))

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("收回明细")
        verbose_name_plural = _("收回明细")
        ordering = ["campaign", "unit__key", "rule"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("收回数必须大于零。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("rule", CampaignRule),
                name="%(app_label)s_%(class)s_rule_valid",
                violation_error_message=_("未知的收回规则。"),
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit", "rule"],
                name="%(app_label)s_%(class)s_once_per_rule",
                violation_error_message=_("同一机构在一次收回行动中每条规则只有一行。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.rule}: {self.amount}"


class CampaignSkip(models.Model):
    """An institution a campaign left out: no headcount report on or before its date."""

    campaign = models.ForeignKey(
        RecoveryCampaign, verbose_name=_("收回行动"), on_delete=models.CASCADE, related_name="skips"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="campaign_skips"
    )
    balance = models.IntegerField(_("编制数"), default=0)

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("未纳入的机构")
        verbose_name_plural = _("未纳入的机构")
        ordering = ["campaign", "unit__key"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                name="%(app_label)s_%(class)s_once",
                violation_error_message=_("同一机构在一次收回行动中只列一次。"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit)
