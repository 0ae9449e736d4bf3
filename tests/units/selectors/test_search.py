"""Search (DESIGN §6): fragments of one or more characters in current and former names and short
names, credit codes and keys, in relevance order, through the n-gram index the derivation keeps
(and ``rebuild_registry`` rebuilds and checks) — on both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from units import services
from units.models import UnitSearchEntry
from units.rules import credit_code_check_character, query_grams, search_grams, search_normal
from units.selectors import units_matching
from units.selectors.units import unit_list

D = dt.date
CODE = "12150200MB1234567" + credit_code_check_character("12150200MB1234567")


@pytest.fixture
def city(reg):
    reg.department("zjj", name="包头市住房和城乡建设局", short_name="市住建局")
    reg.department("fgw", name="包头市发展和改革委员会", short_name="市发改委")
    reg.register("bz", name="包头市住房保障服务中心", short_name="市住房保障中心", parent="zjj")
    reg.register("sb", name="包头市社会保障中心", parent="fgw", credit_code=CODE)
    reg.register("wh", name="包头市文化馆", parent="fgw")
    reg.register("whf", name="包头市文化馆分馆", parent="fgw")
    reg.register("abc", name="ABC数据中心", parent="fgw")
    return reg


def found(text: str) -> list[str]:
    return sorted(units_matching(text).values_list("key", flat=True))


def listed(text: str) -> list[str]:
    return list(unit_list(filters={"q": text}).values_list("unit__key", flat=True))


def test_normal_form_and_grams():
    assert search_normal("  ＡＢＣ　数据 ") == "abc 数据"
    assert search_grams("住建局") == {"住", "建", "局", "住建", "建局"}
    assert search_grams("a b") == {"a", "b"}
    assert query_grams("住建局") == ["住建", "建局"]
    assert query_grams("馆") == ["馆"]
    assert query_grams("a b") == ["a", "b"]


def test_two_characters_find_a_short_name(city):
    assert found("住建") == ["zjj"]
    assert listed("住建") == ["zjj"]


def test_one_character(city):
    assert found("馆") == ["wh", "whf"]
    assert found("委") == ["fgw"]


def test_a_fragment_is_contiguous(city):
    """Every bigram of 住房中心 is in 包头市住房保障服务中心's texts, but not the fragment itself."""
    assert found("住房中心") == []
    assert found("保障中心") == ["bz", "sb"]


def test_latin_in_any_case_and_width(city):
    assert found("abc") == found("ABC") == found("ＡＢＣ") == ["abc"]


def test_credit_code_and_key(city):
    assert found(CODE) == ["sb"]
    assert found(CODE[2:10].lower()) == ["sb"]
    assert found("whf") == ["whf"]


def test_relevance_whole_name_then_current_then_former(city, reg):
    reg.decide(
        reg.event(
            "e-rename",
            "change",
            D(2020, 6, 1),
            sources=["wh"],
            attributes={"name": "包头市群众艺术馆"},
        )
    )
    assert found("文化馆") == ["wh", "whf"]
    # 包头市文化馆分馆 holds it now; 包头市文化馆 only as a former name.
    assert listed("文化馆") == ["whf", "wh"]
    # A whole former name comes before a current text that only holds it.
    assert listed("包头市文化馆") == ["wh", "whf"]


def test_former_short_names_stay_searchable(city, reg):
    reg.decide(
        reg.event(
            "e-short",
            "change",
            D(2020, 6, 1),
            sources=["zjj"],
            attributes={"short_name": "市住建委"},
        )
    )
    assert found("住建局") == ["zjj"]
    assert found("住建委") == ["zjj"]
    tiers = dict(UnitSearchEntry.objects.filter(unit__key="zjj").values_list("tier", "text"))
    assert "市住建局" in tiers[UnitSearchEntry.FORMER]
    assert "市住建委" in tiers[UnitSearchEntry.CURRENT]


def test_index_follows_approval_and_revocation(city, reg):
    decision = reg.decide(
        reg.event(
            "e-new",
            "establish",
            D(2020, 6, 1),
            new_units=[reg.new("zx", name="包头市征收中心", parent="zjj")],
        )
    )
    assert found("征收") == ["zx"]
    services.decision_revoke(decision=decision)
    assert found("征收") == []
    assert not UnitSearchEntry.objects.filter(unit__key="zx").exists()


def test_rebuild_check_finds_a_damaged_index_and_rebuild_mends_it(city):
    call_command("rebuild_registry", "--check")
    UnitSearchEntry.objects.filter(unit__key="zjj").update(text="\n别的名称\n", grams="别 的")
    UnitSearchEntry.objects.filter(unit__key="wh").delete()
    with pytest.raises(CommandError):
        call_command("rebuild_registry", "--check")
    keys = {d["unit"] for d in services.registry_differences()}
    assert keys == {"zjj", "wh"}
    assert found("住建") == []
    call_command("rebuild_registry")
    call_command("rebuild_registry", "--check")
    assert found("住建") == ["zjj"]
    assert found("文化馆") == ["wh", "whf"]


def test_search_never_matches_white_space_or_nothing(city):
    assert listed("  ") == sorted(listed(""))
    assert found("中心 xyz") == []


@pytest.mark.parametrize(
    "text", ["（", "（）", '"', "'", "a'b\"c", "\\", "*", "AND", "中心 OR", "-"]
)
def test_punctuation_and_query_syntax_are_plain_text(city, reg, text):
    reg.register("odd", name=f"包头市{text}试点中心", parent="fgw")
    assert "odd" in found(text)
    assert set(found(text)) <= {"odd", "abc", "bz", "sb"}
    # The index rows read back (PostgreSQL gives its vector in its own spelling) agree.
    assert services.registry_differences() == []
