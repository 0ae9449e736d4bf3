"""Concurrent work on PostgreSQL, with real separate connections: two approvals of one decision
approve it once; two clerks saving the same revision of a draft, one of them is refused."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from core.errors import RegistryError
from tests.fixtures.city_admin import World, ensure_role_groups
from units import services
from units.models import AuditEntry, Decision
from units.signals import registry_changed


def run_together(*calls):
    """Run the calls in threads (each with its own connection), started at once."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def pg_world(on_postgres, transactional_db):
    ensure_role_groups()
    return World()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_at_once_approve_once(pg_world):
    decision = pg_world.merge_draft()
    approver = pg_world.users["approver"]
    second = pg_world.user("approver2", roles=["approver"])

    def slow(sender, **kwargs):  # hold the lock a while: the other approval must wait
        time.sleep(0.5)

    registry_changed.connect(slow, dispatch_uid="slow-approval")
    try:
        results = run_together(
            lambda: services.decision_approve(
                decision=Decision.objects.get(pk=decision.pk), user=approver
            ),
            lambda: services.decision_approve(
                decision=Decision.objects.get(pk=decision.pk), user=second
            ),
        )
    finally:
        registry_changed.disconnect(dispatch_uid="slow-approval")
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, RegistryError) and "已批准" in str(error)
    decision.refresh_from_db()
    assert decision.status == "approved"
    assert AuditEntry.objects.filter(object_id=str(decision.pk), action="approve").count() == 1
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_saves_of_one_revision_one_is_refused(pg_world):
    decision = pg_world.merge_draft()
    clerk = pg_world.users["clerk"]
    clerk2 = pg_world.user("clerk2", roles=["clerk"])
    revision = decision.revision

    def save(user, title):
        return lambda: services.decision_update(
            decision=Decision.objects.get(pk=decision.pk),
            revision=revision,
            user=user,
            title=title,
        )

    results = run_together(save(clerk, "甲"), save(clerk2, "乙"))
    assert sorted(kind for kind, _v in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert "已被他人修改" in str(error)
    decision.refresh_from_db()
    assert decision.revision == revision + 1
    assert decision.title in ("甲", "乙")
