"""One JSON error shape for the whole API.

{"error": {"status": 400, "code": "invalid", "message": "…", "problems": [{…}]}}
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import RegistryError


def _flatten(detail, path=""):
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, path)
    else:
        problem = {"message": str(detail)}
        if path:
            problem["parameter"] = path
        yield problem


def _answer_in_json(context) -> None:
    """Errors keep the JSON shape even when CSV was asked for."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def exception_handler(exc, context):
    _answer_in_json(context)
    if isinstance(exc, RegistryError):
        forbidden = getattr(exc, "code", None) == "forbidden"
        status_code = status.HTTP_403_FORBIDDEN if forbidden else status.HTTP_400_BAD_REQUEST
        body = {
            "status": status_code,
            "code": "forbidden" if forbidden else "refused",
            "message": exc.message,
            "problems": exc.problems,
        }
        return Response({"error": body}, status=status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    problems = list(_flatten(detail))
    if isinstance(exc, exceptions.ValidationError):
        message = "; ".join(
            f"{p['parameter']}: {p['message']}" if "parameter" in p else p["message"]
            for p in problems
        )
    else:
        message = problems[0]["message"] if problems else str(exc)
    response.data = {
        "error": {
            "status": response.status_code,
            "code": getattr(exc, "default_code", "error"),
            "message": message,
            "problems": problems,
        }
    }
    return response
