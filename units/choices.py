"""Codes of DESIGN §2 with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class JurisdictionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    ZONE = "zone", _("开发区")


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("机关")
    INSTITUTION = "institution", _("事业单位")


class Category(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("承担行政职能")
    PUBLIC_WELFARE_1 = "public_welfare_1", _("公益一类")
    PUBLIC_WELFARE_2 = "public_welfare_2", _("公益二类")
    BUSINESS = "business", _("从事生产经营活动")
    UNCLASSIFIED = "unclassified", _("未分类")


class Rank(models.TextChoices):
    BUREAU = "bureau", _("正厅局级")
    DEPUTY_BUREAU = "deputy_bureau", _("副厅局级")
    DIVISION = "division", _("正处级")
    DEPUTY_DIVISION = "deputy_division", _("副处级")
    SECTION = "section", _("正科级")
    DEPUTY_SECTION = "deputy_section", _("副科级")
    OFFICE = "office", _("股级")
    UNRANKED = "unranked", _("不定级")


class Funding(models.TextChoices):
    FULL = "full", _("全额拨款")
    PARTIAL = "partial", _("差额拨款")
    SELF = "self", _("自收自支")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已批准")
    REVOKED = "revoked", _("已撤回")


class EventType(models.TextChoices):
    ESTABLISH = "establish", _("设立")
    ABOLISH = "abolish", _("撤销")
    TRANSFORM = "transform", _("转企改制")
    MERGE = "merge", _("合并")
    ABSORB = "absorb", _("并入")
    SPLIT = "split", _("分设")
    CHANGE = "change", _("变更")


class ParticipantRole(models.TextChoices):
    SOURCE = "source", _("来源")
    TARGET = "target", _("目标")


class PowerDecider(models.TextChoices):
    """Which side decides a matter of a power list (政事权限清单)."""

    DEPARTMENT = "department", _("主管部门")
    INSTITUTION = "institution", _("事业单位")


class DocumentKind(models.TextChoices):
    SANDING = "sanding", _("“三定”规定")
    POWER_LIST = "power_list", _("政事权限清单")
    CHARTER = "charter", _("章程")
    OTHER = "other", _("其他")


# Event types whose (new) targets start on the effective date.
TYPES_CREATING_TARGETS = {EventType.ESTABLISH, EventType.MERGE, EventType.SPLIT}
# Event types whose sources end on the effective date.
TYPES_ENDING_SOURCES = {
    EventType.ABOLISH,
    EventType.TRANSFORM,
    EventType.MERGE,
    EventType.ABSORB,
    EventType.SPLIT,
}
# Event types that draw lineage edges (predecessor -> successor).
TYPES_WITH_LINEAGE = {EventType.MERGE, EventType.ABSORB, EventType.SPLIT, EventType.TRANSFORM}


def choices_text(choices: type[models.TextChoices]) -> str:
    """The codes of a choices class with their labels, as a clerk reads them:
    ``full/全额拨款、partial/差额拨款、self/自收自支``."""
    return gettext("、").join(f"{code}/{label}" for code, label in choices.choices)


def unknown_code_message(
    choices: type[models.TextChoices], name: object, column: str, value: object
) -> str:
    """What to say of a value that is not one of the codes of a column."""
    return gettext("“%(value)s”不是有效的%(name)s（%(column)s）：可填 %(choices)s。") % {
        "value": value,
        "name": name,
        "column": column,
        "choices": choices_text(choices),
    }


class FeedKind(models.TextChoices):
    """The kinds of change the feed reports (DESIGN §9), named as webhook event types are."""

    DECISION_APPROVED = "decision.approved", _("决定批准")
    DECISION_REVOKED = "decision.revoked", _("决定撤回")
    UNIT_REGISTERED = "unit.registered", _("机构登记")
    TRANSFER_POSTED = "transfer.posted", _("编制划转")
    TRANSFER_REVERSED = "transfer.reversed", _("划转冲正")
    HEADCOUNT_REPORTED = "headcount.reported", _("实有人数报告")
    CAMPAIGN_APPLIED = "campaign.applied", _("收回行动执行")
    CAMPAIGN_REVERSED = "campaign.reversed", _("收回行动冲回")
    DOCUMENT_ADDED = "document.added", _("机构文件印发")
    DOCUMENT_REPLACED = "document.replaced", _("机构文件替换")
    DOCUMENT_WITHDRAWN = "document.withdrawn", _("机构文件废止")
