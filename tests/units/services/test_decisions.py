"""Drafts: create, edit and delete decisions and their events; only drafts can change."""

import datetime as dt

import pytest

from core.errors import RegistryError
from units import services
from units.models import Decision, Event, EventParticipant, Unit

D = dt.date


def test_create_a_draft(reg):
    decision = services.decision_create(
        number=" 包编发〔2020〕12号 ",
        title="关于市住建局所属事业单位改革的决定",
        issued_on=D(2020, 3, 1),
    )
    assert decision.number == "包编发〔2020〕12号"
    assert decision.status == "draft" and decision.revision == 1
    assert decision.approved_at is None


@pytest.mark.parametrize(
    ("number", "title", "needle"),
    [("", "t", "文号不能为空"), ("  ", "t", "文号不能为空"), ("N1", " ", "标题不能为空")],
)
def test_create_refuses_empty_number_or_title(reg, number, title, needle):
    before = reg.counts()
    with pytest.raises(RegistryError, match=needle):
        services.decision_create(number=number, title=title, issued_on=D(2020, 1, 1))
    assert reg.counts() == before


def test_document_numbers_are_unique(reg):
    reg.draft(number="包编发〔2020〕12号")
    with pytest.raises(RegistryError, match="已存在"):
        services.decision_create(number="包编发〔2020〕12号", title="t", issued_on=D(2020, 1, 1))
    other = reg.draft(number="包编发〔2020〕13号")
    with pytest.raises(RegistryError, match="已存在"):
        services.decision_update(decision=other, number="包编发〔2020〕12号")


def test_update_bumps_the_revision_and_refuses_a_stale_one(reg):
    decision = reg.draft()
    services.decision_update(decision=decision, revision=decision.revision, title="新标题")
    assert decision.revision == 2
    stale = Decision.objects.get(pk=decision.pk)
    stale.revision = 1
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="已被他人修改"):
        services.decision_update(decision=stale, revision=1, title="晚到的修改")
    assert reg.snapshot() == before
    assert Decision.objects.get(pk=decision.pk).title == "新标题"


def test_update_refuses_unknown_fields(reg):
    decision = reg.draft()
    with pytest.raises(RegistryError, match="status"):
        services.decision_update(decision=decision, status="approved")


def test_adding_an_event_bumps_the_revision(reg):
    reg.register("u")
    decision = reg.draft()
    services.event_create(
        decision=decision,
        key="e",
        type="abolish",
        effective_on=D(2020, 1, 1),
        sources=["u"],
        revision=decision.revision,
    )
    assert Decision.objects.get(pk=decision.pk).revision == 2
    with pytest.raises(RegistryError, match="已被他人修改"):
        services.event_create(
            decision=decision,
            key="e2",
            type="abolish",
            effective_on=D(2020, 1, 1),
            sources=["u"],
            revision=1,
        )


@pytest.mark.parametrize("status", ["approved", "revoked"])
def test_only_drafts_can_change(reg, status):
    reg.register("u")
    reg.register("v")
    decision = reg.decide(
        reg.event("e", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "x"})
    )
    if status == "revoked":
        services.decision_revoke(decision=decision)
    event = Event.objects.get(key="e")
    before = reg.snapshot()
    attempts = [
        lambda: services.decision_update(decision=decision, title="x"),
        lambda: services.decision_delete(decision=decision),
        lambda: services.event_create(
            decision=decision, key="e2", type="abolish", effective_on=D(2021, 1, 1), sources=["v"]
        ),
        lambda: services.event_update(event=event, effective_on=D(2021, 1, 1)),
        lambda: services.event_delete(event=event),
    ]
    for attempt in attempts:
        with pytest.raises(RegistryError, match=decision.number) as refused:
            attempt()
        # The status reads once: "已批准", never "已已批准".
        label = {"approved": "已批准", "revoked": "已撤回"}[status]
        assert f"“{label}”" in refused.value.message and "已已" not in refused.value.message
    assert reg.snapshot() == before


def test_event_keys_are_unique_and_valid(reg):
    reg.register("u")
    decision = reg.draft(reg.event("e", "abolish", D(2020, 1, 1), sources=["u"]))
    with pytest.raises(RegistryError, match="已存在"):
        services.event_create(
            decision=decision, key="e", type="abolish", effective_on=D(2020, 1, 1), sources=["u"]
        )
    with pytest.raises(RegistryError, match="无效"):
        services.event_create(
            decision=decision,
            key="bad key!",
            type="abolish",
            effective_on=D(2020, 1, 1),
            sources=["u"],
        )


def test_unknown_source_is_named(reg):
    decision = reg.draft()
    with pytest.raises(RegistryError) as info:
        services.event_create(
            decision=decision, key="e", type="abolish", effective_on=D(2020, 1, 1), sources=["nope"]
        )
    assert info.value.problems[0]["unit"] == "nope" and info.value.problems[0]["event"] == "e"


def test_new_unit_attributes_are_required_and_checked(reg):
    decision = reg.draft()
    with pytest.raises(RegistryError) as info:
        services.event_create(
            decision=decision,
            key="e",
            type="establish",
            effective_on=D(2020, 1, 1),
            new_units=[services.NewUnit("n", "institution", {"category": "charity"})],
        )
    columns = {p["column"] for p in info.value.problems}
    assert {"name", "jurisdiction", "category"} <= columns
    assert all(p["unit"] == "n" and p["event"] == "e" for p in info.value.problems)
    with pytest.raises(RegistryError, match="类别"):
        services.event_create(
            decision=decision,
            key="e",
            type="establish",
            effective_on=D(2020, 1, 1),
            new_units=[
                services.NewUnit("n", "enterprise", {"name": "n", "jurisdiction": "150200"})
            ],
        )
    assert not Unit.objects.filter(key="n").exists()


def test_event_update_replaces_what_is_given(reg):
    reg.register("a")
    reg.register("b")
    reg.register("c")
    decision = reg.draft(
        reg.event("m", "merge", D(2020, 1, 1), sources=["a", "b"], new_units=[reg.new("ab")])
    )
    event = Event.objects.get(key="m")
    services.event_update(
        event=event, sources=["a", "b", "c"], new_units=[reg.new("abc", name="三合一")]
    )
    parts = sorted(
        EventParticipant.objects.filter(event=event).values_list("unit__key", "role", "creates")
    )
    assert parts == [
        ("a", "source", False),
        ("abc", "target", True),
        ("b", "source", False),
        ("c", "source", False),
    ]
    assert not Unit.objects.filter(key="ab").exists()  # the replaced new unit is gone
    services.decision_approve(decision=decision)
    assert reg.versions("abc")[0][2] == "三合一"


def test_event_update_keeps_a_new_unit_given_again(reg):
    decision = reg.draft(reg.event("e", "establish", D(2020, 1, 1), new_units=[reg.new("n")]))
    unit_id = Unit.objects.get(key="n").pk
    services.event_update(event=Event.objects.get(key="e"), new_units=[reg.new("n", name="改名后")])
    assert Unit.objects.get(key="n").pk == unit_id
    services.decision_approve(decision=decision)
    assert reg.versions("n")[0][2] == "改名后"


def test_event_update_checks_the_shape(reg):
    reg.register("a")
    reg.draft(reg.event("e", "abolish", D(2020, 1, 1), sources=["a"]))
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="来源"):
        services.event_update(event=Event.objects.get(key="e"), type="merge")
    assert reg.snapshot() == before


def test_deleting_an_event_removes_the_units_it_would_have_created(reg):
    reg.draft(reg.event("e", "establish", D(2020, 1, 1), new_units=[reg.new("n")]))
    services.event_delete(event=Event.objects.get(key="e"))
    assert not Event.objects.filter(key="e").exists()
    assert not Unit.objects.filter(key="n").exists()


def test_deleting_a_draft_keeps_units_other_drafts_use(reg):
    first = reg.draft(reg.event("e", "establish", D(2020, 1, 1), new_units=[reg.new("n")]))
    reg.draft(reg.event("use", "abolish", D(2021, 1, 1), sources=["n"]))
    services.decision_delete(decision=first)
    assert Unit.objects.filter(key="n").exists()


def test_approving_several_drafts_together(reg):
    first = reg.draft(reg.event("e", "establish", D(2020, 1, 1), new_units=[reg.new("n")]))
    second = reg.draft(reg.event("x", "abolish", D(2021, 1, 1), sources=["n"]))
    # Alone, the second cannot be approved: n does not exist yet.
    with pytest.raises(RegistryError, match="尚未成立"):
        services.decision_approve(decision=second)
    services.decisions_approve(decisions=[second, first])
    assert reg.versions("n") == [(D(2020, 1, 1), D(2021, 1, 1), "n名称", None, "e", "x")]
    assert set(Decision.objects.values_list("status", flat=True)) == {"approved"}


def test_an_empty_draft_can_be_approved(reg):
    decision = reg.draft()
    services.decision_approve(decision=decision)
    assert decision.status == "approved" and decision.approved_at is not None


# -- document numbers compared in one form -----------------------------------------------------

STORED = "包编发〔2020〕12号"
VARIANTS = ["包编发[2020]12号", "包编发【2020】12号", "包编发（2020）12号", "包编发 〔2020〕 12号"]


def _assert_names_the_stored(refused, stored):
    message = refused.value.message
    assert stored.number in message and f"《{stored.title}》" in message
    assert stored.get_absolute_url() in message
    assert f"/decisions/{stored.pk}/" in message
    problem = refused.value.problems[0]
    assert problem["link"] == stored.get_absolute_url() and problem["column"] == "number"
    assert problem["decision"] == stored.number


@pytest.mark.parametrize("number", VARIANTS)
def test_a_number_that_differs_only_in_brackets_or_spaces_is_refused(reg, number):
    stored = reg.draft(number=STORED)
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="已存在") as refused:
        services.decision_create(number=number, title="t", issued_on=D(2020, 1, 1))
    _assert_names_the_stored(refused, stored)
    assert reg.snapshot() == before


def test_an_edit_to_a_number_of_the_same_form_is_refused(reg):
    stored = reg.draft(number=STORED)
    other = reg.draft(number="包编发〔2020〕13号")
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="已存在") as refused:
        services.decision_update(decision=other, number="包编发[2020]12号")
    _assert_names_the_stored(refused, stored)
    assert reg.snapshot() == before
    assert Decision.objects.get(pk=other.pk).number == "包编发〔2020〕13号"


def test_a_draft_may_rewrite_its_own_number_in_another_form(reg):
    decision = reg.draft(number="包编发[2020]12号")
    services.decision_update(decision=decision, number=STORED)
    stored = Decision.objects.get(pk=decision.pk)
    assert (stored.number, stored.number_key) == (STORED, STORED)


def test_the_compared_form_is_kept_with_the_number(reg):
    decision = reg.draft(number="包编发（2020）７号")
    assert Decision.objects.get(pk=decision.pk).number_key == "包编发〔2020〕7号"
    services.decision_update(decision=decision, number="包编发[2021]8号")
    assert Decision.objects.get(pk=decision.pk).number_key == "包编发〔2021〕8号"


def test_a_decision_the_user_may_not_read_is_named_by_its_number_only(reg):
    from django.contrib.auth.models import Permission, User

    from units import permissions

    reg.register("u", jurisdiction="150200")
    stored = reg.draft(reg.event("e", "abolish", D(2020, 1, 1), sources=["u"]), number=STORED)
    clerk = User.objects.create_user("county-clerk")
    clerk.user_permissions.add(Permission.objects.get(codename="add_decision"))
    permissions.scope_grant(user=clerk, jurisdiction=reg.county)
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="已存在") as refused:
        services.decision_create(
            number="包编发[2020]12号", title="t", issued_on=D(2020, 1, 1), user=clerk
        )
    assert stored.number in refused.value.message
    assert stored.title not in refused.value.message
    assert "link" not in refused.value.problems[0]
    assert reg.snapshot() == before


# -- a credit code must fit the kind of unit ---------------------------------------------------

ENTERPRISE = "91350100M000100Y43"
INSTITUTION = "12350100M000100Y48"


def test_registering_an_institution_with_an_enterprise_code_is_refused(reg):
    before = reg.snapshot()
    with pytest.raises(RegistryError) as refused:
        reg.register("u", credit_code=ENTERPRISE)
    problem = refused.value.problems[0]
    assert problem["column"] == "credit_code" and problem["unit"] == "u"
    assert "登记管理部门" in problem["message"] and "应以 12 开头" in problem["message"]
    assert reg.snapshot() == before
    reg.register("u", credit_code=INSTITUTION)
    with pytest.raises(RegistryError) as refused:
        reg.department("d", credit_code=INSTITUTION)
    assert "应以 11或13 开头" in refused.value.problems[0]["message"]
    assert not Unit.objects.filter(key="d").exists()


def test_a_unit_created_by_an_event_must_have_a_code_of_its_kind(reg):
    decision = reg.draft()
    before = reg.snapshot()
    with pytest.raises(RegistryError) as refused:
        services.event_create(
            decision=decision,
            key="e",
            type="establish",
            effective_on=D(2020, 1, 1),
            new_units=[reg.new("n", credit_code=ENTERPRISE)],
        )
    problem = refused.value.problems[0]
    assert (problem["event"], problem["unit"], problem["column"]) == ("e", "n", "credit_code")
    assert "应以 12 开头" in problem["message"]
    assert reg.snapshot() == before
    assert not Unit.objects.filter(key="n").exists()


@pytest.mark.parametrize(
    ("type_", "sources", "targets", "changed"),
    [("change", ["u"], [], "u"), ("absorb", ["v"], ["u"], "u")],
)
def test_a_code_set_by_an_event_must_fit_the_unit_it_sets(reg, type_, sources, targets, changed):
    reg.register("u")
    reg.register("v")
    decision = reg.draft()
    before = reg.snapshot()
    with pytest.raises(RegistryError) as refused:
        services.event_create(
            decision=decision,
            key="e",
            type=type_,
            effective_on=D(2020, 1, 1),
            sources=sources,
            targets=targets,
            attributes={"credit_code": ENTERPRISE},
        )
    assert refused.value.problems[0]["column"] == "credit_code"
    assert "应以 12 开头" in refused.value.message
    assert reg.snapshot() == before


def test_an_event_edit_is_checked_against_the_kind_too(reg):
    reg.register("u")
    decision = reg.draft(
        reg.event("e", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "新名"})
    )
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="应以 12 开头"):
        services.event_update(
            event=Event.objects.get(key="e"), attributes={"credit_code": ENTERPRISE}
        )
    assert reg.snapshot() == before
    services.event_update(event=Event.objects.get(key="e"), attributes={"credit_code": INSTITUTION})
    services.decision_approve(decision=decision)
    assert reg.version_on("u", D(2020, 1, 1)).credit_code == INSTITUTION
