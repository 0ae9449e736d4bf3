"""One JSON error shape for the whole API.

{"error": {"status": 400, "code": "invalid", "message": "…", "problems": [{…}]}}

``problems[].parameter`` names the parameter or field a problem is about (absent when it is
about the request as a whole). The statuses:

* 400 — a parameter or field that is malformed or of unknown name (the schema says so);
* 404 — an unknown key, in the path or in a parameter (``core.api.NOT_FOUND``);
* 403 — a role or permission missing, named in the message and in ``problems[].permission``;
* 409 — a well-formed write the registry refuses in its present state (a service's
  ``RegistryError``: a different figure already reported, a unit that did not exist then …);
* 503 — the database cannot be reached (restarting, failing over): the request may be repeated
  later, and the app reconnects by itself on a later request. The error is logged, its
  details never reach the client.
"""

import json
import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.api import NOT_FOUND
from core.errors import RegistryError

from .permissions import MissingPermission

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before repeating a request the database could not answer.
RETRY_AFTER = 5


def _flatten(detail, path=""):
    """(problem, code) of every message of a DRF error detail; a problem names its parameter
    or field by its dotted path. DRF's own ``{"detail": …}`` is about the whole request."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "detail" and not path and len(detail) == 1:
                yield from _flatten(value, path)
            else:
                yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, path)
    else:
        problem = {"message": str(detail)}
        if path:
            problem["parameter"] = path
        yield problem, getattr(detail, "code", None)


def _drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """Django's ValidationError as DRF's, keeping each message's code."""

    def details(errors):
        return [
            ErrorDetail(e.message % e.params if e.params else e.message, code=e.code)
            for e in errors
        ]

    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {name: details(errors) for name, errors in exc.error_dict.items()}
        )
    return exceptions.ValidationError(details(exc.error_list))


def _parse_error(exc: exceptions.ParseError) -> exceptions.ParseError:
    """A body that cannot be read, said in the interface's language (with where, for JSON)."""
    cause = exc.__context__
    if isinstance(cause, json.JSONDecodeError):
        message = _("请求正文不是有效的 JSON：第 %(line)d 行第 %(column)d 列有误。") % {
            "line": cause.lineno,
            "column": cause.colno,
        }
    else:
        message = _("无法读取请求正文。")
    return exceptions.ParseError(message)


def _answer_in_json(context) -> None:
    """Errors keep the JSON shape even when CSV was asked for."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def _body(status_code: int, code: str, message: str, problems: list[dict]) -> dict:
    return {
        "error": {"status": status_code, "code": code, "message": message, "problems": problems}
    }


def _database_unavailable(exc: Exception) -> Response:
    logger.error("database unavailable: %s", exc, exc_info=exc)
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    message = _("数据库暂时不可用，请稍后再试。")
    set_rollback()
    response = Response(
        _body(status_code, "unavailable", message, [{"message": message}]), status=status_code
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def exception_handler(exc, context):
    _answer_in_json(context)
    if isinstance(exc, (OperationalError, InterfaceError)):
        return _database_unavailable(exc)
    if isinstance(exc, RegistryError):
        forbidden = getattr(exc, "code", None) == "forbidden"
        status_code = status.HTTP_403_FORBIDDEN if forbidden else status.HTTP_409_CONFLICT
        code = "forbidden" if forbidden else "refused"
        return Response(_body(status_code, code, exc.message, exc.problems), status=status_code)
    if isinstance(exc, DjangoValidationError):
        exc = _drf_validation_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])
    elif isinstance(exc, exceptions.ParseError):
        exc = _parse_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    found = list(_flatten(response.data))
    problems = [problem for problem, _code in found]
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        message = "; ".join(
            f"{p['parameter']}: {p['message']}" if "parameter" in p else p["message"]
            for p in problems
        )
        if found and all(problem_code == NOT_FOUND for _problem, problem_code in found):
            # Well formed, but naming nothing that exists (or that the user may read).
            response.status_code = status.HTTP_404_NOT_FOUND
            code = NOT_FOUND
    else:
        message = problems[0]["message"] if problems else str(exc)
    if isinstance(exc, MissingPermission) and exc.permission:
        for problem in problems:
            problem["permission"] = exc.permission
    response.data = _body(response.status_code, code, message, problems)
    return response


def server_error(request):
    """The site's answer to an error no view handled (``handler500``): under ``/api/`` the API's
    error shape — a 503 when the database was unreachable (a session request meets it in the
    middleware, before the API's own handler) — elsewhere the site's 500 page."""
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    error = sys.exc_info()[1]
    unavailable = isinstance(error, (OperationalError, InterfaceError))
    status_code: int = (
        status.HTTP_503_SERVICE_UNAVAILABLE
        if unavailable
        else status.HTTP_500_INTERNAL_SERVER_ERROR
    )
    code = "unavailable" if unavailable else "error"
    message = (
        _("数据库暂时不可用，请稍后再试。") if unavailable else _("服务器出错，错误已经记录。")
    )
    response = JsonResponse(
        _body(status_code, code, message, [{"message": message}]), status=status_code
    )
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER)
    return response
