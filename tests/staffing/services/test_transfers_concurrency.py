"""Two transfers out of one pool at the same moment cannot overdraw it (PostgreSQL)."""

import datetime as dt
import threading

import pytest
from django.db import connection

from core.errors import RegistryError
from staffing.selectors import balance
from staffing.services import external_account, pool_account, transfer_post, unit_account
from units import services as unit_services

D = dt.date


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_transfers_out_of_one_pool_at_once(on_postgres):
    city = unit_services.jurisdiction_create(code="150200", name="包头市", level="city")
    decision = unit_services.decision_create(
        number="并发测试1号", title="t", issued_on=D(2020, 1, 1)
    )
    unit_services.decision_approve(decision=decision)
    units = [
        unit_services.unit_register(
            key=key,
            kind="institution",
            established_on=D(2010, 1, 1),
            attributes={"name": key, "jurisdiction": "150200"},
        )
        for key in ("a", "b")
    ]
    pool = pool_account(city.pk)
    transfer_post(
        date=D(2020, 1, 1),
        kind="institution",
        amount=5,
        from_account=external_account(),
        to_account=pool,
        decision=decision,
        reason="grant",
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def take(unit):
        try:
            barrier.wait(timeout=10)
            transfer_post(
                date=D(2020, 2, 1),
                kind="institution",
                amount=4,
                from_account=pool,
                to_account=unit_account(unit.pk),
                decision=decision,
                reason="reallocation",
            )
            outcomes.append("posted")
        except RegistryError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["posted", "refused"]
    assert balance(pool, "institution", D(2020, 12, 31)) == 1
