"""Serializers of the registry core: read-only, names as in DESIGN §2."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api import NOT_FOUND
from core.dates import ISODateSerializerField

from ..choices import Category, DecisionStatus, EventType, Funding, ParticipantRole, Rank, UnitKind
from ..models import (
    Decision,
    DecisionAttachment,
    Event,
    InstitutionCap,
    Jurisdiction,
    UnitVersion,
)
from ..rules import ATTRIBUTE_FIELDS, DIVISION_CODE_FORMAT, UNIT_KEY_FORMAT
from ..selectors.lineage import MAX_LINEAGE_DEPTH
from ..validators import division_code_validator, unit_key_validator


class InstitutionCapSerializer(serializers.ModelSerializer):
    decision = serializers.CharField(
        source="decision.number", allow_null=True, default=None, help_text=_("依据文件文号。")
    )

    class Meta:
        model = InstitutionCap
        fields = ["valid_from", "cap", "decision"]


class JurisdictionSerializer(serializers.ModelSerializer):
    # The stubs see DRF's own Field.parent attribute; declared fields are taken off the class.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.code", allow_null=True, default=None, help_text=_("上级行政区划代码。")
    )
    caps = InstitutionCapSerializer(many=True, read_only=True, help_text=_("机构限额（按日期）。"))

    class Meta:
        model = Jurisdiction
        fields = ["code", "name", "level", "parent", "caps"]


# A unit's state: its attributes, each reference followed by the name it names, and the span.
STATE_FIELDS = [
    named
    for field in ATTRIBUTE_FIELDS
    for named in ((field, f"{field}_name") if field in ("jurisdiction", "parent") else (field,))
] + ["valid_from", "valid_to"]


@extend_schema_serializer(description=_("机构在 [valid_from, valid_to) 期间的状态。"))
class VersionSerializer(serializers.ModelSerializer):
    """A unit's state over [valid_from, valid_to)."""

    jurisdiction = serializers.CharField(source="jurisdiction.code", help_text=_("行政区划代码。"))
    jurisdiction_name = serializers.CharField(source="jurisdiction.name")
    # The stubs see DRF's own Field.parent attribute; declared fields are taken off the class.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.key", allow_null=True, default=None, help_text=_("主管部门的机构标识。")
    )
    parent_name = serializers.SerializerMethodField(help_text=_("主管部门当日名称。"))
    category = serializers.ChoiceField(choices=[("", "")] + list(Category.choices))
    rank = serializers.ChoiceField(choices=[("", "")] + list(Rank.choices))
    funding = serializers.ChoiceField(choices=[("", "")] + list(Funding.choices))

    class Meta:
        model = UnitVersion
        fields = STATE_FIELDS

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent_name(self, version: UnitVersion) -> str | None:
        if version.parent_id is None:
            return None
        return getattr(version, "parent_name", None)


@extend_schema_serializer(description=_("机构列表的一行：机构及其在查询日期的状态。"))
class UnitStateSerializer(VersionSerializer):
    """One row of the unit list: the unit and its state on ``as_of``."""

    key = serializers.CharField(source="unit.key", help_text=_("机构标识（稳定的外部标识）。"))
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    url = serializers.SerializerMethodField()

    class Meta:
        model = UnitVersion
        fields = ["key", "kind", "url", *STATE_FIELDS]

    def get_url(self, version: UnitVersion) -> str:
        request = self.context.get("request")
        path = f"/api/v1/units/{version.unit.key}/"
        return request.build_absolute_uri(path) if request else path

    def to_representation(self, instance: UnitVersion) -> dict[str, Any]:
        """The same dict the declared fields give (they still describe the schema and the CSV
        columns), built directly: the unit list is the API's hottest read, and DRF's generic
        walk over 21 fields costs more than the SQL of the page."""
        version = instance
        parent = version.parent if version.parent_id is not None else None
        return {
            "key": version.unit.key,
            "kind": version.kind,
            "url": self.get_url(version),
            "name": version.name,
            "short_name": version.short_name,
            "credit_code": version.credit_code,
            "jurisdiction": version.jurisdiction.code,
            "jurisdiction_name": version.jurisdiction.name,
            "parent": parent.key if parent is not None else None,
            "parent_name": self.get_parent_name(version),
            "category": version.category,
            "rank": version.rank,
            "funding": version.funding,
            "sector": version.sector,
            "business_functions": version.business_functions,
            "market_replaceable": version.market_replaceable,
            "pending_wind_down": version.pending_wind_down,
            "functions": version.functions,
            "internal_bodies": version.internal_bodies,
            "valid_from": version.valid_from.isoformat(),
            "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        }

    def generic_representation(self, instance: UnitVersion) -> dict[str, Any]:
        """DRF's field-by-field representation, which ``to_representation`` must equal."""
        return dict(super().to_representation(instance))


class UnitDetailSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("机构标识。"))
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    as_of = serializers.DateField(help_text=_("查询日期。"))
    active = serializers.BooleanField(help_text=_("该日是否存续。"))
    established_on = serializers.DateField(allow_null=True, help_text=_("成立日期。"))
    ended_on = serializers.DateField(allow_null=True, help_text=_("终止日期（未终止为空）。"))
    ended_by = serializers.CharField(allow_null=True, help_text=_("终止该机构的事项标识。"))
    state = VersionSerializer(allow_null=True, help_text=_("该日状态；不存续时为空。"))


class EventBriefSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=EventType.choices)
    effective_on = serializers.DateField()
    decision = serializers.CharField(source="decision.number", help_text=_("决定文号。"))


@extend_schema_serializer(description=_("机构在 [valid_from, valid_to) 期间的状态。"))
class HistoryVersionSerializer(VersionSerializer):
    opened_by = EventBriefSerializer(allow_null=True, help_text=_("开始该版本的事项。"))
    closed_by = EventBriefSerializer(allow_null=True, help_text=_("结束该版本的事项。"))
    changed = serializers.ListField(
        child=serializers.CharField(), help_text=_("与上一版本相比改变的属性。")
    )

    class Meta:
        model = UnitVersion
        fields = [*STATE_FIELDS, "opened_by", "closed_by", "changed"]

    def get_parent_name(self, version: UnitVersion) -> str | None:
        return None


class HistoryEventSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=EventType.choices)
    # The stubs see DRF's own Field.label attribute; declared fields are taken off the class.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text=_("事项类型的名称；变更事项按改变内容命名。")
    )
    effective_on = serializers.DateField()
    decision = serializers.CharField(source="decision.number")
    decision_title = serializers.CharField(source="decision.title")
    role = serializers.ChoiceField(choices=ParticipantRole.choices, help_text=_("本机构的角色。"))


class UnitHistorySerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    registered_on = serializers.DateField(
        allow_null=True, help_text=_("存量登记的成立日期（由事项设立的机构为空）。")
    )
    versions = HistoryVersionSerializer(many=True)
    events = HistoryEventSerializer(many=True)


class LineageNodeSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    name = serializers.CharField(allow_null=True, help_text=_("最后一个版本的名称。"))
    relation = serializers.ChoiceField(
        choices=[("self", _("本机构")), ("ancestor", _("前身")), ("descendant", _("后继"))]
    )
    depth = serializers.IntegerField(help_text=_("与本机构相隔的步数。"))


class LineageEdgeSerializer(serializers.Serializer):
    predecessor = serializers.CharField(help_text=_("前身机构标识。"))
    successor = serializers.CharField(help_text=_("后继机构标识。"))
    event = serializers.CharField(help_text=_("事项标识。"))
    event_type = serializers.ChoiceField(choices=EventType.choices)
    effective_on = serializers.DateField()
    decision = serializers.CharField(help_text=_("决定文号。"))


class LineageSerializer(serializers.Serializer):
    key = serializers.CharField()
    depth = serializers.IntegerField(allow_null=True)
    nodes = LineageNodeSerializer(many=True)
    edges = LineageEdgeSerializer(many=True)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = DecisionAttachment
        fields = ["title", "url", "uploaded_at"]

    def get_url(self, attachment: DecisionAttachment) -> str:
        return attachment.file.url if attachment.file else ""


class DecisionSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=DecisionStatus.choices)
    events = serializers.IntegerField(source="event_count", help_text=_("事项数。"))
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "number",
            "title",
            "issuer",
            "issued_on",
            "status",
            "approved_at",
            "revoked_at",
            "events",
            "attachments",
        ]


class EventSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(choices=EventType.choices)
    decision = serializers.CharField(source="decision.number", help_text=_("决定文号。"))
    decision_status = serializers.ChoiceField(
        source="decision.status", choices=DecisionStatus.choices
    )
    sources = serializers.SerializerMethodField(help_text=_("来源机构标识。"))
    targets = serializers.SerializerMethodField(help_text=_("目标机构标识。"))
    new_units = serializers.SerializerMethodField(help_text=_("本事项新设的机构标识。"))
    attributes = serializers.DictField(help_text=_("变更或并入事项设定的属性。"))

    class Meta:
        model = Event
        fields = [
            "key",
            "type",
            "effective_on",
            "decision",
            "decision_status",
            "sources",
            "targets",
            "new_units",
            "attributes",
            "note",
        ]

    def _parts(self, event: Event):
        return list(event.participants.all())

    def get_sources(self, event: Event) -> list[str]:
        return [p.unit.key for p in self._parts(event) if p.role == ParticipantRole.SOURCE]

    def get_targets(self, event: Event) -> list[str]:
        return [p.unit.key for p in self._parts(event) if p.role == ParticipantRole.TARGET]

    def get_new_units(self, event: Event) -> list[str]:
        return [p.unit.key for p in self._parts(event) if p.creates]


# ---------------------------------------------------------------------------------------------
# Query parameters of the details and actions (``core.api.DeclaredParametersMixin``)
# ---------------------------------------------------------------------------------------------


class UnitOnDateParams(serializers.Serializer):
    as_of = ISODateSerializerField(
        required=False, help_text=_("查询日期（YYYY-MM-DD），默认今天。")
    )


class LineageParams(serializers.Serializer):
    depth = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_LINEAGE_DEPTH,
        error_messages={
            key: _("应为 0 到 100 之间的整数。") for key in ("invalid", "min_value", "max_value")
        },
        help_text=_("追溯的最大步数（0–100），默认不限（100）。"),
    )


def unit_key_field(**kwargs: Any) -> serializers.RegexField:
    """A unit's (or an event's) key, of the form of ``UNIT_KEY_FORMAT`` (400 otherwise)."""
    return serializers.RegexField(
        UNIT_KEY_FORMAT,
        max_length=100,
        error_messages={"invalid": unit_key_validator.message},
        **kwargs,
    )


def division_code_field(**kwargs: Any) -> serializers.RegexField:
    """A six-digit division code (400 otherwise)."""
    return serializers.RegexField(
        DIVISION_CODE_FORMAT,
        error_messages={"invalid": division_code_validator.message},
        **kwargs,
    )


def named_row(queryset: QuerySet, **lookup: Any) -> Any:
    """The one row a well-formed key names, or a 404 naming the parameter (``NOT_FOUND``)."""
    row = queryset.filter(**lookup).first()
    if row is None:
        value = str(next(iter(lookup.values())))[:100]
        raise serializers.ValidationError(
            _("“%(value)s”不存在。") % {"value": value}, code=NOT_FOUND
        )
    return row
