"""Report endpoints (DESIGN §4): parameters are parsed by serializers, as the schema declares
them (400 naming a bad one, 404 naming an unknown jurisdiction, 403 for one outside the user's
scope); figures come from ``reform_registry.reports``. The one rule the schema cannot state,
that a period's first date comes before its last, is said in the parameter's description."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from core.api import DeclaredParametersMixin
from core.dates import ISODateSerializerField
from core.restrict import is_restricted, require_visible
from reform_registry import reports
from staffing.choices import QuotaKindCode
from units.api.serializers import division_code_field, named_row
from units.choices import EventType, UnitKind
from units.models import Jurisdiction
from units.selectors import today

# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


class _JurisdictionParams(serializers.Serializer):
    """Parameters naming a jurisdiction by its division code: the value becomes the
    Jurisdiction (404 when none has the code, 403 outside the user's scope). A user limited to
    jurisdictions must name one."""

    def validate_jurisdiction(self, code: str) -> Jurisdiction:
        jurisdiction = named_row(Jurisdiction.objects.all(), code=code)
        require_visible(jurisdiction, self.context["request"], _("行政区划不在您的管辖范围内。"))
        return jurisdiction

    def validate(self, attrs):
        user = self.context["request"].user
        if attrs.get("jurisdiction") is None and is_restricted(Jurisdiction, user):
            raise serializers.ValidationError(
                {"jurisdiction": [_("您的管辖范围有限，请指定行政区划。")]}
            )
        return attrs


class ReformSummaryParams(_JurisdictionParams):
    jurisdiction = division_code_field(help_text=gettext_lazy("行政区划代码（6位），如 150200。"))
    before = ISODateSerializerField(help_text=gettext_lazy("改革前的基准日期（YYYY-MM-DD）。"))
    after = ISODateSerializerField(
        help_text=gettext_lazy("改革后的日期（YYYY-MM-DD），须晚于 before（否则为 400）。")
    )
    subdivisions = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("true 时包含下级行政区划（全市）。")
    )
    exclude_pending = serializers.BooleanField(
        required=False,
        default=True,
        help_text=gettext_lazy("默认 true：不计待消化的经营类事业单位。"),
    )
    include_drafts = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("true 时按草稿决定已批准计算（不写入任何数据）。"),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        problem = reports.reform_period_problem(before=attrs["before"], after=attrs["after"])
        if problem:
            raise serializers.ValidationError({"after": problem})
        return attrs


class InstitutionsParams(_JurisdictionParams):
    jurisdiction = division_code_field(
        required=False, help_text=gettext_lazy("行政区划代码；不填为全部。")
    )
    as_of = ISODateSerializerField(
        required=False, help_text=gettext_lazy("统计日期（YYYY-MM-DD），默认今天。")
    )
    group_by = serializers.ChoiceField(
        choices=reports.GROUPINGS,
        required=False,
        default="department",
        help_text=gettext_lazy("分组：department、category、rank、funding、sector、jurisdiction。"),
    )
    subdivisions = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("true 时包含下级行政区划。")
    )
    exclude_pending = serializers.BooleanField(
        required=False, default=True, help_text=gettext_lazy("默认 true：不计待消化的经营类。")
    )


class _ChangesParamsBase(_JurisdictionParams):
    jurisdiction = division_code_field(
        required=False, help_text=gettext_lazy("行政区划代码；不填为全部。")
    )
    subdivisions = serializers.BooleanField(
        required=False, default=True, help_text=gettext_lazy("默认 true：包含下级行政区划。")
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": _("to 不能早于 from。")})
        return attrs


class QuotasParams(_JurisdictionParams):
    jurisdiction = division_code_field(
        required=False, help_text=gettext_lazy("行政区划代码；不填为全部。")
    )
    as_of = ISODateSerializerField(
        required=False, help_text=gettext_lazy("统计日期（YYYY-MM-DD），默认今天。")
    )
    group_by = serializers.ChoiceField(
        choices=reports.QUOTA_GROUPINGS,
        required=False,
        default="jurisdiction",
        help_text=gettext_lazy("分组：jurisdiction（行政区划）或 department（主管部门）。"),
    )
    subdivisions = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("true 时包含下级行政区划。")
    )
    unit_kind = serializers.ChoiceField(
        choices=UnitKind.choices,
        required=False,
        help_text=gettext_lazy("只统计该类机构（department 或 institution）。"),
    )
    kind = serializers.ChoiceField(
        choices=QuotaKindCode.choices, required=False, help_text=gettext_lazy("编制类型。")
    )


# ``from`` and ``to`` are Python keywords: declare them by name.
ChangesParams = type(
    "ChangesParams",
    (_ChangesParamsBase,),
    {
        "from": ISODateSerializerField(help_text=gettext_lazy("起始日期（含），YYYY-MM-DD。")),
        "to": ISODateSerializerField(
            help_text=gettext_lazy("截止日期（含），YYYY-MM-DD，不早于 from（否则为 400）。")
        ),
        "__module__": __name__,
    },
)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def rate(help_text: StrOrPromise, places: int = 4) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=places,
        coerce_to_string=False,
        allow_null=True,
        help_text=help_text,
    )


class DepartmentCountsSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("主管部门的机构标识。"))
    name = serializers.CharField(help_text=gettext_lazy("部门名称。"))
    before = serializers.IntegerField(help_text=gettext_lazy("before 日主管的事业单位数。"))
    after = serializers.IntegerField(help_text=gettext_lazy("after 日主管的事业单位数。"))
    involved = serializers.BooleanField(help_text=gettext_lazy("是否涉改部门。"))


class QuotasRecoveredSerializer(serializers.Serializer):
    total = serializers.IntegerField(
        help_text=gettext_lazy("(before, after] 流入周转池的编制总数。")
    )
    by_reason = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("按原因（reform、recovery …）。")
    )
    by_kind = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("按编制类型。")
    )


class ReformSummarySerializer(serializers.Serializer):
    jurisdiction = serializers.CharField(help_text=gettext_lazy("行政区划代码。"))
    jurisdiction_name = serializers.CharField(help_text=gettext_lazy("行政区划名称。"))
    before = serializers.DateField(help_text=gettext_lazy("基准日期。"))
    after = serializers.DateField(help_text=gettext_lazy("改革后日期。"))
    subdivisions = serializers.BooleanField(help_text=gettext_lazy("是否包含下级行政区划。"))
    exclude_pending = serializers.BooleanField(help_text=gettext_lazy("是否不计待消化的经营类。"))
    include_drafts = serializers.BooleanField(help_text=gettext_lazy("是否按草稿已批准计算。"))
    drafts_included = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("预览时计入的草稿决定文号。")
    )
    institutions_before = serializers.IntegerField(help_text=gettext_lazy("before 日事业单位数。"))
    institutions_after = serializers.IntegerField(help_text=gettext_lazy("after 日事业单位数。"))
    reduction_rate = rate(gettext_lazy("精简率 (before − after) ÷ before，4位小数。"))
    departments_baseline = serializers.IntegerField(
        help_text=gettext_lazy("before 日主管至少1个事业单位的部门数。")
    )
    avg_per_department_before = rate(
        gettext_lazy("institutions_before ÷ departments_baseline，2位小数。"), 2
    )
    avg_per_department_after = rate(
        gettext_lazy("institutions_after ÷ departments_baseline，2位小数。"), 2
    )
    involved_departments = serializers.IntegerField(
        help_text=gettext_lazy(
            "涉改部门数：before 或 after 日主管 (before, after] 内已批准事项的来源或目标事业单位。"
        )
    )
    involved_at_most_3 = serializers.IntegerField(
        help_text=gettext_lazy("after 日主管不超过3个事业单位的涉改部门数。")
    )
    share_at_most_3 = rate(gettext_lazy("involved_at_most_3 ÷ involved_departments，4位小数。"))
    quotas_recovered = QuotasRecoveredSerializer(
        help_text=gettext_lazy("(before, after] 流入该行政区划编制周转池的编制（毛流入）。")
    )
    institution_cap = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("after 日有效的机构限额。")
    )
    headroom_share = rate(gettext_lazy("(限额 − after) ÷ 限额，4位小数；无限额为空。"))
    departments = serializers.SerializerMethodField(help_text=gettext_lazy("各部门。"))

    @extend_schema_field(DepartmentCountsSerializer(many=True))
    def get_departments(self, summary) -> list[dict]:
        # Plain dicts: thousands of departments for a whole province.
        return [
            {
                "key": d.key,
                "name": d.name,
                "before": d.before,
                "after": d.after,
                "involved": d.involved,
            }
            for d in summary.departments
        ]


class GroupCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("分组代码（部门标识、类别代码 …）。"))
    # The stubs see DRF's own Field.label attribute; declared fields are taken off the class.
    label = serializers.CharField(help_text=gettext_lazy("分组名称。"))  # type: ignore[assignment]
    count = serializers.IntegerField(help_text=gettext_lazy("事业单位数。"))


class InstitutionsReportSerializer(serializers.Serializer):
    jurisdiction = serializers.CharField(allow_null=True, help_text=gettext_lazy("行政区划代码。"))
    as_of = serializers.DateField(source="on", help_text=gettext_lazy("统计日期。"))
    group_by = serializers.CharField(help_text=gettext_lazy("分组方式。"))
    subdivisions = serializers.BooleanField()
    exclude_pending = serializers.BooleanField()
    total = serializers.IntegerField(help_text=gettext_lazy("合计。"))
    groups = GroupCountSerializer(many=True)


class QuotaRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("行政区划代码或部门标识。"))
    # The stubs see DRF's own Field.label attribute; declared fields are taken off the class.
    label = serializers.CharField(help_text=gettext_lazy("名称。"))  # type: ignore[assignment]
    kind = serializers.ChoiceField(
        choices=QuotaKindCode.choices, help_text=gettext_lazy("编制类型。")
    )
    units = serializers.IntegerField(help_text=gettext_lazy("持有或报告该类编制的机构数。"))
    balance = serializers.IntegerField(help_text=gettext_lazy("编制数（余额合计）。"))
    reported_units = serializers.IntegerField(help_text=gettext_lazy("报告了实有人数的机构数。"))
    actual = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("实有人数合计（各机构该日及以前最近一次报告）。")
    )
    vacancy = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy("空编：报告了人数的机构的 编制数 − 实有人数 之和；负数为超编。"),
    )
    over_staffed_units = serializers.IntegerField(help_text=gettext_lazy("超编机构数。"))


class PoolRowSerializer(serializers.Serializer):
    jurisdiction = serializers.CharField(help_text=gettext_lazy("行政区划代码。"))
    name = serializers.CharField(help_text=gettext_lazy("行政区划名称。"))
    kind = serializers.ChoiceField(choices=QuotaKindCode.choices)
    balance = serializers.IntegerField(help_text=gettext_lazy("周转池余额。"))


class QuotasReportSerializer(serializers.Serializer):
    jurisdiction = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(source="on")
    group_by = serializers.CharField()
    subdivisions = serializers.BooleanField()
    unit_kind = serializers.CharField(allow_null=True)
    rows = QuotaRowSerializer(many=True, help_text=gettext_lazy("各组各类编制。"))
    pools = PoolRowSerializer(many=True, help_text=gettext_lazy("编制周转池余额。"))


class ChangedUnitSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    name = serializers.CharField()
    on = serializers.DateField(help_text=gettext_lazy("生效日期。"))
    event = serializers.CharField(help_text=gettext_lazy("事项标识。"))
    event_type = serializers.ChoiceField(choices=EventType.choices)
    decision = serializers.CharField(help_text=gettext_lazy("决定文号。"))
    # The stubs see Serializer.fields; declared fields are taken off the class.
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text=gettext_lazy("改变的属性（变更时）。")
    )


class ChangeEventSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=EventType.choices)
    effective_on = serializers.DateField()
    decision = serializers.CharField()
    decision_title = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())
    targets = serializers.ListField(child=serializers.CharField())


class _ChangesReportBase(serializers.Serializer):
    jurisdiction = serializers.CharField(allow_null=True, help_text=gettext_lazy("行政区划代码。"))
    established = ChangedUnitSerializer(many=True, help_text=gettext_lazy("新设的机构。"))
    ended = ChangedUnitSerializer(many=True, help_text=gettext_lazy("终止的机构。"))
    changed = ChangedUnitSerializer(many=True, help_text=gettext_lazy("变更或并入后延续的机构。"))
    events = ChangeEventSerializer(many=True, help_text=gettext_lazy("期间生效的已批准事项。"))


ChangesReportSerializer = type(
    "ChangesReportSerializer",
    (_ChangesReportBase,),
    {
        "from": serializers.DateField(source="start", help_text=gettext_lazy("起始日期（含）。")),
        "to": serializers.DateField(source="end", help_text=gettext_lazy("截止日期（含）。")),
        "__module__": __name__,
    },
)


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


class ReformSummaryView(DeclaredParametersMixin, APIView):
    """Figures of a reform between two dates (DESIGN §4)."""

    csv_filename = "reform-summary"
    parameters = {"get": ReformSummaryParams}

    @extend_schema(
        summary=gettext_lazy("改革成效汇总"),
        description=gettext_lazy("两个日期之间一次改革的成效数字。"),
        parameters=[ReformSummaryParams],
        responses=ReformSummarySerializer,
    )
    def get(self, request):
        params = self.query_parameters
        summary = reports.reform_summary(**params, user=request.user)
        return Response(ReformSummarySerializer(summary).data)


class InstitutionsReportView(DeclaredParametersMixin, APIView):
    """Institutions on a date grouped by department, category, rank, funding, sector or
    jurisdiction."""

    csv_filename = "institutions"
    parameters = {"get": InstitutionsParams}
    csv_table = "groups"

    @extend_schema(
        summary=gettext_lazy("事业单位分组统计"),
        description=gettext_lazy(
            "某日的事业单位，按主管部门、类别、规格、经费形式、行业或行政区划分组统计。"
        ),
        parameters=[InstitutionsParams],
        responses=InstitutionsReportSerializer,
    )
    def get(self, request):
        params = self.query_parameters
        report = reports.institutions_report(
            on=params.get("as_of") or today(),
            group_by=params["group_by"],
            jurisdiction=params.get("jurisdiction"),
            subdivisions=params["subdivisions"],
            exclude_pending=params["exclude_pending"],
            user=request.user,
        )
        return Response(InstitutionsReportSerializer(report).data)


class QuotasReportView(DeclaredParametersMixin, APIView):
    """Balances, headcount and vacancy by quota kind per jurisdiction or department."""

    csv_filename = "quotas"
    parameters = {"get": QuotasParams}
    csv_table = "rows"

    @extend_schema(
        summary=gettext_lazy("编制统计"),
        description=gettext_lazy("各行政区划或部门按编制类型统计的编制余额、实有人数和空编。"),
        parameters=[QuotasParams],
        responses=QuotasReportSerializer,
    )
    def get(self, request):
        params = self.query_parameters
        report = reports.quotas_report(
            on=params.get("as_of") or today(),
            group_by=params["group_by"],
            jurisdiction=params.get("jurisdiction"),
            subdivisions=params["subdivisions"],
            unit_kind=params.get("unit_kind"),
            kind=params.get("kind"),
            user=request.user,
        )
        return Response(QuotasReportSerializer(report).data)


class ChangesReportView(DeclaredParametersMixin, APIView):
    """What was established, ended or changed between two dates, with the events."""

    csv_filename = "changes"
    parameters = {"get": ChangesParams}
    csv_table = "events"

    @extend_schema(
        summary=gettext_lazy("机构变动"),
        description=gettext_lazy("两个日期之间设立、撤销或变更的机构及相关改革事项。"),
        parameters=[ChangesParams],
        responses=ChangesReportSerializer,
    )
    def get(self, request):
        params = self.query_parameters
        report = reports.changes_report(
            start=params["from"],
            end=params["to"],
            jurisdiction=params.get("jurisdiction"),
            subdivisions=params["subdivisions"],
            user=request.user,
        )
        return Response(ChangesReportSerializer(report).data)
