"""registry_changed: sent inside the transaction of every re-derivation; a receiver that
raises RegistryError refuses the whole write."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from core.errors import RegistryError
from units import services
from units.models import Unit
from units.signals import registry_changed

D = dt.date


@pytest.fixture
def received():
    calls = []

    def receiver(sender, unit_ids, decisions, action, **kwargs):
        calls.append((action, set(unit_ids), [d.number for d in decisions]))

    registry_changed.connect(receiver, dispatch_uid="test-received")
    yield calls
    registry_changed.disconnect(dispatch_uid="test-received")


def test_sent_for_registration_approval_revocation_and_rebuild(reg, received):
    reg.register("u")
    uid = Unit.objects.get(key="u").pk
    decision = reg.decide(
        reg.event("e", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "x"})
    )
    services.decision_revoke(decision=decision)
    call_command("rebuild_registry", stdout=io.StringIO())
    assert received[0] == ("register", {uid}, [])
    assert received[1] == ("approve", {uid}, [decision.number])
    assert received[2] == ("revoke", {uid}, [decision.number])
    assert received[3][0] == "rebuild" and uid in received[3][1]


def test_a_receiver_refusing_undoes_the_approval(reg):
    reg.register("u")
    decision = reg.draft(
        reg.event("e", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "x"})
    )

    def refuse(sender, **kwargs):
        raise RegistryError("配套的编制无法调整。", event="e", unit="u")

    registry_changed.connect(refuse, dispatch_uid="test-refuse")
    try:
        before = reg.snapshot()
        with pytest.raises(RegistryError, match="编制"):
            services.decision_approve(decision=decision)
        assert reg.snapshot() == before
    finally:
        registry_changed.disconnect(dispatch_uid="test-refuse")
    services.decision_approve(decision=decision)
    assert reg.versions("u")[-1][2] == "x"
