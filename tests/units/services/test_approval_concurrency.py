"""Two approvals touching the same unit at the same moment (PostgreSQL, separate connections):
the second derives from what the first committed, and the registry stays consistent."""

import datetime as dt
import threading

import pytest
from django.db import connections

from units import services
from units.models import Decision, UnitVersion

D = dt.date


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_of_one_unit_stay_consistent(on_postgres, registry_class):
    reg = registry_class()
    reg.register("u")
    drafts = [
        reg.draft(
            reg.event(
                f"e{i}", "change", D(2020, 1 + i, 1), sources=["u"], attributes={"name": f"名{i}"}
            )
        )
        for i in range(4)
    ]
    barrier = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def approve(pk: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.decision_approve(decision=Decision.objects.get(pk=pk))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(d.pk,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert services.registry_differences() == []
    names = list(
        UnitVersion.objects.filter(unit__key="u")
        .order_by("valid_from")
        .values_list("name", flat=True)
    )
    assert names == ["u名称", "名0", "名1", "名2", "名3"]
