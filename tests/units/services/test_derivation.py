"""The derivation: attribute values, derivation of versions, supervision checks."""

import datetime as dt

import pytest

from core.errors import RegistryError
from units import services
from units.models import Unit, UnitVersion
from units.rules import ATTRIBUTE_FIELDS, DEFAULTS, clean_attributes
from units.services.derivation import check_supervision, derive

D = dt.date


def test_every_attribute_has_a_default_and_a_version_field():
    assert set(DEFAULTS) == set(ATTRIBUTE_FIELDS)
    names = {f.name for f in UnitVersion._meta.get_fields()}
    assert set(ATTRIBUTE_FIELDS) <= names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"business_functions": "true"}, {"business_functions": True}),
        ({"market_replaceable": "FALSE"}, {"market_replaceable": False}),
        ({"pending_wind_down": "1"}, {"pending_wind_down": True}),
        ({"internal_bodies": " 3 "}, {"internal_bodies": 3}),
        ({"parent": ""}, {"parent": None}),
        ({"parent": " dept "}, {"parent": "dept"}),
        ({"category": " business "}, {"category": "business"}),
        ({"rank": ""}, {"rank": ""}),
        ({"name": "  名称  "}, {"name": "名称"}),
        ({"functions": "  保留空白 "}, {"functions": "  保留空白 "}),
        ({"credit_code": "91350100M000100Y43"}, {"credit_code": "91350100M000100Y43"}),
        ({"credit_code": None}, {"credit_code": ""}),
    ],
)
def test_clean_attributes_normalizes(raw, expected):
    values, problems = clean_attributes(raw, birth=False)
    assert problems == [] and values == expected


@pytest.mark.parametrize(
    ("raw", "column"),
    [
        ({"colour": "red"}, "colour"),
        ({"business_functions": "yes"}, "business_functions"),
        ({"internal_bodies": "three"}, "internal_bodies"),
        ({"internal_bodies": -2}, "internal_bodies"),
        ({"category": "charity"}, "category"),
        ({"rank": "general"}, "rank"),
        ({"funding": "loan"}, "funding"),
        ({"credit_code": "123"}, "credit_code"),
        ({"jurisdiction": ""}, "jurisdiction"),
        ({"name": ""}, "name"),
        ({"name": "长" * 201}, "name"),
        ({"short_name": "短" * 101}, "short_name"),
    ],
)
def test_clean_attributes_reports_the_column(raw, column):
    _values, problems = clean_attributes(raw, birth=False)
    assert [p["column"] for p in problems] == [column]
    assert problems[0]["message"]


def test_birth_requires_name_and_jurisdiction():
    _values, problems = clean_attributes({"sector": "卫生"}, birth=True)
    assert sorted(p["column"] for p in problems) == ["jurisdiction", "name"]


def test_derive_is_pure(reg):
    reg.register("u")
    decision = reg.draft(reg.event("e", "abolish", D(2020, 1, 1), sources=["u"]))
    unit = Unit.objects.get(key="u")
    before = reg.snapshot()
    preview = derive([unit.pk], extra_decision_ids=[decision.pk])
    assert preview.problems == []
    assert [(v.valid_from, v.valid_to) for v in preview.versions[unit.pk]] == [
        (D(2015, 1, 1), D(2020, 1, 1))
    ]
    assert reg.snapshot() == before
    excluded = derive(
        [unit.pk], extra_decision_ids=[decision.pk], exclude_decision_ids=[decision.pk]
    )
    assert excluded.versions[unit.pk][0].valid_to is None


def test_derive_resolves_references_and_reports_missing_ones(reg):
    reg.department("dept")
    reg.register("u", parent="dept")
    unit = Unit.objects.get(key="u")
    derived = derive([unit.pk])
    version = derived.versions[unit.pk][0]
    assert version.values["parent"] == Unit.objects.get(key="dept").pk
    assert isinstance(version.values["jurisdiction"], int)
    with pytest.raises(RegistryError) as info:
        reg.register("w", jurisdiction="999999")
    assert "999999" in str(info.value) and "w" in str(info.value)


def test_derive_all_units_matches_the_stored_versions(reg):
    reg.department("dept")
    reg.register("u", parent="dept")
    reg.decide(reg.event("e", "change", D(2020, 1, 1), sources=["u"], attributes={"name": "x"}))
    derived = derive(None)
    assert derived.problems == []
    assert sum(len(v) for v in derived.versions.values()) == UnitVersion.objects.count() == 3


def test_supervision_of_stored_dependents_is_checked(reg):
    """A version stored for another unit whose supervising unit the derivation removes."""
    decision = reg.decide(
        reg.event("d", "establish", D(2020, 1, 1), new_units=[reg.new("dept", "department")])
    )
    reg.register("inst", parent="dept", on=D(2020, 6, 1))
    dept = Unit.objects.get(key="dept")
    without = derive([dept.pk], exclude_decision_ids=[decision.pk])
    assert without.versions[dept.pk] == []
    check_supervision(without)
    assert [(p["unit"], p["event"]) for p in without.problems] == [("inst", None)]
    assert "dept" in without.problems[0]["message"]
    assert "登记" in without.problems[0]["message"]
    # With every unit derived (a rebuild), the same data has no problem.
    everything = derive(None)
    check_supervision(everything, all_units=True)
    assert everything.problems == []


def test_registration_problems_name_the_unit(reg):
    reg.department("late", on=D(2020, 1, 1))
    with pytest.raises(RegistryError) as info:
        reg.register("early", parent="late", on=D(2019, 1, 1))
    assert info.value.problems[0]["unit"] == "early"
    assert "late" in info.value.problems[0]["message"]
    assert not Unit.objects.filter(key="early").exists()


def test_register_in_bulk_with_supervising_units_of_the_same_batch(reg):
    rows = [
        services.RegistrationInput(
            "inst",
            "institution",
            D(2015, 1, 1),
            {"name": "i", "jurisdiction": "150200", "parent": "dept"},
        ),
        services.RegistrationInput(
            "dept", "department", D(2010, 1, 1), {"name": "d", "jurisdiction": "150200"}
        ),
    ]
    services.units_register_bulk(rows=rows)
    assert reg.versions("inst")[0][3] == "dept"


def test_bulk_registration_lists_every_problem(reg):
    reg.register("taken")
    rows = [
        services.RegistrationInput(
            "taken", "institution", D(2015, 1, 1), {"name": "a", "jurisdiction": "150200"}
        ),
        services.RegistrationInput(
            "dup", "institution", D(2015, 1, 1), {"name": "a", "jurisdiction": "150200"}
        ),
        services.RegistrationInput(
            "dup", "institution", D(2015, 1, 1), {"name": "a", "jurisdiction": "150200"}
        ),
        services.RegistrationInput(
            "odd", "enterprise", D(2015, 1, 1), {"name": "a", "jurisdiction": "150200"}
        ),
        services.RegistrationInput(
            "bad key", "institution", D(2015, 1, 1), {"name": "a", "jurisdiction": "150200"}
        ),
        services.RegistrationInput(
            "nameless", "institution", D(2015, 1, 1), {"jurisdiction": "150200"}
        ),
    ]
    before = reg.snapshot()
    with pytest.raises(RegistryError) as info:
        services.units_register_bulk(rows=rows)
    assert reg.snapshot() == before
    located = {(p["unit"], p["column"]) for p in info.value.problems}
    assert located == {
        ("taken", "key"),
        ("dup", "key"),
        ("odd", "kind"),
        ("bad key", "key"),
        ("nameless", "name"),
    }
