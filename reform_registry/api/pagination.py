"""Pagination of every API list: ``?page=`` and ``?page_size=`` up to 1000; lists carry ``count``.
A ``page`` that is not an integer of at least 1 (empty included) or a ``page_size`` that is not
an integer from 1 to 1000 is a 400 naming the parameter; a page beyond the last is a 404."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class RegistryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    last_page_strings = ()  # ``page`` is a number, as the schema says

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
