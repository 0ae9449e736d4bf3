"""Every admin page renders for each role, and each role sees exactly what it may."""

from __future__ import annotations

import pytest
from django.urls import reverse

from units.models import AuditEntry, Decision

ROLES = ["clerk", "approver", "official", "district-clerk", "admin"]


def pages(world, decision):
    return {
        "index": reverse("admin:index"),
        "departments": reverse("admin:units_department_changelist"),
        "institutions": reverse("admin:units_institution_changelist"),
        "institution": reverse("admin:units_institution_change", args=[world.k1.pk]),
        "department": reverse("admin:units_department_change", args=[world.district_office.pk]),
        "decisions": reverse("admin:units_decision_changelist"),
        "decision": reverse("admin:units_decision_change", args=[decision.pk]),
        "jurisdictions": reverse("admin:units_jurisdiction_changelist"),
        "caps": reverse("admin:units_institutioncap_changelist"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_each_role(world, login, role):
    decision = world.merge_draft()
    client = login(world.users[role])
    for name, url in pages(world, decision).items():
        if role == "district-clerk" and name == "decision":
            continue  # the merge touches city units only: not visible to the district clerk
        response = client.get(url)
        assert response.status_code == 200, (role, name, response.status_code)


@pytest.mark.parametrize("role", ["clerk", "district-clerk", "admin"])
def test_add_decision_page_renders_for_editors(world, login, role):
    response = login(world.users[role]).get(reverse("admin:units_decision_add"))
    assert response.status_code == 200
    assert "新设机构 1" in response.content.decode()


@pytest.mark.parametrize("role", ["approver", "official", "api-client", "nobody"])
def test_add_decision_denied_to_others(world, login, role):
    user = world.users[role]
    response = login(user).get(reverse("admin:units_decision_add"))
    assert response.status_code == 403


def test_api_client_has_no_admin(world, login):
    world.users["api-client"].is_staff = False
    world.users["api-client"].save()
    response = login(world.users["api-client"]).get(reverse("admin:index"))
    assert response.status_code == 302


def test_institution_list_shows_state_today_and_filters(world, login):
    client = login(world.users["official"])
    url = reverse("admin:units_institution_changelist")
    body = client.get(url).content.decode()
    assert "包头市房产服务中心" in body and "昆都仑区档案馆" in body
    assert "包头市住房和城乡建设局" in body  # the supervising department, by name
    assert 'field-key">kdl-office<' not in body  # departments have their own screen
    filtered = client.get(url, {"jurisdiction": "150203"}).content.decode()
    result = filtered.split('id="result_list"')[1]
    assert "昆都仑区档案馆" in result and "包头市房产服务中心" not in result
    by_parent = client.get(url, {"parent": "city-housing"}).content.decode()
    result = by_parent.split('id="result_list"')[1]
    assert "包头市房产服务中心" in result and "昆都仑区档案馆" not in result
    by_category = client.get(url, {"category": "public_welfare_2"}).content.decode()
    result = by_category.split('id="result_list"')[1]
    assert "包头市住房保障中心" in result and "包头市房产服务中心" not in result
    for params in (
        {"status": "active"},
        {"status": "ended"},
        {"pending": "yes"},
        {"rank": "division"},
        {"funding": "full"},
    ):
        assert client.get(url, params).status_code == 200


def test_list_query_count_does_not_grow(world, login, django_assert_max_num_queries):
    client = login(world.users["admin"])
    url = reverse("admin:units_institution_changelist")
    client.get(url)
    for i in range(10):
        world.register(f"more-{i}", name=f"更多单位{i}", parent="city-housing")
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


def test_search_by_former_name_and_credit_code(world, login):
    from units import services

    services.decision_approve(decision=_rename(world), user=None)
    client = login(world.users["official"])
    url = reverse("admin:units_institution_changelist")
    result = client.get(url, {"q": "房产服务"}).content.decode().split('id="result_list"')[1]
    assert "city-a" in result  # found by its former name
    result = client.get(url, {"q": _valid_code()}).content.decode()
    assert "city-b" in result.split('id="result_list"')[1]


def _rename(world):
    from units import services

    decision = services.decision_create(number="更名1", title="更名", issued_on=world_date())
    services.event_create(
        decision=decision,
        key="rename-a",
        type="change",
        effective_on=world_date(),
        sources=["city-a"],
        attributes={"name": "包头市不动产登记中心"},
    )
    services.event_create(
        decision=decision,
        key="code-b",
        type="change",
        effective_on=world_date(),
        sources=["city-b"],
        attributes={"credit_code": _valid_code()},
    )
    return decision


def world_date():
    import datetime as dt

    return dt.date(2019, 1, 1)


def _valid_code() -> str:
    from units.rules import credit_code_check_character

    first = "12150200MA0N00000"
    return first + credit_code_check_character(first)


def test_unit_page_shows_history_and_public_link(world, login):
    decision = world.merge_draft()
    from units import services

    services.decision_approve(decision=decision, user=world.users["approver"])
    client = login(world.users["official"])
    body = client.get(reverse("admin:units_institution_change", args=[world.a.pk])).content.decode()
    assert "历史版本" in body and "2021-03-31" in body
    assert decision.number in body
    assert reverse("units:unit-detail", kwargs={"key": "city-a"}) in body
    assert 'name="_save"' not in body  # read-only


def test_audit_admin_is_read_only_even_for_superusers(world, login):
    client = login(world.users["admin"])
    entry = AuditEntry.objects.first()
    assert client.get(reverse("admin:units_auditentry_changelist")).status_code == 200
    page = client.get(reverse("admin:units_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:units_auditentry_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:units_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    searched = client.get(
        reverse("admin:units_auditentry_changelist"), {"q": "city-a", "action": "register"}
    )
    assert searched.status_code == 200 and "city-a" in searched.content.decode()


def test_audit_admin_hidden_from_clerks(world, login):
    client = login(world.users["clerk"])
    assert client.get(reverse("admin:units_auditentry_changelist")).status_code == 403


def test_approved_decision_is_read_only(world, login):
    from units import services

    decision = world.merge_draft()
    services.decision_approve(decision=decision, user=world.users["approver"])
    client = login(world.users["clerk"])
    body = client.get(reverse("admin:units_decision_change", args=[decision.pk])).content.decode()
    assert 'name="_save"' not in body
    assert 'id="approve-link"' not in body and 'id="revoke-link"' not in body
    response = client.post(reverse("admin:units_decision_change", args=[decision.pk]), {})
    assert response.status_code == 403
    assert Decision.objects.get(pk=decision.pk).status == "approved"


def test_autocomplete_lists_units_existing_today_first_and_marks_ended(world, login):
    from units import services

    decision = world.merge_draft()
    services.decision_approve(decision=decision, user=None)
    response = login(world.users["clerk"]).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "units",
            "model_name": "eventparticipant",
            "field_name": "unit",
            "term": "包头市住房",
        },
    )
    texts = [r["text"] for r in response.json()["results"]]
    assert texts[0] == f"包头市住房服务中心（city-ab-{decision.pk}）"
    assert "包头市住房保障中心（city-b）（已终止）" in texts
