"""The audit trail: every write of the services records who, when, which request and what.

The acting user (or command) and the request id live in a context variable set by
``AuditContextMiddleware`` for web requests, by ``RegistryCommand`` for management commands and
by ``acting()`` anywhere else. Services call ``record``/``record_many``; nothing else writes.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db import models
from django.utils import timezone

from .bulk import copy_values
from .models import AuditEntry


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


def _entry(
    action: str, object_type: str, object_id: Any, object_repr: str, before: Any, after: Any
) -> AuditEntry:
    actor = _current.get()
    user = actor.user if getattr(actor.user, "pk", None) else None
    return AuditEntry(
        user=user,
        actor=actor.name[:150],
        request_id=actor.request_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:100],
        object_repr=str(object_repr)[:300],
        before=before,
        after=after,
    )


def object_type_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def record(action: str, obj: models.Model, *, before: Any = None, after: Any = None) -> AuditEntry:
    """Record one write of one object."""
    entry = _entry(action, object_type_of(obj), obj.pk, str(obj), before, after)
    entry.save()
    return entry


AUDIT_COLUMNS = (
    "at",
    "user",
    "actor",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
)


def record_many(action: str, items: Iterable[tuple[models.Model, Any, Any]]) -> int:
    """Record a bulk write: one row per (object, before, after), in one COPY (or INSERT)."""
    actor = _current.get()
    user_id = getattr(actor.user, "pk", None)
    name, request_id, at = actor.name[:150], actor.request_id, timezone.now()
    return copy_values(
        AuditEntry,
        AUDIT_COLUMNS,
        [
            (
                at,
                user_id,
                name,
                request_id,
                action,
                object_type_of(obj),
                str(obj.pk)[:100],
                str(obj)[:300],
                before,
                after,
            )
            for obj, before, after in items
        ],
    )


def record_summary(action: str, object_type: str, object_id: str, summary: Any) -> AuditEntry:
    """Record a bulk operation as one row whose ``after`` describes what it did."""
    entry = _entry(action, object_type, object_id, object_id, None, summary)
    entry.save()
    return entry


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
