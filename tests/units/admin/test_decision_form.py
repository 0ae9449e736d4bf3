"""The clerk's decision form: keys left blank are generated and shown, a filled-in new unit is
never dropped, the page says the decision's status and next step, the clerk's check is the
approver's preview, its findings are warnings on save, and the page stays light."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.fixtures.city_admin import management, merge_post
from units import services
from units.admin import decisions as decision_admin
from units.models import AuditEntry, Decision, Event, Unit
from units.rules import decision_key_stem, generated_event_key, generated_unit_key
from units.selectors.preview import decision_preview

ADD = "admin:units_decision_add"


def _messages(response, level: str) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if level in m.tags]


def _change_url(decision) -> str:
    return reverse("admin:units_decision_change", args=[decision.pk])


def _abolish_before_it_existed(world, **extra) -> dict:
    """A second event of the page: 青山区档案馆 (registered from 2015) abolished in 2010."""
    data = {
        "events-1-key": "",
        "events-1-type": "abolish",
        "events-1-effective_on": "2010-01-01",
        "events-1-sources": [str(world.q1.pk)],
        "events-1-new1_kind": "institution",
        "events-1-new2_kind": "institution",
        "events-1-new3_kind": "institution",
        **management("events", 2),
    }
    data.update(extra)
    return data


# -- keys ----------------------------------------------------------------------------------


def test_key_rules_are_readable_and_avoid_taken_keys():
    assert decision_key_stem("包编发〔2020〕12号", 7) == "2020-12"
    assert decision_key_stem("工作簿", 7) == "d7"
    assert generated_event_key("2020-12", "merge", 1, set()) == "2020-12-merge-1"
    assert generated_event_key("2020-12", "merge", 1, {"2020-12-merge-1"}) == "2020-12-merge-2"
    assert generated_unit_key("2020-12-merge-1", 1, set()) == "2020-12-merge-1-new1"
    taken = {"2020-12-merge-1-new1"}
    assert generated_unit_key("2020-12-merge-1", 1, taken) == "2020-12-merge-1-new1-2"
    assert len(generated_unit_key("k" * 100, 3, set())) <= 100


def test_blank_keys_are_generated_and_shown(world, login):
    client = login(world.users["clerk"])
    response = client.post(reverse(ADD), merge_post(world, key="", new_key=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    info = _messages(response, "info")
    assert info == ["已自动生成标识：事项 2020-12-merge-1、新设机构 2020-12-merge-1-new1。"]
    decision = Decision.objects.get(number="包编发〔2020〕12号")
    event = decision.events.get()
    assert event.key == "2020-12-merge-1"
    created = event.participants.select_related("unit").get(creates=True)
    assert created.unit.key == "2020-12-merge-1-new1"
    assert created.attributes["name"] == "包头市住房服务中心"
    # The change page shows both keys, and they stay as they are on the next save.
    page = client.get(_change_url(decision)).content.decode()
    assert 'value="2020-12-merge-1"' in page and 'value="2020-12-merge-1-new1"' in page
    data = merge_post(world, key="2020-12-merge-1", new_key="2020-12-merge-1-new1")
    data.update(management("events", 1, 1))
    data.update(
        {
            "events-0-id": str(event.pk),
            "events-0-decision": str(decision.pk),
            "revision": str(decision.revision),
            "title": "新标题",
        }
    )
    assert client.post(_change_url(decision), data).status_code == 302
    assert Unit.objects.filter(key="2020-12-merge-1-new1").count() == 1
    assert set(decision.events.values_list("key", flat=True)) == {"2020-12-merge-1"}


def test_generated_keys_differ_from_stored_and_typed_ones(world, login):
    stored = services.decision_create(
        number="包编发〔2020〕12号之一", title="t", issued_on=dt.date(2020, 1, 1)
    )
    services.event_create(
        decision=stored,
        key="2020-12-merge-1",
        type="abolish",
        effective_on=dt.date(2021, 1, 1),
        sources=["kdl-1"],
    )
    client = login(world.users["clerk"])
    data = merge_post(world, key="", new_key="")
    data.update(
        {
            **management("events", 3),
            # A second merge left blank, and an establish whose key was typed.
            "events-1-type": "establish",
            "events-1-key": "2020-12-merge-3",
            "events-1-effective_on": "2021-03-31",
            "events-1-new1_name": "包头市新机构",
            "events-1-new1_jurisdiction": "150200",
            "events-2-type": "establish",
            "events-2-effective_on": "2021-03-31",
            "events-2-new1_name": "包头市另一新机构",
            "events-2-new1_jurisdiction": "150200",
        }
    )
    response = client.post(reverse(ADD), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = Decision.objects.get(number="包编发〔2020〕12号")
    keys = set(decision.events.values_list("key", flat=True))
    assert keys == {"2020-12-merge-2", "2020-12-merge-3", "2020-12-establish-3"}
    created = set(
        Unit.objects.filter(participations__event__decision=decision).values_list("key", flat=True)
    )
    assert {"2020-12-merge-2-new1", "2020-12-merge-3-new1", "2020-12-establish-3-new1"} <= created


def test_filled_in_new_unit_is_never_dropped(world, login):
    """The new unit's key left blank, its name, category and department filled in: the merge
    gets its one target (it used to be dropped: "合并事项需要 1 个目标机构，实际 0 个")."""
    client = login(world.users["clerk"])
    response = client.post(reverse(ADD), merge_post(world, new_key=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(key="merge-1")
    created = event.participants.get(creates=True)
    assert created.unit.key == "merge-1-new1"
    assert created.attributes["category"] == "public_welfare_1"
    assert created.attributes["parent"] == "city-housing"


def test_refused_blank_keyed_unit_shows_its_problem_at_its_field(world, login):
    client = login(world.users["clerk"])
    before = (Decision.objects.count(), Event.objects.count(), Unit.objects.count())
    audit_before = AuditEntry.objects.count()
    data = merge_post(world, key="", new_key="")
    data["events-0-new1_jurisdiction"] = ""
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "jurisdiction" in " ".join(form.errors["new1_jurisdiction"])
    assert (Decision.objects.count(), Event.objects.count(), Unit.objects.count()) == before
    assert AuditEntry.objects.count() == audit_before
    # Nothing was saved: no message says a key was generated.
    assert not _messages(response, "info")


# -- status, next step and the clerk's check --------------------------------------------


def test_page_shows_status_and_next_step(world, login):
    client = login(world.users["clerk"])
    add = client.get(reverse(ADD)).content.decode()
    assert 'id="decision-status"' in add and "新决定（尚未保存）" in add and "下一步" in add
    decision = world.merge_draft()
    body = client.get(_change_url(decision)).content.decode()
    assert "草稿" in body and "“检查”" in body and 'id="check-link"' in body
    assert 'name="_check"' in body
    approver = login(world.users["approver"]).get(_change_url(decision)).content.decode()
    assert "“预览并批准”" in approver
    services.decision_approve(decision=decision, user=world.users["approver"])
    approved = login(world.users["clerk"]).get(_change_url(decision)).content.decode()
    assert "已批准" in approved and "approver 于" in approved and "请审批人撤回" in approved
    assert 'id="check-link"' not in approved


def test_check_is_the_approvers_preview(world, login, monkeypatch):
    decision = world.merge_draft()
    services.event_create(
        decision=decision,
        key="abolish-qs",
        type="abolish",
        effective_on=dt.date(2010, 1, 1),
        sources=["qs-1"],
    )
    calls = []

    def spy(decision, **kwargs):
        calls.append((decision.pk, kwargs))
        return decision_preview(decision, **kwargs)

    monkeypatch.setattr(decision_admin, "decision_preview", spy)
    client = login(world.users["clerk"])
    url = reverse("admin:units_decision_check", args=[decision.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert calls == [(decision.pk, {"revoke": False})]
    expected = decision_preview(decision).problems
    assert expected and response.context["problems"] == expected
    body = response.content.decode()
    assert "abolish-qs" in body and "qs-1" in body and 'id="check-result"' in body
    assert 'name="confirm"' not in body  # the clerk checks, only the approver approves
    assert Decision.objects.get(pk=decision.pk).status == "draft"
    # Outside the clerk's roles: no check.
    assert login(world.users["nobody"]).get(url).status_code in (302, 403)


def test_clean_check_shows_what_approval_would_change(world, login):
    decision = world.merge_draft()
    response = login(world.users["clerk"]).get(
        reverse("admin:units_decision_check", args=[decision.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200 and response.context["problems"] == []
    assert "检查未发现问题" in body and "包头市住房服务中心" in body


def test_findings_are_warnings_when_the_draft_is_saved(world, login):
    client = login(world.users["clerk"])
    response = client.post(reverse(ADD), merge_post(world, **_abolish_before_it_existed(world)))
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = Decision.objects.get(number="包编发〔2020〕12号")
    assert decision.status == "draft" and decision.events.count() == 2  # saved, as a draft
    warnings = _messages(response, "warning")
    problems = decision_preview(decision).problems
    assert problems and len(warnings) == len(problems)
    assert all(w.startswith("检查：") for w in warnings)
    assert "2020-12-abolish-2" in warnings[0] and "qs-1" in warnings[0]
    # A draft that can be approved saves without a warning.
    client.get(reverse("admin:index"))  # shows (and so clears) the messages of the first save
    clean = client.post(reverse(ADD), merge_post(world, number="第二号", key="m2", new_key="n2"))
    assert clean.status_code == 302 and not _messages(clean, "warning")


def test_save_and_check_opens_the_check(world, login):
    client = login(world.users["clerk"])
    response = client.post(reverse(ADD), {**merge_post(world), "_check": "1"})
    decision = Decision.objects.get(number="包编发〔2020〕12号")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:units_decision_check", args=[decision.pk])


# -- the form by type, and its weight ---------------------------------------------------


def test_groups_of_fields_follow_the_shape_of_each_type(world, login):
    assert decision_admin.USED_BY == {
        "sources": ["abolish", "transform", "merge", "absorb", "split", "change"],
        "targets": ["absorb"],
        "set": ["absorb", "change"],
        "new_first": ["establish", "merge", "split"],
        "new_more": ["split"],
    }
    body = login(world.users["clerk"]).get(reverse(ADD)).content.decode()
    assert "rr-for-absorb" in body and "rr-for-establish-merge-split" in body
    # Without script every field is on the page; the script is the site's own.
    for name in ("sources", "targets", "set_name", "new1_key", "new3_name"):
        assert f'name="events-0-{name}"' in body
    assert "/static/units/decision_form.js" in body and "/static/units/decision_form.css" in body
    assert "<script>" not in body


def test_saved_event_shows_the_groups_of_its_type(world, login):
    decision = world.merge_draft()
    event = decision.events.get()
    client = login(world.users["clerk"])
    body = client.get(_change_url(decision)).content.decode()
    for shown in ("sources", "new1_key", "new1_name", "note"):
        assert f'name="events-0-{shown}"' in body
    for absent in ("targets", "set_name", "new2_key", "new3_name"):
        assert f'name="events-0-{absent}"' not in body
        # … but in the formset's template, from which the script copies them.
        assert f'name="events-__prefix__-{absent}"' in body
    # The page saved as it is: the decision changes, its event is left as it is.
    data = merge_post(
        world, number=decision.number, key=event.key, new_key=f"city-ab-{decision.pk}"
    )
    for name in ("events-0-new1_category", "events-0-new2_kind", "events-0-new3_kind"):
        del data[name]
    data.update(management("events", 1, 1))
    data.update(
        {
            "events-0-id": str(event.pk),
            "events-0-decision": str(decision.pk),
            "revision": str(decision.revision),
            "title": "新标题",
        }
    )
    response = client.post(_change_url(decision), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Decision.objects.get(pk=decision.pk).title == "新标题"
    assert not AuditEntry.objects.filter(object_type="units.event", action="update").exists()


def _draft_with_events(world, n: int):
    decision = world.merge_draft()
    for i in range(n - 1):
        services.event_create(
            decision=decision,
            key=f"change-{i}",
            type="change",
            effective_on=dt.date(2021, 4, 1 + i),
            sources=["kdl-1"],
            attributes={"name": f"昆都仑区档案馆{i}"},
        )
    return decision


@pytest.mark.parametrize("events", [1, 3])
def test_draft_page_is_light(world, login, django_assert_max_num_queries, events):
    """The page of a draft: no blank event (the template adds one), saved events with the
    fields of their type only, no indentation; a fixed number of queries whatever its number
    of events. (The clerk's page of the demo's draft 包编发〔2021〕26号, two events: 245,785
    bytes and 0.48 s before, 63,075 bytes and 0.21 s after, on the same machine.)"""
    decision = _draft_with_events(world, events)
    client = login(world.users["clerk"])
    with django_assert_max_num_queries(22):
        response = client.get(_change_url(decision))
    body = response.content.decode()
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.total_form_count() == events  # no blank event form
    # The template of one more event (about 27 KB, every group), about 9 KB a saved event,
    # and the admin's own page around them (about 20 KB).
    assert len(response.content) < 50_000 + 10_000 * events
    form = body[body.index('id="decision_form"') : body.index("</form>")]
    assert "\n " not in form  # the form's markup carries no indentation
    # Without script, a blank event is one link away.
    with_blank = client.get(_change_url(decision) + "?add_event=1")
    assert with_blank.context["inline_admin_formsets"][0].formset.total_form_count() == events + 1
