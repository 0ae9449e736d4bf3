"""Domain model of the registry core (DESIGN §2).

A Unit is only an identity. Everything that can change lives in UnitVersion rows, which are
derived from approved events (and from registrations of units that existed before the registry
started). Services in ``units.services`` are the only writers.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Ord, Substr
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.restrict import RestrictedManager, is_restricted, own_rows, visible_values

from .choices import (
    Category,
    DecisionStatus,
    DocumentKind,
    EventType,
    FeedKind,
    Funding,
    JurisdictionLevel,
    ParticipantRole,
    PowerDecider,
    Rank,
    UnitKind,
)
from .rules import CODE_FIELD_LABELS, decision_number_key
from .validators import division_code_validator, unit_key_validator, validate_credit_code


def _in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


def _six_digits(field: str) -> Q:
    """Exactly six characters, each of them 0-9 (by code point, whatever the collation)."""
    condition = Q(Exact(Length(field), 6))
    for i in range(1, 7):
        code_point = Ord(Substr(field, i, 1))
        condition &= Q(GreaterThanOrEqual(code_point, 48)) & Q(LessThanOrEqual(code_point, 57))
    return condition


class Jurisdiction(models.Model):
    """An administrative division (行政区划): province, city, county or development zone."""

    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[division_code_validator]
    )
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级行政区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    level = models.CharField(_("层级"), max_length=16, choices=JurisdictionLevel.choices)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=_six_digits("code"),
                name="%(app_label)s_%(class)s_code_six_digits",
                violation_error_message=_("行政区划代码必须是6位数字。"),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="%(app_label)s_%(class)s_name_not_empty",
                violation_error_message=_("行政区划名称不能为空。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("level", JurisdictionLevel),
                name="%(app_label)s_%(class)s_level_valid",
                violation_error_message=_("未知的行政区划层级。"),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="%(app_label)s_%(class)s_not_own_parent",
                violation_error_message=_("行政区划不能是自己的上级。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    # A user limited to jurisdictions reads those and the ones below them.
    restricted_by = "units.permissions.jurisdictions_restriction"


class InstitutionCap(models.Model):
    """The institution cap (机构限额) of a jurisdiction, in force from a date."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="caps"
    )
    valid_from = models.DateField(_("起始日期"))
    cap = models.PositiveIntegerField(_("机构限额"))
    decision = models.ForeignKey(
        "Decision",
        verbose_name=_("依据文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caps",
    )

    objects = RestrictedManager()
    restricted_through = "jurisdiction"

    class Meta:
        verbose_name = _("机构限额")
        verbose_name_plural = _("机构限额")
        ordering = ["jurisdiction__code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "valid_from"],
                name="%(app_label)s_%(class)s_one_per_date",
                violation_error_message=_("该行政区划在同一日期已有机构限额。"),
            ),
            models.CheckConstraint(
                condition=Q(cap__gte=0),
                name="%(app_label)s_%(class)s_cap_not_negative",
                violation_error_message=_("机构限额不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction.name} {self.valid_from}: {self.cap}"


class Unit(models.Model):
    """One identity for every organization, whatever happens to it."""

    key = models.CharField(_("标识"), max_length=100, unique=True, validators=[unit_key_validator])
    kind = models.CharField(_("类别"), max_length=16, choices=UnitKind.choices)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", UnitKind),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的机构类别。"),
            ),
            models.CheckConstraint(
                condition=~Q(key=""),
                name="%(app_label)s_%(class)s_key_not_empty",
                violation_error_message=_("机构标识不能为空。"),
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return reverse("units:unit-detail", kwargs={"key": self.key})

    # A unit is read within the jurisdiction of its latest version (or, before it has one, the
    # jurisdiction it is born in).
    restricted_by = "units.permissions.units_restriction"


class UnitRegistration(models.Model):
    """A unit registered as existing from a date (not created by an event): its state at birth."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="registration"
    )
    established_on = models.DateField(_("成立日期"))
    attributes = models.JSONField(_("初始属性"), default=dict)

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("存量登记")
        verbose_name_plural = _("存量登记")
        ordering = ["established_on", "unit__key"]

    def __str__(self) -> str:
        return f"{self.unit.key} @ {self.established_on}"


class UnitVersion(models.Model):
    """The state of a unit over [valid_from, valid_to); derived from events, never edited."""

    # Display values that pages and the API set on fetched versions (not columns).
    parent_name: str | None
    changed: list[str]

    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="versions"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=UnitKind.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=100, blank=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # units_version_juris_kind_asof starts with it
    )
    parent = models.ForeignKey(
        Unit,
        verbose_name=_("主管部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="child_versions",
        db_index=False,  # units_version_parent_asof starts with it
    )
    category = models.CharField(
        CODE_FIELD_LABELS["category"], max_length=20, choices=Category.choices, blank=True
    )
    rank = models.CharField(
        CODE_FIELD_LABELS["rank"], max_length=20, choices=Rank.choices, blank=True
    )
    funding = models.CharField(
        CODE_FIELD_LABELS["funding"], max_length=10, choices=Funding.choices, blank=True
    )
    sector = models.CharField(_("行业领域"), max_length=100, blank=True)
    business_functions = models.BooleanField(_("有经营职能"), default=False)
    market_replaceable = models.BooleanField(_("承担市场可替代职能"), default=False)
    pending_wind_down = models.BooleanField(_("待消化"), default=False)
    functions = models.TextField(_("主要职能"), blank=True)
    internal_bodies = models.PositiveIntegerField(_("内设机构数"), default=0)
    opened_by = models.ForeignKey(
        "Event",
        verbose_name=_("开始于事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opened_versions",
    )
    closed_by = models.ForeignKey(
        "Event",
        verbose_name=_("结束于事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_versions",
    )

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("机构版本")
        verbose_name_plural = _("机构版本")
        ordering = ["unit_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__lt=F("valid_to")),
                name="%(app_label)s_%(class)s_valid_from_before_valid_to",
                violation_error_message=_("起始日期必须早于终止日期。"),
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(valid_to__isnull=True),
                name="%(app_label)s_%(class)s_one_open_version",
                violation_error_message=_("一个机构只能有一个未结束的版本。"),
            ),
            models.UniqueConstraint(
                fields=["unit", "valid_from"],
                name="%(app_label)s_%(class)s_one_version_per_date",
                violation_error_message=_("一个机构在同一日期只能开始一个版本。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", UnitKind),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的机构类别。"),
            ),
            models.CheckConstraint(
                condition=Q(category="") | _in_choices("category", Category),
                name="%(app_label)s_%(class)s_category_valid",
                violation_error_message=_("未知的事业单位类别。"),
            ),
            models.CheckConstraint(
                condition=Q(rank="") | _in_choices("rank", Rank),
                name="%(app_label)s_%(class)s_rank_valid",
                violation_error_message=_("未知的机构规格。"),
            ),
            models.CheckConstraint(
                condition=Q(funding="") | _in_choices("funding", Funding),
                name="%(app_label)s_%(class)s_funding_valid",
                violation_error_message=_("未知的经费形式。"),
            ),
            # The stubs type ``Q | <lookup>`` as Combinable; at run time it is a Q.
            models.CheckConstraint(  # type: ignore[call-overload]
                condition=Q(credit_code="") | Exact(Length("credit_code"), 18),
                name="%(app_label)s_%(class)s_credit_code_length",
                violation_error_message=_("统一社会信用代码应为18位。"),
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("unit")),
                name="%(app_label)s_%(class)s_not_own_parent",
                violation_error_message=_("机构不能主管自己。"),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="%(app_label)s_%(class)s_name_not_empty",
                violation_error_message=_("机构名称不能为空。"),
            ),
        ]
        indexes = [
            # As-of counts and lists: jurisdiction + kind, then the interval (it also serves
            # the jurisdiction foreign key). On PostgreSQL it carries what a count per
            # department reads, for index-only scans.
            models.Index(
                fields=["jurisdiction", "kind", "valid_from", "valid_to"],
                name="units_version_juris_kind_asof",
                include=["parent", "category", "pending_wind_down"],
            ),
            # Institutions per supervising department on a date (and the parent foreign key).
            models.Index(
                fields=["parent", "valid_from", "valid_to"], name="units_version_parent_asof"
            ),
            models.Index(fields=["valid_from", "valid_to"], name="units_version_asof"),
            models.Index(fields=["name"], name="units_version_name"),
            models.Index(fields=["credit_code"], name="units_version_credit_code"),
        ]

    def __str__(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.name} [{self.valid_from.isoformat()}, {end})"

    # The versions of a unit are read with the unit (the whole history of a unit in scope,
    # nothing of one outside).
    restricted_by = "units.permissions.versions_restriction"


class Decision(models.Model):
    """A reform decision (决定/文件). Only approved decisions change the registry.

    ``number_key`` is the number in the form numbers are compared in
    (``units.rules.decision_number_key``), kept with it on every save: two decisions whose
    numbers differ only in their brackets, widths or spaces cannot both be stored."""

    number = models.CharField(_("文号"), max_length=100, unique=True)
    number_key = models.CharField(_("文号（比较形式）"), max_length=200, editable=False)
    title = models.CharField(_("标题"), max_length=300)
    issuer = models.CharField(_("发文机关"), max_length=200, blank=True)
    issued_on = models.DateField(_("发文日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("改革决定")
        verbose_name_plural = _("改革决定")
        ordering = ["-issued_on", "number"]
        permissions = [("approve_decision", _("可以批准和撤回改革决定"))]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("status", DecisionStatus),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message=_("未知的决定状态。"),
            ),
            models.CheckConstraint(
                condition=~Q(number=""),
                name="%(app_label)s_%(class)s_number_not_empty",
                violation_error_message=_("文号不能为空。"),
            ),
            models.CheckConstraint(
                condition=Q(status=DecisionStatus.DRAFT) | Q(approved_at__isnull=False),
                name="%(app_label)s_%(class)s_approved_has_time",
                violation_error_message=_("已批准或已撤回的决定必须有批准时间。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=DecisionStatus.REVOKED) | Q(revoked_at__isnull=False),
                name="%(app_label)s_%(class)s_revoked_has_time",
                violation_error_message=_("已撤回的决定必须有撤回时间。"),
            ),
            models.UniqueConstraint(
                fields=["number_key"],
                name="%(app_label)s_%(class)s_number_key_unique",
                violation_error_message=_("已有文号相同的决定（不计括号、全角半角和空格的差别）。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.number_key = decision_number_key(self.number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "number_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("units:decision-detail", kwargs={"pk": self.pk})

    @property
    def is_approved(self) -> bool:
        return self.status == DecisionStatus.APPROVED

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """A decision is read when one of its events is (it touches a unit the user reads), or
        when the user created it."""
        events = visible_values(Event, user, "decision_id")
        return None if events is None else own_rows(user, "created_by") | Q(pk__in=events)


def _attachment_path(instance: "DecisionAttachment", filename: str) -> str:
    return f"decisions/{instance.decision_id}/{filename}"


class DecisionAttachment(models.Model):
    """A file attached to a decision (the document itself, usually as PDF)."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("决定"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    file = models.FileField(_("文件"), upload_to=_attachment_path)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = RestrictedManager()
    restricted_through = "decision"

    class Meta:
        verbose_name = _("决定附件")
        verbose_name_plural = _("决定附件")
        ordering = ["decision", "uploaded_at"]

    def __str__(self) -> str:
        return self.title or self.file.name


class Event(models.Model):
    """A reform item (改革事项) of one decision: what happens to which units on which date."""

    # Display values that the API sets on fetched events (not columns).
    label: str
    role: str

    decision = models.ForeignKey(
        Decision, verbose_name=_("决定"), on_delete=models.CASCADE, related_name="events"
    )
    key = models.CharField(_("标识"), max_length=100, unique=True, validators=[unit_key_validator])
    type = models.CharField(_("事项类型"), max_length=12, choices=EventType.choices)
    effective_on = models.DateField(_("生效日期"))
    attributes = models.JSONField(
        _("设定的属性"),
        default=dict,
        blank=True,
        help_text=_("变更（change）和并入（absorb）事项为延续的机构设定的属性。"),
    )
    note = models.TextField(_("说明"), blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("改革事项")
        verbose_name_plural = _("改革事项")
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("type", EventType),
                name="%(app_label)s_%(class)s_type_valid",
                violation_error_message=_("未知的事项类型。"),
            ),
            models.CheckConstraint(
                condition=~Q(key=""),
                name="%(app_label)s_%(class)s_key_not_empty",
                violation_error_message=_("事项标识不能为空。"),
            ),
        ]
        indexes = [models.Index(fields=["effective_on"], name="units_event_effective_on")]

    def __str__(self) -> str:
        # The label of the type, as get_type_display() gives it, without rebuilding the
        # choices on every call (bulk writes name thousands of events in the audit trail).
        try:
            label = str(EventType(self.type).label)
        except ValueError:
            label = self.type
        return f"{self.key}（{label}，{self.effective_on.isoformat()}）"

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """An event is read when it touches a unit the user reads; of its units, the user reads
        only those (``EventParticipant``)."""
        parts = visible_values(EventParticipant, user, "event_id")
        return None if parts is None else Q(pk__in=parts)


class EventParticipant(models.Model):
    """A unit taking part in an event, as source (ends or changes) or target (starts/continues).

    ``creates`` marks a new target: the event that brings the unit into being; ``attributes``
    then hold the unit's state at birth.
    """

    event = models.ForeignKey(
        Event, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="participants"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("角色"), max_length=8, choices=ParticipantRole.choices)
    creates = models.BooleanField(_("新设"), default=False)
    attributes = models.JSONField(_("成立时属性"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("事项涉及机构")
        verbose_name_plural = _("事项涉及机构")
        ordering = ["event", "role", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "unit"],
                name="%(app_label)s_%(class)s_unit_once_per_event",
                violation_error_message=_("同一机构不能在一个事项中出现两次（不能并入自己）。"),
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(creates=True),
                name="%(app_label)s_%(class)s_created_once",
                violation_error_message=_("一个机构只能由一个事项设立。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("role", ParticipantRole),
                name="%(app_label)s_%(class)s_role_valid",
                violation_error_message=_("未知的角色。"),
            ),
            models.CheckConstraint(
                condition=Q(creates=False) | Q(role=ParticipantRole.TARGET),
                name="%(app_label)s_%(class)s_only_targets_created",
                violation_error_message=_("只有目标机构可以是新设的。"),
            ),
        ]
        indexes = [models.Index(fields=["unit", "role"], name="units_participant_unit_role")]

    def __str__(self) -> str:
        return f"{self.event.key}: {self.get_role_display()} {self.unit.key}"


def _document_path(instance: "UnitDocument", filename: str) -> str:
    """Under MEDIA_ROOT, by unit, under a name nobody can guess (the file is served only
    through the view that checks the reader may read the unit)."""
    return f"documents/{instance.unit_id}/{uuid.uuid4().hex}.pdf"


class UnitDocument(models.Model):
    """A dated document of a unit (机构文件): 三定 rules, power list (政事权限清单), charter (章程) …

    A newer document of the same kind supersedes the older one from its effective date; which
    one is in force on a date is ``units.selectors.documents.documents_in_force``. A withdrawn
    document (废止) is no longer in force from ``withdrawn_on``. ``number_key`` is the number in
    the form numbers are compared in (``units.rules.decision_number_key``), kept on every save.
    Written only by ``units.services.documents``."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("文件类型"), max_length=24, choices=DocumentKind.choices)
    number = models.CharField(_("文号"), max_length=100, blank=True)
    number_key = models.CharField(
        _("文号（比较形式）"), max_length=200, blank=True, editable=False, db_index=True
    )
    title = models.CharField(_("标题"), max_length=300)
    issued_on = models.DateField(_("印发日期"))
    effective_from = models.DateField(_("生效日期"))
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("依据文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unit_documents",
    )
    file = models.FileField(_("文件（PDF）"), upload_to=_document_path, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("替换的文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    withdrawn_on = models.DateField(_("废止日期"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("废止人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.CharField(_("废止原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    # Display value that the history selector sets on fetched documents (not a column).
    status: str

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("机构文件")
        verbose_name_plural = _("机构文件")
        ordering = ["unit", "kind", "-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", DocumentKind),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的文件类型。"),
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="%(app_label)s_%(class)s_title_not_empty",
                violation_error_message=_("文件标题不能为空。"),
            ),
            models.CheckConstraint(
                condition=Q(effective_from__gte=F("issued_on")),
                name="%(app_label)s_%(class)s_effective_after_issued",
                violation_error_message=_("生效日期不能早于印发日期。"),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("issued_on")),
                name="%(app_label)s_%(class)s_withdrawn_after_issued",
                violation_error_message=_("废止日期不能早于印发日期。"),
            ),
            models.UniqueConstraint(
                fields=["unit", "kind", "effective_from"],
                condition=Q(withdrawn_on__isnull=True),
                name="%(app_label)s_%(class)s_one_per_kind_and_date",
                violation_error_message=_("该机构已有同一类型、同一生效日期的文件。"),
            ),
            models.UniqueConstraint(
                fields=["unit", "number_key"],
                condition=~Q(number_key=""),
                name="%(app_label)s_%(class)s_number_once_per_unit",
                violation_error_message=_("该机构已有文号相同的文件。"),
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "kind", "effective_from"], name="units_document_unit_kind_from"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.number_key = decision_number_key(self.number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "number_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("units:document-file", kwargs={"pk": self.pk})


class PowerListItem(models.Model):
    """One matter of a power list (政事权限清单): what, on which basis, and which side decides
    (the supervising department or the institution)."""

    document = models.ForeignKey(
        UnitDocument, verbose_name=_("权限清单"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField(_("序号"), default=0)
    matter = models.CharField(_("事项"), max_length=300)
    basis = models.TextField(_("依据"), blank=True)
    decides = models.CharField(_("决定方"), max_length=12, choices=PowerDecider.choices)

    objects = RestrictedManager()
    restricted_through = "document"

    class Meta:
        verbose_name = _("权限清单事项")
        verbose_name_plural = _("权限清单事项")
        ordering = ["document", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("decides", PowerDecider),
                name="%(app_label)s_%(class)s_decides_valid",
                violation_error_message=_("未知的决定方。"),
            ),
            models.CheckConstraint(
                condition=~Q(matter=""),
                name="%(app_label)s_%(class)s_matter_not_empty",
                violation_error_message=_("事项不能为空。"),
            ),
        ]

    def __str__(self) -> str:
        return self.matter


class SearchGramsField(models.TextField):
    """The n-grams of a search text as quoted lexemes (``'住建' '建局'``): a text-search vector on
    PostgreSQL, where a GIN index holds them; plain text elsewhere (an FTS5 table indexes it on
    SQLite)."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "tsvector"
        return super().db_type(connection)


class UnitSearchEntry(models.Model):
    """The searchable texts of one unit in one tier — its current name, short name, credit code
    and key, or its former names, short names and credit codes — with their character n-grams:
    the index of search (DESIGN §6). Kept by the derivation whenever versions are stored."""

    CURRENT = 0
    FORMER = 1

    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="search_entries"
    )
    tier = models.PositiveSmallIntegerField(
        _("层次"), choices=[(CURRENT, _("现用名称")), (FORMER, _("曾用名称"))]
    )
    text = models.TextField(_("检索文本"))
    grams = SearchGramsField(_("字元"))

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "tier"],
                name="%(app_label)s_%(class)s_once_per_tier",
                violation_error_message=_("每个机构每一层次只有一个检索条目。"),
            ),
            models.CheckConstraint(
                condition=models.Q(tier__in=[0, 1]),
                name="%(app_label)s_%(class)s_tier_valid",
                violation_error_message=_("未知的检索层次。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.tier}"


class AuditEntry(models.Model):
    """One write to the registry: who, when, which request, what object, before and after."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.CharField(
        _("操作者"), max_length=150, help_text=_("用户名，或执行写入的命令名称。")
    )
    request_id = models.CharField(_("请求标识"), max_length=64, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=40)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象标识"), max_length=100)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="units_audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_repr}"

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """A user limited to jurisdictions reads the entries of their own writes only (an entry
        names whatever it wrote, in any jurisdiction)."""
        return own_rows(user, "user") if is_restricted(Jurisdiction, user) else None


class JurisdictionScope(models.Model):
    """Limits a user to a jurisdiction and its subdivisions. A user with no scope row is not
    limited; with one or more, sees and edits only units of those jurisdictions and below."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="jurisdiction_scopes",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("行政区划"), on_delete=models.CASCADE, related_name="+"
    )

    objects = RestrictedManager()
    restricted_through = "jurisdiction"

    class Meta:
        verbose_name = _("管辖范围")
        verbose_name_plural = _("管辖范围")
        ordering = ["user", "jurisdiction__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "jurisdiction"],
                name="%(app_label)s_%(class)s_once_per_user",
                violation_error_message=_("该用户已有此管辖范围。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.jurisdiction}"


class _KindManager(RestrictedManager):
    """Units of one kind only."""

    def __init__(self, kind: str | None = None):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.filter(kind=self.kind) if self.kind else qs


class NamedUnit(Unit):
    """A unit shown by its current name where a query annotated it (``current_name``)."""

    class Meta:
        proxy = True
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["key"]

    def __str__(self) -> str:
        name = getattr(self, "current_name", None)
        label = f"{name}（{self.key}）" if name else self.key
        if getattr(self, "current_ended", False) and not getattr(self, "current_active", True):
            label += str(_("（已终止）"))
        return label


class Department(NamedUnit):
    """The admin screen of government departments (机关): units of kind ``department``."""

    # The stubs declare ``objects`` a ClassVar of the base model; a proxy narrowing it is fine.
    objects = _KindManager(UnitKind.DEPARTMENT)  # type: ignore[misc]

    class Meta:
        proxy = True
        verbose_name = _("机关部门")
        verbose_name_plural = _("机关部门")
        ordering = ["key"]


class Institution(NamedUnit):
    """The admin screen of public institutions (事业单位): units of kind ``institution``."""

    # The stubs declare ``objects`` a ClassVar of the base model; a proxy narrowing it is fine.
    objects = _KindManager(UnitKind.INSTITUTION)  # type: ignore[misc]

    class Meta:
        proxy = True
        verbose_name = _("事业单位")
        verbose_name_plural = _("事业单位")
        ordering = ["key"]


# ---------------------------------------------------------------------------------------------
# The outbox: the change feed (DESIGN §9)
# ---------------------------------------------------------------------------------------------


class FeedCounter(models.Model):
    """The one row holding the last ``seq`` given to a feed entry. Each append increments it in
    the writer's transaction, so the row stays locked until that transaction ends: entries are
    numbered in the order their transactions commit, and a rolled-back one leaves no gap."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(_("最后序号"), default=0)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("变更序号")
        verbose_name_plural = _("变更序号")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1),
                name="%(app_label)s_%(class)s_one_row",
                violation_error_message=_("变更序号只有一行。"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.last_seq)

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """Bookkeeping of the feed: read by no user limited to jurisdictions."""
        return Q(pk__in=[]) if is_restricted(Jurisdiction, user) else None


class FeedEntry(models.Model):
    """One change of what the registry says, appended in the transaction that made it: its
    gap-free ``seq`` (in commit order), a stable ``uid`` (the ``webhook-id`` of its
    deliveries), the kind of change, the decision, the units and jurisdictions it touches, the
    time and a JSON payload."""

    seq = models.BigIntegerField(_("序号"), primary_key=True)
    uid = models.UUIDField(_("标识"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("变更类型"), max_length=32, choices=FeedKind.choices)
    at = models.DateTimeField(_("时间"))
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("决定"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feed_entries",
    )
    payload = models.JSONField(_("内容"), default=dict, blank=True)

    # Display values that the feed's selector sets on fetched entries (not columns): what of
    # the entry the reading user may see.
    unit_keys: list[str]
    jurisdiction_codes: list[str]
    decision_number: str | None

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seq__gt=0),
                name="%(app_label)s_%(class)s_seq_positive",
                violation_error_message=_("变更序号必须大于零。"),
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", FeedKind),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的变更类型。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.kind}"

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """An entry is read when it touches a unit the user reads, or a jurisdiction the user
        reads (an entry about a pool names the pool's jurisdiction, not a unit); of its units
        and jurisdictions, the user reads only those (``FeedEntryUnit``,
        ``FeedEntryJurisdiction``)."""
        units = visible_values(FeedEntryUnit, user, "entry_id")
        if units is None:
            return None
        jurisdictions = visible_values(FeedEntryJurisdiction, user, "entry_id")
        return Q(pk__in=units) | Q(pk__in=jurisdictions)


class FeedEntryUnit(models.Model):
    """A unit a feed entry touches."""

    entry = models.ForeignKey(
        FeedEntry, verbose_name=_("变更记录"), on_delete=models.CASCADE, related_name="unit_links"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="feed_links"
    )

    objects = RestrictedManager()
    restricted_through = "unit"

    class Meta:
        verbose_name = _("变更涉及机构")
        verbose_name_plural = _("变更涉及机构")
        ordering = ["entry", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "unit"],
                name="%(app_label)s_%(class)s_once_per_entry",
                violation_error_message=_("同一机构在一条变更记录中只出现一次。"),
            ),
        ]
        indexes = [models.Index(fields=["unit", "entry"], name="units_feed_unit_entry")]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.unit_id}"


class FeedEntryJurisdiction(models.Model):
    """A jurisdiction a feed entry touches (a pool's, a campaign's)."""

    entry = models.ForeignKey(
        FeedEntry,
        verbose_name=_("变更记录"),
        on_delete=models.CASCADE,
        related_name="jurisdiction_links",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )

    objects = RestrictedManager()
    restricted_through = "jurisdiction"

    class Meta:
        verbose_name = _("变更涉及行政区划")
        verbose_name_plural = _("变更涉及行政区划")
        ordering = ["entry", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "jurisdiction"],
                name="%(app_label)s_%(class)s_once_per_entry",
                violation_error_message=_("同一行政区划在一条变更记录中只出现一次。"),
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "entry"], name="units_feed_jurisdiction_entry")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.jurisdiction_id}"
