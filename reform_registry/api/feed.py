"""The change feed (DESIGN §9): ``GET /api/v1/feed/?after=SEQ&limit=N`` gives the entries of the
outbox after ``SEQ`` in ``seq`` order, restricted like every read: a user limited to
jurisdictions reads the entries that touch a unit or a jurisdiction the user reads, and of each
entry only those units, those jurisdictions and a decision the user reads."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import DeclaredParametersMixin
from units.choices import FeedKind
from units.selectors.feed import MAX_LIMIT, feed_page

DEFAULT_LIMIT = 100


class FeedParams(serializers.Serializer):
    after = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        help_text=gettext_lazy(
            "只返回序号大于此值的变更（默认 0：从头开始）；传入上次收到的 next_after。"
        ),
    )
    limit = serializers.IntegerField(
        required=False,
        default=DEFAULT_LIMIT,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=gettext_lazy("最多返回的条数，1 到 1000，默认 100。"),
    )


class FeedEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField(
        source="uid", help_text=gettext_lazy("变更的固定标识（Webhook 投递的 webhook-id）。")
    )
    seq = serializers.IntegerField(help_text=gettext_lazy("按提交顺序连续递增的序号。"))
    kind = serializers.ChoiceField(choices=FeedKind.choices, help_text=gettext_lazy("变更类型。"))
    at = serializers.DateTimeField(help_text=gettext_lazy("写入时间。"))
    decision = serializers.CharField(
        source="decision_number", allow_null=True, help_text=gettext_lazy("依据的决定文号。")
    )
    units = serializers.ListField(
        child=serializers.CharField(),
        source="unit_keys",
        help_text=gettext_lazy("涉及的机构标识。"),
    )
    jurisdictions = serializers.ListField(
        child=serializers.CharField(),
        source="jurisdiction_codes",
        help_text=gettext_lazy("涉及的行政区划代码（如编制周转池所属的行政区划）。"),
    )
    payload = serializers.JSONField(help_text=gettext_lazy("随变更类型而定的内容。"))


class FeedPageSerializer(serializers.Serializer):
    entries = FeedEntrySerializer(many=True)
    next_after = serializers.IntegerField(
        help_text=gettext_lazy("下一次请求的 after：本次最后一条的序号（没有新变更时不变）。")
    )


class FeedView(DeclaredParametersMixin, APIView):
    """The change feed: what changed in the registry, in commit order."""

    csv_filename = "feed"
    csv_table = "entries"
    parameters = {"get": FeedParams}

    @extend_schema(
        summary=gettext_lazy("变更订阅"),
        description=gettext_lazy(
            "登记簿的每一次变更（决定批准或撤回、机构登记、编制划转、实有人数、收回行动），"
            "按提交顺序连续编号。记住上次收到的 next_after 再次请求，既不会漏掉变更，"
            "也不会看到已回滚的写入。"
        ),
        parameters=[FeedParams],
        responses=FeedPageSerializer,
        tags=[cast(str, pgettext_lazy("API 分组", "变更订阅"))],
    )
    def get(self, request):
        params = self.query_parameters
        entries, next_after = feed_page(
            user=request.user, after=params["after"], limit=params["limit"]
        )
        return Response(FeedPageSerializer({"entries": entries, "next_after": next_after}).data)
