"""Who is acting: the user or command to which the writes of the current request, command or
block are attributed, and the request id that groups them (the audit trail records both).

Web requests set it in ``AuditContextMiddleware``, management commands in ``RegistryCommand``,
anything else with ``acting()``.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand


@dataclass(frozen=True)
class Actor:
    user: Any = None
    name: str = "system"
    request_id: str = ""


_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("registry_actor", default=Actor())  # noqa: B039 (frozen)


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting(
    *, user: Any = None, name: str | None = None, request_id: str | None = None
) -> Iterator[Actor]:
    """Attribute the writes inside the block to a user or a named command."""
    outer = _current.get()
    if name is None:
        name = getattr(user, "username", None) or outer.name
    actor = Actor(
        user=user if user is not None and getattr(user, "is_authenticated", False) else outer.user,
        name=name,
        request_id=request_id if request_id is not None else (outer.request_id or uuid.uuid4().hex),
    )
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


class AuditContextMiddleware:
    """Give each request an id and attribute its writes to the logged-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        request.request_id = request_id[:64]
        user = getattr(request, "user", None)
        token = _current.set(
            Actor(
                user=user if user is not None and user.is_authenticated else None,
                name=user.get_username()
                if user is not None and user.is_authenticated
                else "anonymous",
                request_id=request.request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-Id"] = request.request_id
        return response


class RegistryCommand(BaseCommand):
    """A management command whose writes are attributed to ``manage.py <name>``."""

    def execute(self, *args, **options):
        name = "manage.py " + self.__class__.__module__.rsplit(".", 1)[-1]
        with acting(name=name, request_id=uuid.uuid4().hex):
            return super().execute(*args, **options)
