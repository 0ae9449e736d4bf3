"""Pagination of every API list: ``?page=`` and ``?page_size=`` up to 1000; lists carry ``count``
(a search's only up to a limit: ``CappedCountPagination``).
A ``page`` that is not an integer of at least 1 (empty included) or a ``page_size`` that is not
an integer from 1 to 1000 is a 400 naming the parameter; a page beyond the last is a 404."""

from functools import cached_property, partial
from typing import Any

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class RegistryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    last_page_strings = ()  # ``page`` is a number, as the schema says
    django_paginator_class: Any = Paginator

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise ValidationError({self.page_query_param: [_("应为不小于 1 的整数。")]})
        return number

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [_("应为 1 到 1000 之间的整数。")]})
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 1000}
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class CappedPaginator(Paginator):
    """A paginator that counts at most ``limit`` + 1 rows: beyond ``limit`` its count is
    ``limit`` and ``count_is_lower_bound`` says so (its last page is then page ``limit`` /
    ``per_page``)."""

    def __init__(self, object_list: Any, per_page: int, *, limit: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit
        self.count_is_lower_bound = False

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        if hasattr(rows, "order_by"):  # a queryset: which rows are counted does not matter
            rows = rows.order_by().values("pk")
        head = rows[: self.limit + 1]
        counted = len(head) if isinstance(head, list) else head.count()
        self.count_is_lower_bound = counted > self.limit
        return min(counted, self.limit)


class CappedCountPagination(RegistryPagination):
    """Pages whose paginator a view's list chooses from the request (``paginator_of``: a
    ``CappedPaginator`` for a search that need not count a million matches), saying whether the
    count is a lower bound."""

    def paginator_of(self, rows: Any, per_page: int, request: Any) -> Paginator:
        return Paginator(rows, per_page)

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = partial(self.paginator_of, request=request)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        paginator = self.page.paginator if self.page is not None else None
        response.data["count_is_lower_bound"] = getattr(paginator, "count_is_lower_bound", False)
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_is_lower_bound"] = {
            "type": "boolean",
            "description": _("为真时 count 只是下限（检索命中超过一万个机构时）。"),
        }
        return paginated
