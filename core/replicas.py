"""Reads from PostgreSQL streaming replicas, with read-your-writes (DESIGN §10).

django-multidb-router does the routing: ``PinningReplicaRouter`` sends reads to the replicas
(``REPLICA_DATABASES``, round-robin) and writes to the primary; ``PinningRouterMiddleware`` pins
a request to the primary when it is not a GET/HEAD/OPTIONS/TRACE or carries the pinning cookie
(``MULTIDB_PINNING_COOKIE``), which it sets on the answer of every such request for
``MULTIDB_PINNING_SECONDS``. A client that sends its cookies back reads its own writes.

What this module adds, each a condition on the library's choice:

- reads inside a transaction on the primary (every service's ``transaction.atomic``) read the
  primary: a transaction sees its own writes and what it locked;
- reads outside a request (management commands, the job worker, a shell) read the primary:
  only a request served by ``PinningMiddleware`` may read a replica;
- a replica that does not answer is left out for ``DATABASE_REPLICA_RETRY_SECONDS`` (each
  process remembers it); with every replica out, reads go to the primary instead of failing.
  A replica is tried once per request (Django's health check of a kept connection, or the
  connection itself), so a stopped replica costs one refused connection per retry period.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import multidb
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from multidb.middleware import PinningRouterMiddleware
from multidb.pinning import this_thread_is_pinned

logger = logging.getLogger(__name__)

_request = threading.local()
_down_until: dict[str, float] = {}


def replica_is_down(alias: str) -> bool:
    return _down_until.get(alias, 0.0) > time.monotonic()


def _answers(alias: str) -> bool:
    """Whether the replica ``alias`` can be read now: its connection opens (or the kept one
    passes Django's health check). Checked once per request, remembered when it fails."""
    if replica_is_down(alias):
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        _down_until[alias] = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS
        logger.warning("replica %s does not answer, reading from the primary: %s", alias, error)
        connection.close()
        return False
    return True


class ReplicaRouter(multidb.PinningReplicaRouter):
    def db_for_read(self, model: Any, **hints: Any) -> str:
        if (
            not getattr(_request, "may_read_replica", False)
            or this_thread_is_pinned()
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        for _ in settings.REPLICA_DATABASES:
            alias = multidb.get_replica()
            if _answers(alias):
                return alias
        return DEFAULT_DB_ALIAS


class PinningMiddleware(PinningRouterMiddleware):
    """The library's pinning, and the mark that this thread is serving a request (whose reads
    may then go to a replica) for as long as it does."""

    def process_request(self, request: Any) -> None:
        _request.may_read_replica = True
        super().process_request(request)

    def process_response(self, request: Any, response: Any) -> Any:
        _request.may_read_replica = False
        return super().process_response(request, response)
