"""A clerk limited to 昆都仑区 (150203) sees and edits only units of that district and below,
in the admin and in the services alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from core.errors import RegistryError
from tests.fixtures.city_admin import merge_post
from units import permissions, services
from units.models import Decision, Jurisdiction, JurisdictionScope
from units.permissions import NotPermitted
from units.services import NewUnit

D = dt.date


def test_scope_ids_include_subdivisions(world):
    zone = services.jurisdiction_create(
        code="150299", name="街道", level="zone", parent=world.district
    )
    clerk = world.users["district-clerk"]
    permissions.forget_scope(clerk)
    assert permissions.user_jurisdiction_ids(clerk) == {world.district.pk, zone.pk}
    assert permissions.user_jurisdiction_ids(world.users["clerk"]) is None
    assert permissions.user_jurisdiction_ids(world.users["admin"]) is None


def test_scoped_clerk_sees_only_district_units(world, login):
    client = login(world.users["district-clerk"])
    body = client.get(reverse("admin:units_institution_changelist")).content.decode()
    assert "昆都仑区档案馆" in body and "昆都仑区信息中心" in body
    assert "包头市房产服务中心" not in body and "青山区档案馆" not in body
    outside = client.get(reverse("admin:units_institution_change", args=[world.a.pk]))
    assert outside.status_code == 302  # "does not exist" for this user
    inside = client.get(reverse("admin:units_institution_change", args=[world.k1.pk]))
    assert inside.status_code == 200
    jurisdictions = client.get(reverse("admin:units_jurisdiction_changelist")).content.decode()
    assert "150203" in jurisdictions and "150204" not in jurisdictions


def test_scoped_autocomplete_offers_only_district_units(world, login):
    client = login(world.users["district-clerk"])
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "units",
            "model_name": "eventparticipant",
            "field_name": "unit",
            "term": "档案馆",
        },
    )
    assert response.status_code == 200
    texts = [r["text"] for r in response.json()["results"]]
    assert texts == ["昆都仑区档案馆（kdl-1）"]
    everyone = login(world.users["clerk"]).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "units",
            "model_name": "eventparticipant",
            "field_name": "unit",
            "term": "档案馆",
        },
    )
    assert len(everyone.json()["results"]) == 2


def test_scoped_clerk_cannot_enter_events_outside_district(world, login):
    clerk = world.users["district-clerk"]
    decision = services.decision_create(
        number="昆编发〔2020〕1号", title="t", issued_on=D(2020, 1, 1), user=clerk
    )
    with pytest.raises(NotPermitted) as refused:
        services.event_create(
            decision=decision,
            key="m-out",
            type="merge",
            effective_on=D(2021, 1, 1),
            sources=["city-a", "kdl-1"],
            new_units=[NewUnit("x", "institution", {"name": "x", "jurisdiction": "150203"})],
            user=clerk,
        )
    assert [p["unit"] for p in refused.value.problems] == ["city-a"]
    with pytest.raises(NotPermitted):  # a new unit placed outside the district
        services.event_create(
            decision=decision,
            key="e-out",
            type="establish",
            effective_on=D(2021, 1, 1),
            new_units=[NewUnit("y", "institution", {"name": "y", "jurisdiction": "150200"})],
            user=clerk,
        )
    with pytest.raises(NotPermitted):  # moving a district unit out of the district
        services.event_create(
            decision=decision,
            key="c-out",
            type="change",
            effective_on=D(2021, 1, 1),
            sources=["kdl-1"],
            attributes={"jurisdiction": "150204"},
            user=clerk,
        )
    event = services.event_create(
        decision=decision,
        key="m-in",
        type="merge",
        effective_on=D(2021, 1, 1),
        sources=["kdl-1", "kdl-2"],
        new_units=[NewUnit("kdl-12", "institution", {"name": "合并", "jurisdiction": "150203"})],
        user=clerk,
    )
    assert event.participants.count() == 3
    with pytest.raises(NotPermitted):
        services.event_update(event=event, sources=["kdl-1", "qs-1"], user=clerk)
    with pytest.raises(NotPermitted):
        services.unit_register(
            key="z",
            kind="institution",
            established_on=D(2016, 1, 1),
            attributes={"name": "z", "jurisdiction": "150200"},
            user=clerk,
        )


def test_scoped_user_cannot_touch_city_decision(world):
    decision = world.merge_draft()
    clerk = world.users["district-clerk"]
    for call in (
        lambda: services.decision_update(decision=decision, title="x", user=clerk),
        lambda: services.decision_delete(decision=decision, user=clerk),
        lambda: services.event_delete(event=decision.events.get(), user=clerk),
    ):
        with pytest.raises(NotPermitted):
            call()
    scoped_approver = world.user("district-approver", roles=["approver"])
    permissions.scope_grant(user=scoped_approver, jurisdiction=world.district)
    with pytest.raises(NotPermitted):
        services.decision_approve(decision=decision, user=scoped_approver)
    assert Decision.objects.get(pk=decision.pk).status == "draft"


def test_scoped_clerk_does_not_see_city_decisions(world, login):
    city = world.merge_draft()
    clerk = world.users["district-clerk"]
    own = services.decision_create(
        number="昆1", title="区里的", issued_on=D(2020, 1, 1), user=clerk
    )
    body = login(clerk).get(reverse("admin:units_decision_changelist")).content.decode()
    assert own.number in body and city.number not in body
    response = login(clerk).get(reverse("admin:units_decision_change", args=[city.pk]))
    assert response.status_code == 302


def test_scoped_clerk_admin_post_outside_district_refused(world, login):

    client = login(world.users["district-clerk"])
    response = client.post(reverse("admin:units_decision_add"), merge_post(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "不在您的管辖范围内" in body or "选择一个有效的选项" in body
    assert not Decision.objects.exists()


def test_roles_need_their_permissions_in_services(world):
    decision = world.merge_draft()
    with pytest.raises(NotPermitted):
        services.decision_create(
            number="n", title="t", issued_on=D(2020, 1, 1), user=world.users["official"]
        )
    with pytest.raises(NotPermitted):
        services.decision_approve(decision=decision, user=world.users["clerk"])
    with pytest.raises(NotPermitted):
        services.decision_update(decision=decision, title="x", user=world.users["approver"])
    assert isinstance(NotPermitted("x"), RegistryError)


def test_scope_admin_grants_and_withdraws_with_audit(world, login):
    from units.models import AuditEntry

    client = login(world.users["admin"])
    official = world.users["official"]
    response = client.post(
        reverse("admin:units_jurisdictionscope_add"),
        {"user": official.pk, "jurisdiction": Jurisdiction.objects.get(code="150204").pk},
    )
    assert response.status_code == 302
    scope = JurisdictionScope.objects.get(user=official)
    assert AuditEntry.objects.filter(action="grant", actor="admin").exists()
    client.post(reverse("admin:units_jurisdictionscope_delete", args=[scope.pk]), {"post": "yes"})
    assert not JurisdictionScope.objects.filter(user=official).exists()
    assert AuditEntry.objects.filter(action="withdraw", actor="admin").exists()
