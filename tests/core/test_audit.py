"""Every write path leaves audit rows: the admin, services called directly, management
commands, bulk operations (workbook import) and the API. Who, when, which request, what."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.urls import reverse

from core import audit as actor_context
from tests.fixtures.city_admin import merge_post
from units import services
from units.models import AuditEntry, Decision, Event, Unit

D = dt.date


def test_admin_writes_carry_user_and_request_id(world, login):
    client = login(world.users["clerk"])
    response = client.post(
        reverse("admin:units_decision_add"), merge_post(world), HTTP_X_REQUEST_ID="req-admin-1"
    )
    assert response.status_code == 302
    rows = AuditEntry.objects.filter(request_id="req-admin-1")
    assert {(r.object_type, r.action) for r in rows} >= {
        ("units.decision", "create"),
        ("units.event", "create"),
        ("units.unit", "create"),
    }
    assert {r.user for r in rows} == {world.users["clerk"]}
    event = rows.get(object_type="units.event")
    assert event.after["sources"] == ["city-a", "city-b"]
    assert event.after["type"] == "merge"


def test_updates_keep_values_before_and_after(world):
    decision = world.merge_draft()
    with actor_context.acting(user=world.users["clerk"]):
        services.decision_update(decision=decision, title="改后的标题", user=world.users["clerk"])
    row = AuditEntry.objects.get(object_type="units.decision", action="update")
    assert row.before["title"] == "合并住房事业单位" and row.after["title"] == "改后的标题"
    assert row.actor == "clerk" and row.request_id


def test_services_outside_a_request_are_attributed(world):
    decision = world.merge_draft()
    with actor_context.acting(name="nightly-job"):
        services.decision_approve(decision=decision)
    row = AuditEntry.objects.get(object_type="units.decision", action="approve")
    assert row.actor == "nightly-job" and row.user is None
    assert row.before["status"] == "draft" and row.after["status"] == "approved"


def test_approval_and_revocation_by_user(world, login):
    decision = world.merge_draft()
    client = login(world.users["approver"])
    client.post(reverse("admin:units_decision_approve", args=[decision.pk]), {"confirm": "1"})
    client.post(reverse("admin:units_decision_revoke", args=[decision.pk]), {"confirm": "1"})
    rows = AuditEntry.objects.filter(object_type="units.decision", object_id=str(decision.pk))
    assert {r.action for r in rows.filter(actor="approver")} == {"approve", "revoke"}


CSV = {
    "jurisdictions.csv": "code,name,parent,level\n150200,包头市,,city\n",
    "units.csv": (
        "key,kind,name,short_name,credit_code,jurisdiction,parent,category,rank,funding,sector,"
        "business_functions,market_replaceable,pending_wind_down,functions,internal_bodies,"
        "established_on,established_by\n"
        "dep,department,某局,,,150200,,,bureau,full,,false,false,false,,1,2019-01-01,\n"
        "i1,institution,某中心一,,,150200,dep,public_welfare_1,section,full,,false,false,false,,0,2019-01-01,\n"
        "i2,institution,某中心二,,,150200,dep,public_welfare_1,section,full,,false,false,false,,0,2019-01-01,\n"
    ),
}


def test_commands_and_bulk_imports_write_one_row_per_object(db, tmp_path):
    for name, text in CSV.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    call_command("import_registry", str(tmp_path))
    rows = AuditEntry.objects.filter(actor="manage.py import_registry")
    registered = rows.filter(action="register", object_type="units.unit")
    assert sorted(registered.values_list("object_repr", flat=True)) == ["dep", "i1", "i2"]
    assert rows.filter(object_type="units.jurisdiction", action="create").count() == 1
    assert len(set(rows.values_list("request_id", flat=True))) == 1  # one run, one id
    call_command("rebuild_registry")
    assert AuditEntry.objects.filter(actor="manage.py rebuild_registry", action="rebuild").exists()


def test_bulk_event_creation_writes_a_row_per_event(world):
    decision = services.decision_create(number="批量", title="t", issued_on=D(2020, 1, 1))
    with actor_context.acting(name="bulk-test"):
        services.events_create_bulk(
            rows=[
                services.EventInput(
                    decision=decision,
                    key=f"ab-{i}",
                    type="abolish",
                    effective_on=D(2021, 1, 1),
                    sources=[key],
                )
                for i, key in enumerate(["kdl-1", "kdl-2"])
            ]
        )
    rows = AuditEntry.objects.filter(actor="bulk-test", object_type="units.event")
    assert sorted(rows.values_list("object_repr", flat=True)) == sorted(
        str(e) for e in Event.objects.filter(decision=decision)
    )


def test_api_write_is_audited(world, client):
    from django.contrib.auth.models import Permission

    writer = world.users["api-client"]
    writer.user_permissions.add(
        Permission.objects.get(content_type__app_label="staffing", codename="add_headcountreport")
    )
    client.force_login(writer)
    response = client.post(
        "/api/v1/headcounts/",
        {"unit": "kdl-1", "kind": "institution", "as_of": "2020-01-01", "actual": 5},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-api-1",
    )
    assert response.status_code in (200, 201), response.content
    row = AuditEntry.objects.get(request_id="req-api-1")
    assert row.user == writer and row.actor == "api-client"


def test_every_stored_decision_event_and_unit_has_a_creation_row(world, login):
    login(world.users["clerk"]).post(reverse("admin:units_decision_add"), merge_post(world))
    world.merge_draft(number="另一个")
    for model, action in ((Decision, "create"), (Event, "create")):
        for obj in model.objects.all():
            assert AuditEntry.objects.filter(
                object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
            ).exists(), obj
    for unit in Unit.objects.all():
        assert AuditEntry.objects.filter(
            object_type="units.unit", object_id=str(unit.pk), action__in=["create", "register"]
        ).exists(), unit
