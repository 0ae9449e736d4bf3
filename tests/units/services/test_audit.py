"""Every write of the core services leaves an audit row: actor, request, before and after."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core import audit as actor_context
from core.errors import RegistryError
from units import services
from units.models import AuditEntry, Decision, Event, Unit

D = dt.date


@pytest.fixture
def users(db):
    model = get_user_model()
    return {
        "clerk": model.objects.create_user("clerk", is_superuser=True, is_staff=True),
        "approver": model.objects.create_user("approver", is_superuser=True, is_staff=True),
    }


def rows(action=None, object_type=None):
    qs = AuditEntry.objects.order_by("id")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return list(qs)


def test_jurisdiction_and_cap_writes_are_audited(db):
    with actor_context.acting(name="setup"):
        city = services.jurisdiction_create(code="150200", name="包头市", level="city")
        services.institution_cap_set(jurisdiction=city, valid_from=D(2021, 1, 1), cap=202)
    created = rows("create", "units.jurisdiction")[0]
    assert created.after == {"code": "150200", "name": "包头市", "level": "city", "parent": None}
    assert created.actor == "setup" and created.user is None and created.before is None
    cap = rows("create", "units.institutioncap")[0]
    assert cap.after["cap"] == 202 and cap.after["valid_from"] == "2021-01-01"


def test_registration_is_audited_per_unit(reg):
    with actor_context.acting(name="import"):
        reg.register("u1", sector="卫生")
        reg.register("u2")
    registered = rows("register")
    assert [r.object_id for r in registered] == [
        str(Unit.objects.get(key="u1").pk),
        str(Unit.objects.get(key="u2").pk),
    ]
    assert registered[0].after["sector"] == "卫生"
    assert registered[0].after["established_on"] == "2015-01-01"
    assert registered[0].object_type == "units.unit"
    assert {r.actor for r in registered} == {"import"}


def test_draft_lifecycle_is_audited_with_the_user_and_before_after(reg, users):
    clerk = users["clerk"]
    reg.register("old")
    with actor_context.acting(user=clerk) as actor:
        decision = services.decision_create(
            number="包编发〔2020〕5号", title="草稿", issued_on=D(2020, 1, 1), user=clerk
        )
        services.decision_update(decision=decision, title="修改后的标题", user=clerk)
        event = services.event_create(
            decision=decision,
            key="e-est",
            type="establish",
            effective_on=D(2020, 3, 1),
            new_units=[reg.new("new")],
            user=clerk,
        )
        services.event_update(event=event, effective_on=D(2020, 4, 1), user=clerk)
        second = services.event_create(
            decision=decision,
            key="e-ab",
            type="abolish",
            effective_on=D(2020, 4, 1),
            sources=["old"],
            user=clerk,
        )
        services.event_delete(event=second, user=clerk)
    mine = rows()
    assert mine and all(r.user == clerk and r.actor == "clerk" for r in mine[-7:])
    assert len({r.request_id for r in mine[-7:]}) == 1 and mine[-1].request_id == actor.request_id

    created = rows("create", "units.decision")[0]
    assert created.before is None and created.after["title"] == "草稿"
    updated = rows("update", "units.decision")[0]
    assert updated.before["title"] == "草稿" and updated.after["title"] == "修改后的标题"
    assert updated.after["revision"] == updated.before["revision"] + 1

    new_unit = rows("create", "units.unit")[0]
    assert new_unit.after == {"key": "new", "kind": "institution", "established_by": "e-est"}
    event_created = rows("create", "units.event")[0]
    assert event_created.after["targets"] == ["new"]
    assert event_created.after["effective_on"] == "2020-03-01"
    event_updated = rows("update", "units.event")[0]
    assert event_updated.before["effective_on"] == "2020-03-01"
    assert event_updated.after["effective_on"] == "2020-04-01"
    deleted = rows("delete", "units.event")[0]
    assert deleted.before["key"] == "e-ab" and deleted.before["sources"] == ["old"]
    assert deleted.after is None


def test_deleting_a_draft_is_audited_with_the_units_it_would_have_created(reg, users):
    decision = reg.draft(reg.event("e", "establish", D(2020, 1, 1), new_units=[reg.new("n")]))
    with actor_context.acting(user=users["clerk"]):
        services.decision_delete(decision=decision, user=users["clerk"])
    assert rows("delete", "units.decision")[0].before["number"] == decision.number
    assert rows("delete", "units.unit")[0].before == {"key": "n", "kind": "institution"}
    assert not Decision.objects.filter(pk=decision.pk).exists()
    assert not Unit.objects.filter(key="n").exists()


def test_approval_and_revocation_are_audited_with_the_approver(reg, users):
    approver = users["approver"]
    reg.register("u")
    decision = reg.draft(
        reg.event("e", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "x"})
    )
    with actor_context.acting(user=approver):
        services.decision_approve(decision=decision, user=approver)
        services.decision_revoke(decision=decision, user=approver)
    approve = rows("approve")[0]
    assert approve.user == approver and approve.actor == "approver"
    assert approve.before["status"] == "draft" and approve.after["status"] == "approved"
    revoke = rows("revoke")[0]
    assert revoke.before["status"] == "approved" and revoke.after["status"] == "revoked"
    decision.refresh_from_db()
    assert decision.approved_by == approver and decision.revoked_by == approver


def test_commands_are_the_actor_of_their_writes(reg):
    call_command("rebuild_registry", stdout=io.StringIO())
    entry = rows("rebuild")[0]
    assert entry.actor == "manage.py rebuild_registry" and entry.user is None
    assert entry.request_id


def test_a_refused_write_leaves_no_audit_row(reg):
    reg.register("u")
    reg.decide(reg.event("end", "abolish", D(2020, 1, 1), sources=["u"]))
    decision = reg.draft(
        reg.event("late", "change", D(2021, 1, 1), sources=["u"], attributes={"name": "x"})
    )
    before = AuditEntry.objects.count()
    with pytest.raises(RegistryError):
        services.decision_approve(decision=decision)
    with pytest.raises(RegistryError):
        services.decision_create(number=decision.number, title="t", issued_on=D(2020, 1, 1))
    with pytest.raises(RegistryError):
        services.event_create(
            decision=decision, key="late", type="abolish", effective_on=D(2021, 1, 1), sources=["u"]
        )
    assert AuditEntry.objects.count() == before
    assert Event.objects.filter(key="late").count() == 1
