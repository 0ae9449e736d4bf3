"""Entering, approving and revoking decisions in the admin: every write goes through the
services, refusals are shown on the page with nothing written, concurrent edits are refused."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.fixtures.city_admin import management, merge_post
from units import services
from units.models import AuditEntry, Decision, DecisionAttachment, Event, Unit, UnitVersion

D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_clerk_enters_a_merge_with_its_new_unit_on_one_page(world, login):
    client = login(world.users["clerk"])
    response = client.post(reverse("admin:units_decision_add"), merge_post(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = Decision.objects.get(number="包编发〔2020〕12号")
    assert decision.status == "draft" and decision.created_by == world.users["clerk"]
    event = decision.events.get()
    assert event.type == "merge"
    parts = {(p.role, p.unit.key, p.creates) for p in event.participants.select_related("unit")}
    assert parts == {
        ("source", "city-a", False),
        ("source", "city-b", False),
        ("target", "city-ab", True),
    }
    created = event.participants.get(creates=True)
    assert created.attributes["parent"] == "city-housing"
    assert created.attributes["category"] == "public_welfare_1"
    # Written by the services, attributed to the clerk.
    actions = set(AuditEntry.objects.filter(actor="clerk").values_list("object_type", "action"))
    assert ("units.decision", "create") in actions and ("units.event", "create") in actions


def test_refused_event_shows_problem_and_writes_nothing(world, login):
    client = login(world.users["clerk"])
    before = (Decision.objects.count(), Event.objects.count(), Unit.objects.count())
    audit_before = AuditEntry.objects.count()
    data = merge_post(world)
    data["events-0-sources"] = [str(world.a.pk)]  # a merge needs two sources
    response = client.post(reverse("admin:units_decision_add"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "merge-1" in body and "2 个来源机构" in body
    assert (Decision.objects.count(), Event.objects.count(), Unit.objects.count()) == before
    assert AuditEntry.objects.count() == audit_before
    # The page keeps what was typed.
    assert "包头市住房服务中心" in body


def test_bad_attribute_is_shown_at_its_field(world, login):
    client = login(world.users["clerk"])
    data = merge_post(world)
    data["events-0-new1_credit_code"] = "91150200MA0N000000"
    response = client.post(reverse("admin:units_decision_add"), data)
    assert response.status_code == 200
    assert "校验" in response.content.decode() or "统一社会信用代码" in response.content.decode()
    assert not Decision.objects.exists()


def _change_post(world, decision, **extra):
    event = decision.events.get()
    data = merge_post(
        world,
        number=decision.number,
        key=event.key,
        new_key=event.participants.get(creates=True).unit.key,
    )
    data.update(management("events", 1, 1))
    data["events-0-id"] = str(event.pk)
    data["events-0-decision"] = str(decision.pk)
    data["revision"] = str(decision.revision)
    data.update(extra)
    return data


def test_edit_of_a_draft_goes_through_services(world, login):
    decision = world.merge_draft()
    client = login(world.users["clerk"])
    url = reverse("admin:units_decision_change", args=[decision.pk])
    assert client.get(url).status_code == 200
    data = _change_post(world, decision, title="新标题", **{"events-0-effective_on": "2021-03-30"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    decision.refresh_from_db()
    assert decision.title == "新标题"
    assert decision.events.get().effective_on == dt.date(2021, 3, 30)
    assert AuditEntry.objects.filter(actor="clerk", action="update").count() == 2


def test_second_save_of_the_same_draft_is_refused(world, login):
    decision = world.merge_draft()
    url = reverse("admin:units_decision_change", args=[decision.pk])
    first = _change_post(world, decision, title="甲的标题")
    second = _change_post(world, decision, title="乙的标题")
    clerk2 = world.user("clerk2", roles=["clerk"])
    assert login(world.users["clerk"]).post(url, first).status_code == 302
    response = login(clerk2).post(url, second)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已被他人修改" in body
    decision.refresh_from_db()
    assert decision.title == "甲的标题"


def test_attachment_must_be_pdf(world, login):
    decision = world.merge_draft()
    url = reverse("admin:units_decision_change", args=[decision.pk])
    client = login(world.users["clerk"])
    data = _change_post(world, decision)
    data.update(management("attachments", 1))
    data["attachments-0-title"] = "正文"
    data["attachments-0-file"] = SimpleUploadedFile("doc.txt", b"hello", "text/plain")
    response = client.post(url, data)
    assert response.status_code == 200 and "PDF" in response.content.decode()
    assert not DecisionAttachment.objects.exists()
    decision.refresh_from_db()
    data = _change_post(world, decision)
    data.update(management("attachments", 1))
    data["attachments-0-title"] = "正文"
    data["attachments-0-file"] = SimpleUploadedFile("doc.pdf", PDF, "application/pdf")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = DecisionAttachment.objects.get()
    assert attachment.decision == decision
    assert AuditEntry.objects.filter(action="attach", actor="clerk").exists()


def test_delete_draft_through_services(world, login):
    decision = world.merge_draft()
    client = login(world.users["clerk"])
    url = reverse("admin:units_decision_delete", args=[decision.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Decision.objects.filter(pk=decision.pk).exists()
    assert not Unit.objects.filter(key__startswith="city-ab").exists()
    assert AuditEntry.objects.filter(action="delete", object_type="units.decision").exists()


def test_approver_previews_then_approves(world, login):
    decision = world.merge_draft()
    client = login(world.users["approver"])
    change = client.get(reverse("admin:units_decision_change", args=[decision.pk]))
    assert 'id="approve-link"' in change.content.decode()
    url = reverse("admin:units_decision_approve", args=[decision.pk])
    preview = client.get(url)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "包头市住房服务中心" in body  # starts
    assert "包头市房产服务中心" in body and "包头市住房保障中心" in body  # end
    assert "包头市住房和城乡建设局" in body and "-1" in body  # 2 institutions become 1
    assert preview.context["preview"].departments[0].before == 2
    assert preview.context["preview"].departments[0].after == 1
    assert Decision.objects.get(pk=decision.pk).status == "draft"  # the preview wrote nothing
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "approved" and decision.approved_by == world.users["approver"]
    new_unit = Unit.objects.get(key=f"city-ab-{decision.pk}")
    assert UnitVersion.objects.get(unit=new_unit).valid_from == dt.date(2021, 3, 31)


def test_failed_approval_names_event_unit_and_reason(world, login):
    from units import services

    first = world.merge_draft()
    services.decision_approve(decision=first, user=None)
    # A second decision abolishing city-a after it has already ended.
    second = services.decision_create(number="第二号", title="撤销", issued_on=dt.date(2021, 5, 1))
    services.event_create(
        decision=second,
        key="abolish-a",
        type="abolish",
        effective_on=dt.date(2021, 6, 1),
        sources=["city-a"],
    )
    client = login(world.users["approver"])
    url = reverse("admin:units_decision_approve", args=[second.pk])
    preview = client.get(url).content.decode()
    assert "abolish-a" in preview and "city-a" in preview and "终止" in preview
    audit_before = AuditEntry.objects.count()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "abolish-a" in body and "city-a" in body and "已于" in body
    second.refresh_from_db()
    assert second.status == "draft"
    assert AuditEntry.objects.count() == audit_before


def test_approve_and_revoke_denied_to_clerks(world, login):
    decision = world.merge_draft()
    client = login(world.users["clerk"])
    assert (
        client.get(reverse("admin:units_decision_approve", args=[decision.pk])).status_code == 403
    )
    assert (
        client.post(reverse("admin:units_decision_approve", args=[decision.pk])).status_code == 403
    )
    assert (
        client.post(reverse("admin:units_decision_revoke", args=[decision.pk])).status_code == 403
    )
    body = client.get(reverse("admin:units_decision_change", args=[decision.pk])).content.decode()
    assert 'id="approve-link"' not in body
    assert Decision.objects.get(pk=decision.pk).status == "draft"


def test_revoke_with_preview(world, login):
    from units import services

    decision = world.merge_draft()
    services.decision_approve(decision=decision, user=None)
    client = login(world.users["approver"])
    url = reverse("admin:units_decision_revoke", args=[decision.pk])
    preview = client.get(url)
    assert preview.status_code == 200
    assert "包头市住房服务中心" in preview.content.decode()
    assert client.post(url, {"confirm": "1"}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == "revoked"
    assert not UnitVersion.objects.filter(unit__key=f"city-ab-{decision.pk}").exists()


def test_official_cannot_write(world, login):
    decision = world.merge_draft()
    client = login(world.users["official"])
    url = reverse("admin:units_decision_change", args=[decision.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _change_post(world, decision, title="x")).status_code == 403
    assert (
        client.post(
            reverse("admin:units_decision_delete", args=[decision.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:units_decision_approve", args=[decision.pk])).status_code == 403
    )
    assert Decision.objects.get(pk=decision.pk).title != "x"


def test_register_existing_unit_through_admin(world, login):
    client = login(world.users["admin"])
    url = reverse("admin:units_institution_add")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "key": "city-new",
            "established_on": "2016-01-01",
            "name": "包头市新单位",
            "jurisdiction": "150200",
            "parent": str(world.housing.pk),
            "category": "public_welfare_1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(key="city-new")
    assert unit.kind == "institution"
    assert UnitVersion.objects.get(unit=unit).name == "包头市新单位"
    refused = client.post(
        url,
        {"key": "city-new", "established_on": "2010-01-01", "name": "x", "jurisdiction": "150200"},
    )
    assert refused.status_code == 200 and "已存在" in refused.content.decode()
    assert login(world.users["official"]).get(url).status_code == 403
    # A clerk of 昆都仑区 registers units there, and only there.
    clerk = login(world.users["district-clerk"])
    outside = clerk.post(
        url,
        {"key": "kdl-new", "established_on": "2016-01-01", "name": "x", "jurisdiction": "150200"},
    )
    assert outside.status_code == 200 and not Unit.objects.filter(key="kdl-new").exists()
    inside = clerk.post(
        url,
        {"key": "kdl-new", "established_on": "2016-01-01", "name": "x", "jurisdiction": "150203"},
    )
    assert inside.status_code == 302
    assert AuditEntry.objects.filter(action="register", actor="district-clerk").exists()


def test_bulk_delete_of_drafts_goes_through_services(world, login):
    from units import services

    drafts = [world.merge_draft(number=f"草稿{i}") for i in range(2)]
    approved = world.merge_draft(number="已批")
    services.decision_approve(decision=approved, user=None)
    client = login(world.users["clerk"])
    url = reverse("admin:units_decision_changelist")
    response = client.post(
        url,
        {"action": "delete_drafts", "_selected_action": [str(d.pk) for d in drafts]},
    )
    assert response.status_code == 302
    assert not Decision.objects.filter(pk__in=[d.pk for d in drafts]).exists()
    deleted = AuditEntry.objects.filter(
        action="delete", object_type="units.decision", actor="clerk"
    )
    assert deleted.count() == 2
    # An approved decision cannot be deleted: the whole action is refused, nothing is deleted.
    other = world.merge_draft(number="草稿3")
    response = client.post(
        url,
        {"action": "delete_drafts", "_selected_action": [str(other.pk), str(approved.pk)]},
        follow=True,
    )
    assert "不能再修改" in response.content.decode()
    assert Decision.objects.filter(pk__in=[other.pk, approved.pk]).count() == 2


def test_editing_keeps_what_the_page_cannot_show(world, login):
    """A split into four new units and a change removing the supervising unit, entered by a
    workbook, keep those values when the clerk edits something else on the page."""
    from units import services

    decision = services.decision_create(number="工作簿", title="t", issued_on=dt.date(2020, 1, 1))
    split = services.event_create(
        decision=decision,
        key="split-4",
        type="split",
        effective_on=dt.date(2021, 1, 1),
        sources=["city-a"],
        new_units=[
            services.NewUnit(
                f"part-{i}", "institution", {"name": f"分{i}", "jurisdiction": "150200"}
            )
            for i in range(4)
        ],
    )
    change = services.event_create(
        decision=decision,
        key="orphan-b",
        type="change",
        effective_on=dt.date(2021, 1, 1),
        sources=["city-b"],
        attributes={"parent": None, "sector": "住房"},
    )
    decision.refresh_from_db()
    client = login(world.users["clerk"])
    url = reverse("admin:units_decision_change", args=[decision.pk])
    page = client.get(url)
    forms = page.context["inline_admin_formsets"][0].formset.forms
    data = {
        "number": decision.number,
        "title": decision.title,
        "issuer": "",
        "issued_on": "2020-01-01",
        "revision": str(decision.revision),
        **management("events", 2, 2),
        **management("attachments", 0),
    }
    for i, form in enumerate(forms[:2]):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            if isinstance(value, list):
                data[f"events-{i}-{name}"] = [str(v) for v in value]
            else:
                data[f"events-{i}-{name}"] = str(value)
        data[f"events-{i}-id"] = str(form.instance.pk)
        data[f"events-{i}-decision"] = str(decision.pk)
        data[f"events-{i}-note"] = "补充说明"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    split.refresh_from_db()
    change.refresh_from_db()
    assert split.note == "补充说明" and change.note == "补充说明"
    assert split.participants.filter(creates=True).count() == 4
    assert change.attributes == {"parent": None, "sector": "住房"}


def _written() -> tuple[int, int, int, int]:
    return (
        Decision.objects.count(),
        Event.objects.count(),
        Unit.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_number_that_differs_only_in_brackets_is_refused_with_a_link(world, login):
    stored = world.merge_draft(number="包编发〔2020〕12号")
    client = login(world.users["clerk"])
    before = _written()
    data = merge_post(world, number="包编发[2020]12号", key="merge-2", new_key="city-ab2")
    response = client.post(reverse("admin:units_decision_add"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "包编发[2020]12号" in body and "已存在" in body
    assert f"《{stored.title}》" in body
    assert f'<a href="{stored.get_absolute_url()}">{stored.number}</a>' in body
    assert _written() == before


def test_editing_a_number_into_a_stored_one_is_refused_with_a_link(world, login):
    stored = world.merge_draft(number="包编发〔2020〕12号")
    other = services.decision_create(
        number="包编发〔2020〕13号", title="另一决定", issued_on=D(2020, 1, 1)
    )
    client = login(world.users["clerk"])
    before = _written()
    response = client.post(
        reverse("admin:units_decision_change", args=[other.pk]),
        {
            "number": "包编发【2020】12号",
            "title": other.title,
            "issuer": "",
            "issued_on": "2020-01-01",
            "revision": str(other.revision),
            **management("events", 0),
            **management("attachments", 0),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<a href="{stored.get_absolute_url()}">{stored.number}</a>' in body
    assert _written() == before
    assert Decision.objects.get(pk=other.pk).number == "包编发〔2020〕13号"


def test_an_enterprise_code_for_a_new_institution_is_refused_at_its_field(world, login):
    client = login(world.users["clerk"])
    before = _written()
    data = merge_post(world)
    data["events-0-new1_credit_code"] = "91350100M000100Y43"
    response = client.post(reverse("admin:units_decision_add"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "91350100M000100Y43" in body and "事业单位的代码应以 12 开头" in body
    assert _written() == before


def test_registering_an_institution_with_an_enterprise_code_is_refused(world, login):
    client = login(world.users["admin"])
    before = _written()
    response = client.post(
        reverse("admin:units_institution_add"),
        {
            "key": "city-new",
            "established_on": "2016-01-01",
            "name": "包头市新单位",
            "jurisdiction": "150200",
            "credit_code": "91350100M000100Y43",
        },
    )
    assert response.status_code == 200
    assert "事业单位的代码应以 12 开头" in response.content.decode()
    assert _written() == before
