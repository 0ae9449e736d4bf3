"""Codes of DESIGN §3 with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuotaKindCode(models.TextChoices):
    INSTITUTION = "institution", _("事业编制")
    ADMINISTRATIVE = "administrative", _("行政编制")
    LOGISTICS = "logistics", _("工勤编制")
    LEADER_CHIEF = "leader_chief", _("正职领导职数")
    LEADER_DEPUTY = "leader_deputy", _("副职领导职数")
    LEADER_SECTION = "leader_section", _("科级领导职数")


# Leadership posts (领导职数) are quotas of their own kinds.
LEADERSHIP_KINDS = (
    QuotaKindCode.LEADER_CHIEF,
    QuotaKindCode.LEADER_DEPUTY,
    QuotaKindCode.LEADER_SECTION,
)
STAFF_KINDS = (
    QuotaKindCode.INSTITUTION,
    QuotaKindCode.ADMINISTRATIVE,
    QuotaKindCode.LOGISTICS,
)


class AccountType(models.TextChoices):
    UNIT = "unit", _("机构")
    POOL = "pool", _("编制周转池")
    EXTERNAL = "external", _("上级（外部）")


class TransferReason(models.TextChoices):
    GRANT = "grant", _("核定")
    ESTABLISH = "establish", _("新设核定")
    REFORM = "reform", _("改革划转")
    RECOVERY = "recovery", _("收回")
    PRE_COLLECTION = "pre_collection", _("预收")
    REALLOCATION = "reallocation", _("调剂")
    RETURN = "return", _("上交")
    REVERSAL = "reversal", _("冲正")


class CampaignStatus(models.TextChoices):
    PREVIEW = "preview", _("预览")
    APPLIED = "applied", _("已执行")
    REVERSED = "reversed", _("已冲回")


class CampaignRule(models.TextChoices):
    SHARE_OF_VACANCY = "share_of_vacancy", _("规则一：按比例收回空编")
    REMAINING_VACANCY = "remaining_vacancy", _("规则二：经营类、未分类、有经营职能的收回全部空编")
    PRE_COLLECTION = "pre_collection", _("规则三：承担市场可替代职能的预收全部编制")


class Rounding(models.TextChoices):
    FLOOR = "floor", _("向下取整")
    HALF_UP = "half_up", _("四舍五入")
    CEILING = "ceiling", _("向上取整")
