"""The audit trail: every write of the services records who, when, which request and what.

Who is acting comes from ``core.audit`` (the request's user, the command, or ``acting()``).
Services call ``record``/``record_many``; nothing else writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from core.audit import current_actor
from core.bulk import copy_values

from .models import AuditEntry


def _entry(
    action: str, object_type: str, object_id: Any, object_repr: str, before: Any, after: Any
) -> AuditEntry:
    actor = current_actor()
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
    actor = current_actor()
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
