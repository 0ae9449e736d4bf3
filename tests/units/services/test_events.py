"""Effects of every event type (DESIGN §2 table) and every refusal of issue 2 point 4."""

import datetime as dt

import pytest

from core.errors import RegistryError
from units import services
from units.choices import DecisionStatus
from units.models import Decision, Unit

D = dt.date


# ---------------------------------------------------------------------------------------------
# Effects
# ---------------------------------------------------------------------------------------------


def test_establish_starts_the_new_target(reg):
    reg.department("dept")
    reg.decide(
        reg.event(
            "e-est",
            "establish",
            D(2020, 3, 1),
            new_units=[reg.new("new", parent="dept", category="public_welfare_1")],
        )
    )
    assert reg.versions("new") == [(D(2020, 3, 1), None, "new名称", "dept", "e-est", None)]
    assert reg.version_on("new", D(2020, 2, 29)) is None
    assert reg.version_on("new", D(2020, 3, 1)).category == "public_welfare_1"


def test_abolish_ends_every_source(reg):
    reg.register("a")
    reg.register("b")
    reg.decide(reg.event("e-ab", "abolish", D(2020, 6, 1), sources=["a", "b"]))
    for key in ("a", "b"):
        assert reg.versions(key) == [
            (D(2015, 1, 1), D(2020, 6, 1), key + "名称", None, None, "e-ab")
        ]
        assert reg.version_on(key, D(2020, 5, 31)) is not None
        assert reg.version_on(key, D(2020, 6, 1)) is None


def test_transform_ends_the_source(reg):
    reg.register("farm")
    reg.decide(reg.event("e-tr", "transform", D(2020, 6, 1), sources=["farm"]))
    assert reg.versions("farm")[-1][1:] == (D(2020, 6, 1), "farm名称", None, None, "e-tr")


def test_merge_ends_sources_and_starts_target(reg):
    reg.department("dept")
    reg.register("a", parent="dept")
    reg.register("b", parent="dept")
    reg.decide(
        reg.event(
            "e-m",
            "merge",
            D(2020, 4, 1),
            sources=["a", "b"],
            new_units=[reg.new("ab", parent="dept", name="合并后中心")],
        )
    )
    assert reg.versions("a")[-1][1] == D(2020, 4, 1)
    assert reg.versions("b")[-1][5] == "e-m"
    assert reg.versions("ab") == [(D(2020, 4, 1), None, "合并后中心", "dept", "e-m", None)]


def test_absorb_ends_sources_and_the_target_continues_with_its_changes(reg):
    reg.department("dept")
    reg.register("small", parent="dept")
    reg.register("big", parent="dept", internal_bodies=3)
    reg.decide(
        reg.event(
            "e-abs",
            "absorb",
            D(2020, 5, 1),
            sources=["small"],
            targets=["big"],
            attributes={"name": "扩大后的中心", "internal_bodies": 5},
        )
    )
    assert reg.versions("small")[-1][1:] == (D(2020, 5, 1), "small名称", "dept", None, "e-abs")
    assert reg.versions("big") == [
        (D(2015, 1, 1), D(2020, 5, 1), "big名称", "dept", None, "e-abs"),
        (D(2020, 5, 1), None, "扩大后的中心", "dept", "e-abs", None),
    ]
    assert reg.version_on("big", D(2020, 5, 1)).internal_bodies == 5
    assert reg.version_on("big", D(2020, 4, 30)).internal_bodies == 3


def test_absorb_without_attributes_keeps_the_target_as_it_was(reg):
    reg.register("small")
    reg.register("big", sector="卫生")
    reg.decide(reg.event("e-abs", "absorb", D(2020, 5, 1), sources=["small"], targets=["big"]))
    before = reg.version_on("big", D(2020, 4, 30))
    after = reg.version_on("big", D(2020, 5, 1))
    assert (after.name, after.sector) == (before.name, before.sector)
    assert reg.version_on("small", D(2020, 5, 1)) is None


def test_split_ends_the_source_and_starts_every_target(reg):
    reg.register("whole")
    reg.decide(
        reg.event(
            "e-sp",
            "split",
            D(2020, 7, 1),
            sources=["whole"],
            new_units=[reg.new("part1"), reg.new("part2", jurisdiction="150203")],
        )
    )
    assert reg.versions("whole")[-1][1] == D(2020, 7, 1)
    assert reg.versions("part1")[0][:2] == (D(2020, 7, 1), None)
    assert reg.version_on("part2", D(2020, 7, 1)).jurisdiction.code == "150203"


def test_change_opens_a_version_with_the_given_attributes(reg):
    reg.department("d1")
    reg.department("d2")
    reg.register("inst", parent="d1", category="unclassified", rank="section")
    reg.decide(
        reg.event(
            "e-ren",
            "change",
            D(2020, 2, 1),
            sources=["inst"],
            attributes={"name": "新名称", "category": "public_welfare_2"},
        )
    )
    reg.decide(
        reg.event("e-tra", "change", D(2020, 9, 1), sources=["inst"], attributes={"parent": "d2"})
    )
    assert reg.versions("inst") == [
        (D(2015, 1, 1), D(2020, 2, 1), "inst名称", "d1", None, "e-ren"),
        (D(2020, 2, 1), D(2020, 9, 1), "新名称", "d1", "e-ren", "e-tra"),
        (D(2020, 9, 1), None, "新名称", "d2", "e-tra", None),
    ]
    last = reg.version_on("inst", D(2021, 1, 1))
    assert (last.category, last.rank) == ("public_welfare_2", "section")


def test_change_can_remove_the_supervising_unit_and_set_flags(reg):
    reg.department("d1")
    reg.register("inst", parent="d1")
    reg.decide(
        reg.event(
            "e-fl",
            "change",
            D(2020, 2, 1),
            sources=["inst"],
            attributes={"parent": None, "pending_wind_down": "true", "category": "business"},
        )
    )
    version = reg.version_on("inst", D(2020, 2, 1))
    assert version.parent is None
    assert version.pending_wind_down is True


def test_events_of_one_decision_apply_in_date_order_whatever_the_entry_order(reg):
    reg.register("inst")
    reg.decide(
        reg.event("late", "abolish", D(2021, 1, 1), sources=["inst"]),
        reg.event("early", "change", D(2020, 1, 1), sources=["inst"], attributes={"name": "X"}),
    )
    assert [v[:3] for v in reg.versions("inst")] == [
        (D(2015, 1, 1), D(2020, 1, 1), "inst名称"),
        (D(2020, 1, 1), D(2021, 1, 1), "X"),
    ]


def test_decisions_approved_out_of_date_order_give_the_same_history(reg):
    reg.register("inst")
    later = reg.draft(
        reg.event("e2", "change", D(2021, 1, 1), sources=["inst"], attributes={"name": "二"})
    )
    earlier = reg.draft(
        reg.event("e1", "change", D(2020, 1, 1), sources=["inst"], attributes={"name": "一"})
    )
    services.decision_approve(decision=later)
    services.decision_approve(decision=earlier)
    assert [v[2] for v in reg.versions("inst")] == ["inst名称", "一", "二"]
    assert reg.versions("inst")[1][4:] == ("e1", "e2")


# ---------------------------------------------------------------------------------------------
# Same-day edge cases
# ---------------------------------------------------------------------------------------------


def test_change_on_the_day_of_establishment_is_part_of_the_first_version(reg):
    reg.decide(reg.event("e-est", "establish", D(2020, 1, 1), new_units=[reg.new("u")]))
    reg.decide(reg.event("e-ch", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "改"}))
    assert reg.versions("u") == [(D(2020, 1, 1), None, "改", None, "e-est", None)]


def test_change_and_end_on_one_day_end_wins_whatever_the_entry_order(reg):
    reg.register("a")
    reg.register("b")
    # a: the end is entered before the change; b: after. Both end on the day, unchanged.
    reg.decide(
        reg.event("end-a", "abolish", D(2020, 1, 1), sources=["a"]),
        reg.event("ch-a", "change", D(2020, 1, 1), sources=["a"], attributes={"name": "改"}),
        reg.event("ch-b", "change", D(2020, 1, 1), sources=["b"], attributes={"name": "改"}),
        reg.event("end-b", "abolish", D(2020, 1, 1), sources=["b"]),
    )
    assert reg.versions("a") == [(D(2015, 1, 1), D(2020, 1, 1), "a名称", None, None, "end-a")]
    assert reg.versions("b") == [(D(2015, 1, 1), D(2020, 1, 1), "b名称", None, None, "end-b")]


def test_a_unit_established_one_day_can_end_the_next(reg):
    reg.decide(reg.event("e-est", "establish", D(2020, 1, 1), new_units=[reg.new("u")]))
    reg.decide(reg.event("e-ab", "abolish", D(2020, 1, 2), sources=["u"]))
    assert reg.versions("u") == [(D(2020, 1, 1), D(2020, 1, 2), "u名称", None, "e-est", "e-ab")]


def test_merge_target_can_be_absorbed_later_chain(reg):
    reg.register("a")
    reg.register("b")
    reg.register("c")
    reg.decide(
        reg.event("m", "merge", D(2020, 1, 1), sources=["a", "b"], new_units=[reg.new("ab")])
    )
    reg.decide(reg.event("x", "absorb", D(2021, 1, 1), sources=["ab"], targets=["c"]))
    assert reg.versions("ab") == [(D(2020, 1, 1), D(2021, 1, 1), "ab名称", None, "m", "x")]


# ---------------------------------------------------------------------------------------------
# Refusals: each names the event, the unit and the reason, and writes nothing
# ---------------------------------------------------------------------------------------------


def refused_approval(reg, decision, *needles):
    """Approving is refused with a message containing every needle; nothing changes."""
    before = reg.snapshot()
    with pytest.raises(RegistryError) as info:
        services.decision_approve(decision=decision)
    assert reg.snapshot() == before
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    message = str(info.value)
    for needle in needles:
        assert needle in message, (needle, message)
    return info.value


def test_refused_when_a_source_has_already_ended(reg):
    reg.register("u")
    reg.decide(reg.event("e-ab", "abolish", D(2020, 1, 1), sources=["u"]))
    late = reg.draft(
        reg.event("e-late", "change", D(2020, 6, 1), sources=["u"], attributes={"name": "x"})
    )
    error = refused_approval(reg, late, "e-late", "u", "已于 2020-01-01", "e-ab", late.number)
    assert error.problems[0]["event"] == "e-late"
    assert error.problems[0]["unit"] == "u"


def test_refused_when_a_unit_is_ended_twice(reg):
    reg.register("u")
    reg.decide(reg.event("e1", "abolish", D(2020, 1, 1), sources=["u"]))
    again = reg.draft(reg.event("e2", "transform", D(2020, 1, 1), sources=["u"]))
    refused_approval(reg, again, "e2", "u", "终止")


def test_refused_when_a_source_is_not_yet_established(reg):
    reg.register("u", on=D(2019, 1, 1))
    early = reg.draft(reg.event("e-early", "abolish", D(2018, 6, 1), sources=["u"]))
    refused_approval(reg, early, "e-early", "u", "2019-01-01", "2018-06-01")


def test_refused_when_an_existing_target_already_exists_before_its_establishment(reg):
    reg.decide(reg.event("e-est", "establish", D(2021, 1, 1), new_units=[reg.new("u")]))
    used_before = reg.draft(
        reg.event("e-before", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "x"})
    )
    refused_approval(reg, used_before, "e-before", "u", "2021-01-01", "尚不存在")


def test_refused_when_the_new_target_already_exists(reg):
    reg.register("a")
    reg.register("b")
    reg.register("exists")
    with pytest.raises(RegistryError) as info:
        reg.draft(reg.event("e-m", "merge", D(2020, 1, 1), sources=["a", "b"], targets=["exists"]))
    assert "e-m" in str(info.value) and "exists" in str(info.value)
    with pytest.raises(RegistryError, match="已存在"):
        reg.draft(reg.event("e-m2", "establish", D(2020, 1, 1), new_units=[reg.new("exists")]))


def test_refused_when_an_absorb_target_is_new(reg):
    reg.register("a")
    with pytest.raises(RegistryError) as info:
        reg.draft(
            reg.event("e-abs", "absorb", D(2020, 1, 1), sources=["a"], new_units=[reg.new("n")])
        )
    assert "e-abs" in str(info.value) and "n" in str(info.value)
    assert not Unit.objects.filter(key="n").exists()


def test_refused_when_a_unit_is_used_before_the_event_that_creates_it_is_approved(reg):
    reg.draft(reg.event("e-est", "establish", D(2020, 1, 1), new_units=[reg.new("pending")]))
    use = reg.draft(
        reg.event("e-use", "change", D(2020, 6, 1), sources=["pending"], attributes={"name": "x"})
    )
    refused_approval(reg, use, "e-use", "pending", "尚未成立")


def test_refused_when_a_registered_unit_is_also_created_by_an_event(reg):
    # Direct insertion, since the services never create a participant for an existing key:
    # a unit registered and created by an event has two births.
    from units.models import EventParticipant

    reg.register("twice")
    decision = reg.draft(reg.event("e-est", "establish", D(2020, 1, 1), new_units=[reg.new("x")]))
    part = EventParticipant.objects.get(event__key="e-est")
    part.unit = Unit.objects.get(key="twice")
    part.save()
    Unit.objects.filter(key="x").delete()
    refused_approval(reg, decision, "e-est", "twice", "存量")


@pytest.mark.parametrize("kind", ["absorb", "merge"])
def test_refused_when_a_unit_is_merged_into_itself(reg, kind):
    reg.register("a")
    reg.register("b")
    spec = (
        {"sources": ["a"], "targets": ["a"]}
        if kind == "absorb"
        else {"sources": ["a", "b"], "targets": ["a"]}
    )
    before = reg.snapshot()
    with pytest.raises(RegistryError) as info:
        reg.draft(reg.event("e-self", kind, D(2020, 1, 1), **spec))
    assert "e-self" in str(info.value) and "a" in str(info.value)
    assert any("自己" in p["message"] for p in info.value.problems)
    after = reg.snapshot()
    # The draft decision itself was created before the event was refused (a separate write).
    assert after["counts"]["Event"] == before["counts"]["Event"]


@pytest.mark.parametrize(
    ("type_", "spec", "needle"),
    [
        ("establish", {"sources": ["a"], "new": ["n"]}, "来源"),
        ("establish", {"new": []}, "目标"),
        ("establish", {"new": ["n", "m"]}, "目标"),
        ("abolish", {}, "来源"),
        ("abolish", {"sources": ["a"], "new": ["n"]}, "目标"),
        ("transform", {"sources": ["a", "b"]}, "来源"),
        ("transform", {}, "来源"),
        ("merge", {"sources": ["a"], "new": ["n"]}, "来源"),
        ("merge", {"sources": ["a", "b"]}, "目标"),
        ("merge", {"sources": ["a", "b"], "new": ["n", "m"]}, "目标"),
        ("absorb", {"targets": ["b"]}, "来源"),
        ("absorb", {"sources": ["a"]}, "目标"),
        ("absorb", {"sources": ["a"], "targets": ["b", "c"]}, "目标"),
        ("split", {"sources": ["a"], "new": ["n"]}, "目标"),
        ("split", {"sources": ["a", "b"], "new": ["n", "m"]}, "来源"),
        ("split", {"new": ["n", "m"]}, "来源"),
        ("change", {"sources": ["a", "b"], "attributes": {"name": "x"}}, "来源"),
        ("change", {"sources": ["a"]}, "属性"),
        ("change", {"sources": ["a"], "new": ["n"], "attributes": {"name": "x"}}, "目标"),
        ("abolish", {"sources": ["a"], "attributes": {"name": "x"}}, "属性"),
        ("sell", {"sources": ["a"]}, "未知"),
    ],
)
def test_cardinalities_are_refused_with_event_and_reason(reg, type_, spec, needle):
    for key in ("a", "b", "c"):
        reg.register(key)
    decision = reg.draft()
    before = reg.counts()
    with pytest.raises(RegistryError) as info:
        services.event_create(
            decision=decision,
            key="e-bad",
            type=type_,
            effective_on=D(2020, 1, 1),
            sources=spec.get("sources", []),
            targets=spec.get("targets", []),
            new_units=[reg.new(k) for k in spec.get("new", [])],
            attributes=spec.get("attributes"),
        )
    assert reg.counts() == before
    assert "e-bad" in str(info.value)
    assert needle in str(info.value)
    for key in spec.get("sources", []):
        assert key in str(info.value)
    assert all(p["event"] == "e-bad" for p in info.value.problems)


def test_approval_rechecks_the_shape_of_events_changed_behind_the_services(reg):
    from units.models import EventParticipant

    reg.register("a")
    reg.register("b")
    decision = reg.draft(
        reg.event("e-m", "merge", D(2020, 1, 1), sources=["a", "b"], new_units=[reg.new("n")])
    )
    EventParticipant.objects.filter(event__key="e-m", unit__key="b").delete()
    refused_approval(reg, decision, "e-m", "来源", decision.number)


def test_refused_when_the_supervising_unit_is_not_active_on_the_date(reg):
    reg.department("old", on=D(2010, 1, 1))
    reg.decide(reg.event("e-ab", "abolish", D(2019, 1, 1), sources=["old"]))
    reg.register("inst")
    transfer = reg.draft(
        reg.event("e-tr", "change", D(2020, 1, 1), sources=["inst"], attributes={"parent": "old"})
    )
    refused_approval(reg, transfer, "e-tr", "inst", "old", "2020-01-01")


def test_refused_when_the_supervising_unit_starts_later(reg):
    reg.decide(
        reg.event("e-dept", "establish", D(2021, 1, 1), new_units=[reg.new("dept", "department")])
    )
    early = reg.draft(
        reg.event("e-inst", "establish", D(2020, 1, 1), new_units=[reg.new("inst", parent="dept")])
    )
    refused_approval(reg, early, "e-inst", "inst", "dept", "2020-01-01")


def test_refused_when_a_new_unit_is_supervised_by_a_unit_ending_that_day(reg):
    reg.department("d1")
    reg.department("d2")
    merge = reg.draft(
        reg.event(
            "e-m",
            "merge",
            D(2020, 1, 1),
            sources=["d1", "d2"],
            new_units=[reg.new("d12", "department", parent="d1")],
        )
    )
    refused_approval(reg, merge, "e-m", "d12", "d1")


def test_refused_when_the_supervising_unit_does_not_exist(reg):
    reg.register("inst")
    transfer = reg.draft(
        reg.event("e-tr", "change", D(2020, 1, 1), sources=["inst"], attributes={"parent": "ghost"})
    )
    refused_approval(reg, transfer, "e-tr", "inst", "ghost")


def test_refused_when_a_unit_would_supervise_itself(reg):
    reg.register("inst")
    change = reg.draft(
        reg.event(
            "e-self", "change", D(2020, 1, 1), sources=["inst"], attributes={"parent": "inst"}
        )
    )
    refused_approval(reg, change, "e-self", "inst", "循环")


def test_refused_when_supervision_forms_a_cycle(reg):
    reg.department("a")
    reg.department("b", parent="a")
    reg.department("c", parent="b")
    cycle = reg.draft(
        reg.event("e-cyc", "change", D(2020, 1, 1), sources=["a"], attributes={"parent": "c"})
    )
    refused_approval(reg, cycle, "e-cyc", "a", "循环", "2020-01-01")


def test_refused_when_a_cycle_closes_after_the_version_starts(reg):
    # a is put under b first (allowed); later b goes under a: the cycle closes then.
    reg.department("a")
    reg.department("b")
    reg.decide(reg.event("e1", "change", D(2019, 1, 1), sources=["a"], attributes={"parent": "b"}))
    later = reg.draft(
        reg.event("e2", "change", D(2020, 1, 1), sources=["b"], attributes={"parent": "a"})
    )
    refused_approval(reg, later, "e2", "b", "循环")


def test_refused_when_an_earlier_event_closes_a_cycle_with_later_history(reg):
    # b goes under a in 2021 (allowed). Entered afterwards, a goes under b in 2020: from 2021
    # the two supervise each other, which is found although the new version starts in 2020.
    reg.department("a")
    reg.department("b")
    reg.decide(
        reg.event("e-later", "change", D(2021, 1, 1), sources=["b"], attributes={"parent": "a"})
    )
    earlier = reg.draft(
        reg.event("e-earlier", "change", D(2020, 1, 1), sources=["a"], attributes={"parent": "b"})
    )
    refused_approval(reg, earlier, "e-earlier", "a", "循环", "2021-01-01")


def test_revocation_refused_when_a_later_event_depends_on_it(reg):
    first = reg.decide(reg.event("e-est", "establish", D(2020, 1, 1), new_units=[reg.new("u")]))
    reg.register("big")
    reg.decide(reg.event("e-abs", "absorb", D(2021, 1, 1), sources=["u"], targets=["big"]))
    before = reg.snapshot()
    with pytest.raises(RegistryError) as info:
        services.decision_revoke(decision=first)
    assert reg.snapshot() == before
    message = str(info.value)
    for needle in (first.number, "撤回", "e-abs", "u"):
        assert needle in message
    first.refresh_from_db()
    assert first.status == DecisionStatus.APPROVED


def test_revocation_refused_while_a_unit_is_still_supervised_by_what_it_created(reg):
    first = reg.decide(
        reg.event("e-dept", "establish", D(2020, 1, 1), new_units=[reg.new("dept", "department")])
    )
    reg.register("inst")
    reg.decide(
        reg.event("e-tr", "change", D(2020, 6, 1), sources=["inst"], attributes={"parent": "dept"})
    )
    before = reg.snapshot()
    with pytest.raises(RegistryError) as info:
        services.decision_revoke(decision=first)
    assert reg.snapshot() == before
    assert "inst" in str(info.value) and "dept" in str(info.value) and "e-tr" in str(info.value)


def test_revocation_refused_when_it_would_restore_a_supervision_cycle(reg):
    # a under c until e-move puts it under nobody; then c goes under a. Revoking e-move would
    # leave a and c supervising each other.
    reg.department("c")
    reg.department("a", parent="c")
    move = reg.decide(
        reg.event("e-move", "change", D(2020, 1, 1), sources=["a"], attributes={"parent": None})
    )
    reg.decide(reg.event("e-c", "change", D(2021, 1, 1), sources=["c"], attributes={"parent": "a"}))
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="循环"):
        services.decision_revoke(decision=move)
    assert reg.snapshot() == before


def test_revocation_re_derives_the_versions(reg):
    reg.register("u")
    decision = reg.decide(
        reg.event("e-ren", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "改"})
    )
    assert len(reg.versions("u")) == 2
    services.decision_revoke(decision=decision)
    assert reg.versions("u") == [(D(2015, 1, 1), None, "u名称", None, None, None)]
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.REVOKED and decision.revoked_at is not None


def test_revoking_an_establishment_with_nothing_depending_on_it(reg):
    decision = reg.decide(reg.event("e-est", "establish", D(2020, 1, 1), new_units=[reg.new("u")]))
    services.decision_revoke(decision=decision)
    assert reg.versions("u") == []
    assert Unit.objects.filter(key="u").exists()  # the identity stays, with its history


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y4I", "I"),
        ("91350100M000100Y44", "校验位"),
    ],
)
def test_credit_code_of_a_new_unit_is_checked(reg, code, needle):
    decision = reg.draft()
    before = reg.counts()
    with pytest.raises(RegistryError) as info:
        services.event_create(
            decision=decision,
            key="e-cc",
            type="establish",
            effective_on=D(2020, 1, 1),
            new_units=[reg.new("n", credit_code=code)],
        )
    assert reg.counts() == before
    assert needle in str(info.value.problems)
    assert info.value.problems[0]["column"] == "credit_code"
    assert info.value.problems[0]["unit"] == "n"


def test_credit_code_set_by_a_change_is_checked(reg):
    reg.register("u")
    decision = reg.draft()
    with pytest.raises(RegistryError) as info:
        services.event_create(
            decision=decision,
            key="e-cc",
            type="change",
            effective_on=D(2020, 1, 1),
            sources=["u"],
            attributes={"credit_code": "12350100M000100Y44"},
        )
    assert "校验位" in str(info.value.problems) and "e-cc" in str(info.value.problems)
    services.event_create(
        decision=decision,
        key="e-cc",
        type="change",
        effective_on=D(2020, 1, 1),
        sources=["u"],
        attributes={"credit_code": "12350100M000100Y48"},
    )
    services.decision_approve(decision=decision)
    assert reg.version_on("u", D(2020, 1, 1)).credit_code == "12350100M000100Y48"


def test_unknown_attribute_and_bad_values_are_refused(reg):
    reg.register("u")
    decision = reg.draft()
    with pytest.raises(RegistryError) as info:
        services.event_create(
            decision=decision,
            key="e-x",
            type="change",
            effective_on=D(2020, 1, 1),
            sources=["u"],
            attributes={
                "colour": "red",
                "rank": "general",
                "internal_bodies": -1,
                "business_functions": "maybe",
            },
        )
    columns = {p["column"] for p in info.value.problems}
    assert columns == {"colour", "rank", "internal_bodies", "business_functions"}


def test_approval_refused_for_a_decision_that_is_not_a_draft(reg):
    reg.register("u")
    decision = reg.decide(
        reg.event("e", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "x"})
    )
    with pytest.raises(RegistryError, match=decision.number):
        services.decision_approve(decision=decision)
    services.decision_revoke(decision=decision)
    with pytest.raises(RegistryError):
        services.decision_approve(decision=decision)
    with pytest.raises(RegistryError):
        services.decision_revoke(decision=decision)
    assert Decision.objects.get(pk=decision.pk).status == DecisionStatus.REVOKED


def test_revoking_a_draft_is_refused(reg):
    decision = reg.draft()
    before = reg.snapshot()
    with pytest.raises(RegistryError, match="只有已批准"):
        services.decision_revoke(decision=decision)
    assert reg.snapshot() == before


def test_every_problem_is_listed(reg):
    reg.register("u")
    reg.register("v")
    reg.decide(reg.event("end", "abolish", D(2020, 1, 1), sources=["u", "v"]))
    late = reg.draft(
        reg.event("l1", "change", D(2020, 6, 1), sources=["u"], attributes={"name": "x"}),
        reg.event("l2", "change", D(2020, 6, 1), sources=["v"], attributes={"name": "x"}),
    )
    error = refused_approval(reg, late, "2")
    assert {(p["event"], p["unit"]) for p in error.problems} == {("l1", "u"), ("l2", "v")}
