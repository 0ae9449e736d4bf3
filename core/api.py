"""The API's parameters: every endpoint reads the parameters its OpenAPI schema declares and
refuses any other name (DESIGN §6).

A list reads its filter set's parameters and those the API reads itself (page, page size,
format); any other endpoint (a detail, an action, a report, a write) reads those of its
``parameters`` serializer and the format. A name outside them is a 400 naming the known ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

# The error code of a value that is well formed but names nothing that exists (a division
# code, a unit key, a decision number): the API answers 404 naming the parameter, where a
# malformed value is a 400.
NOT_FOUND = "not_found"
# The error code of a parameter of unknown name.
UNKNOWN = "unknown"


def unknown_parameter_message(name: str, known: Collection[str]) -> str:
    """What is said of a parameter of unknown name, with the names the endpoint knows."""
    return _("未知的参数“%(name)s”。可用的参数：%(known)s。") % {
        "name": name[:40],
        "known": ", ".join(sorted(known)),
    }


def api_parameters(view) -> set[str]:
    """The query parameters the API reads itself on a list: its paginator's and the format."""
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


def refuse_unknown(data: Mapping[str, Any], known: Collection[str]) -> None:
    """Refuse (400) the names of ``data`` outside ``known``, each named with the known ones."""
    unknown = [name for name in data if name not in known]
    if unknown:
        raise ValidationError(
            {
                name: [
                    serializers.ErrorDetail(unknown_parameter_message(name, known), code=UNKNOWN)
                ]
                for name in unknown
            }
        )


class DeclaredParametersMixin:
    """A view whose endpoints other than lists read only the query parameters they declare.

    ``parameters`` maps an action (``retrieve``, ``lineage`` …; ``get`` for a plain view) to the
    serializer of its query parameters, the one its schema declares; an action without one
    reads no parameter but the format. The values are validated (400 naming a bad one, 404
    naming one that names nothing) before the action runs, and given to it as
    ``self.query_parameters``. Lists are left to their filter set, which does the same."""

    parameters: Mapping[str, type[serializers.Serializer]] = {}
    query_parameters: dict[str, Any]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.query_parameters = {}
        method = request.method.lower()
        if method == "options" or getattr(self, method, None) is None:
            return  # metadata, or a method the endpoint does not answer (405)
        action = getattr(self, "action", None) or method
        if action == "list" and getattr(self, "filterset_class", None) is not None:
            return
        params_class = self.parameters.get(action)
        names = set(params_class().fields) if params_class is not None else set()
        known = names | {api_settings.URL_FORMAT_OVERRIDE}
        data = request.query_params
        refuse_unknown(data, known)
        if params_class is None:
            return
        # A plain dict: an empty value is validated (and refused), not taken as absent.
        values = {name: value for name, value in data.dict().items() if name in names}
        params = params_class(data=values, context={"request": request, "view": self})
        params.is_valid(raise_exception=True)
        self.query_parameters = dict(params.validated_data)


# The form of a numeric id in a path (a larger number is a 404 like an unknown id).
ID_REGEX = r"[0-9]{1,18}"
