"""The API's filtering: every list reads its filter set's parameters and those the API reads
itself (page, page size, format), and refuses any other name (DESIGN §6)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.settings import api_settings


def api_parameters(view) -> set[str]:
    """The query parameters the API reads itself on a view: its paginator's and the format."""
    paginator = getattr(view, "paginator", None)
    names = [
        api_settings.URL_FORMAT_OVERRIDE,
        getattr(paginator, "page_query_param", None),
        getattr(paginator, "page_size_query_param", None),
    ]
    return {name for name in names if name}


class RegistryFilterBackend(DjangoFilterBackend):
    """Gives the filter set the API's own parameter names, so that it refuses unknown ones."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {
            **super().get_filterset_kwargs(request, queryset, view),
            "parameters": api_parameters(view),
        }
