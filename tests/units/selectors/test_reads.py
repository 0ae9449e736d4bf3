"""Reads of the registry core: state on a date, filtered lists, histories, counts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from units import selectors, services
from units.models import Jurisdiction, Unit
from units.selectors.units import unit_list

D = dt.date
CODE = "12350100M000100Y48"


@pytest.fixture
def city(reg):
    """Two departments, institutions with every §2 field set, a rename and a transfer."""
    reg.department("dept1", name="市住房和城乡建设局")
    reg.department("dept2", name="市文化旅游广电局")
    reg.register(
        "inst1",
        name="市住房保障中心",
        short_name="住保中心",
        credit_code=CODE,
        parent="dept1",
        category="public_welfare_1",
        rank="division",
        funding="full",
        sector="住房",
        functions="承担住房保障事务",
        internal_bodies=4,
    )
    reg.register(
        "inst2",
        name="市房地产开发公司",
        parent="dept1",
        category="business",
        rank="section",
        funding="self",
        sector="房地产",
        business_functions=True,
        market_replaceable=True,
        pending_wind_down=True,
    )
    reg.register(
        "inst3", name="市图书馆", parent="dept2", category="public_welfare_2", funding="partial"
    )
    reg.register("inst4", name="区文化馆", parent="dept2", jurisdiction="150203", rank="unranked")
    reg.decide(
        reg.event(
            "ren", "change", D(2020, 6, 1), sources=["inst3"], attributes={"name": "市图书馆（新）"}
        ),
        reg.event(
            "tra", "change", D(2020, 6, 1), sources=["inst1"], attributes={"parent": "dept2"}
        ),
    )
    reg.decide(reg.event("end", "abolish", D(2021, 1, 1), sources=["inst2"]))
    return reg


def keys(qs):
    return [v.unit.key for v in qs]


def test_state_on_a_date(city):
    inst3 = Unit.objects.get(key="inst3")
    assert selectors.unit_state(unit=inst3, on=D(2014, 12, 31)) is None
    assert selectors.unit_state(unit=inst3, on=D(2015, 1, 1)).name == "市图书馆"
    assert selectors.unit_state(unit=inst3, on=D(2020, 5, 31)).name == "市图书馆"
    assert selectors.unit_state(unit=inst3, on=D(2020, 6, 1)).name == "市图书馆（新）"
    inst2 = Unit.objects.get(key="inst2")
    assert selectors.unit_state(unit=inst2, on=D(2020, 12, 31)) is not None
    assert selectors.unit_state(unit=inst2, on=D(2021, 1, 1)) is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["dept1", "dept2", "inst1", "inst2", "inst3", "inst4"]),
        ({"kind": "department"}, ["dept1", "dept2"]),
        ({"kind": "institution"}, ["inst1", "inst2", "inst3", "inst4"]),
        ({"name": "市图书馆"}, ["inst3"]),
        ({"short_name": "住保中心"}, ["inst1"]),
        ({"credit_code": CODE}, ["inst1"]),
        ({"jurisdiction": "150203"}, ["inst4"]),
        ({"parent": "dept1"}, ["inst1", "inst2"]),
        ({"parent": "dept2"}, ["inst3", "inst4"]),
        ({"category": "business"}, ["inst2"]),
        ({"category": "public_welfare_1"}, ["inst1"]),
        ({"rank": "division"}, ["inst1"]),
        ({"funding": "partial"}, ["inst3"]),
        ({"sector": "房地产"}, ["inst2"]),
        ({"business_functions": True}, ["inst2"]),
        ({"market_replaceable": True}, ["inst2"]),
        ({"pending_wind_down": True}, ["inst2"]),
        ({"functions": "承担住房保障事务"}, ["inst1"]),
        ({"internal_bodies": 4}, ["inst1"]),
        ({"kind": "institution", "parent": "dept2", "rank": "unranked"}, ["inst4"]),
        ({"q": "房地产"}, ["inst2"]),
        ({"q": "", "kind": None}, ["dept1", "dept2", "inst1", "inst2", "inst3", "inst4"]),
    ],
)
def test_unit_list_filters_on_a_date_before_the_reform(city, filters, expected):
    assert keys(unit_list(on=D(2020, 1, 1), filters=filters)) == expected


def test_unit_list_after_the_reform_shows_the_state_of_that_date(city):
    on = D(2021, 6, 1)
    assert keys(unit_list(on=on, filters={"parent": "dept1"})) == []
    assert keys(unit_list(on=on, filters={"parent": "dept2"})) == [
        "inst1",
        "inst3",
        "inst4",
    ]
    # The name is the name on that date: the new one, not yet in force before the reform.
    assert keys(unit_list(on=on, filters={"name": "市图书馆（新）"})) == ["inst3"]
    before = D(2020, 1, 1)
    assert keys(unit_list(on=before, filters={"name": "市图书馆（新）"})) == []
    # Text search also finds former names, on the state of the date.
    assert keys(unit_list(on=on, filters={"q": "市图书馆"})) == ["inst3"]
    assert keys(unit_list(on=on, filters={"kind": "institution"})) == [
        "inst1",
        "inst3",
        "inst4",
    ]


def test_unit_list_query_count_does_not_grow(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(unit_list(on=D(2020, 1, 1)))
        seen = [(r.unit.key, r.jurisdiction.code, r.parent and r.parent.key) for r in rows]
    assert len(seen) == 6


def test_history_lists_versions_with_the_events_and_decisions_that_opened_and_closed_them(city):
    history = selectors.unit_history(unit=Unit.objects.get(key="inst1"))
    spans = [(v.valid_from, v.valid_to) for v in history.versions]
    assert spans == [(D(2015, 1, 1), D(2020, 6, 1)), (D(2020, 6, 1), None)]
    first, second = history.versions
    assert first.opened_by is None and first.closed_by.key == "tra"
    assert second.opened_by.key == "tra"
    assert second.opened_by.decision.number == "包编发〔2020〕1号"
    assert [e.key for e in history.events] == ["tra"]
    assert history.changes[second.pk] == ["parent"]
    assert history.registration.established_on == D(2015, 1, 1)
    ended = selectors.unit_history(unit=Unit.objects.get(key="inst2"))
    assert ended.versions[-1].closed_by.key == "end"
    assert ended.versions[-1].closed_by.decision.number == "包编发〔2020〕2号"


def test_history_costs_a_fixed_number_of_queries(reg, django_assert_num_queries):
    reg.register("small")
    reg.register("big")
    for i in range(12):
        reg.decide(
            reg.event(
                f"r{i}",
                "change",
                D(2016 + i, 1, 1),
                sources=["big"],
                attributes={"name": f"第{i}名"},
            )
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for key in ("small", "big"):
        unit = Unit.objects.get(key=key)

        with CaptureQueriesContext(connection) as ctx:
            history = selectors.unit_history(unit=unit)
            seen = [
                (
                    v.opened_by and v.opened_by.decision.number,
                    v.closed_by and v.closed_by.decision.number,
                    v.jurisdiction.code,
                    v.parent,
                )
                for v in history.versions
            ] + [e.decision.number for e in history.events]
        assert seen
        counts.append(len(ctx.captured_queries))
    assert len(selectors.unit_history(unit=Unit.objects.get(key="big")).versions) == 13
    assert counts[0] == counts[1] <= 3


def test_change_labels_say_what_changed(city):
    assert selectors.change_label(["name"]) == "rename"
    assert selectors.change_label(["parent"]) == "transfer"
    assert selectors.change_label(["category", "rank"]) == "reclassify"
    assert selectors.change_label(["rank"]) == "regrade"
    assert selectors.change_label(["pending_wind_down"]) == "flag"


def test_institutions_per_department_on_a_date(city):
    ids = dict(Unit.objects.values_list("key", "id"))
    before = selectors.institutions_per_department(on=D(2020, 1, 1), exclude_pending=False)
    assert before == {ids["dept1"]: 2, ids["dept2"]: 2}
    # inst2 is a business institution pending wind-down: left out by default.
    assert selectors.institutions_per_department(on=D(2020, 1, 1)) == {
        ids["dept1"]: 1,
        ids["dept2"]: 2,
    }
    after = selectors.institutions_per_department(on=D(2021, 1, 1), exclude_pending=False)
    assert after == {ids["dept2"]: 3}
    city_only = selectors.institutions_per_department(
        on=D(2021, 1, 1), jurisdiction=Jurisdiction.objects.get(code="150200")
    )
    assert city_only == {ids["dept2"]: 2}
    whole_city = selectors.institutions_per_department(
        on=D(2021, 1, 1),
        jurisdiction=Jurisdiction.objects.get(code="150200"),
        subdivisions=True,
    )
    assert whole_city == {ids["dept2"]: 3}


def test_institutions_per_department_is_one_query(city, django_assert_num_queries):
    city_row = Jurisdiction.objects.get(code="150200")
    with django_assert_num_queries(1):
        selectors.institutions_per_department(on=D(2021, 1, 1), jurisdiction=city_row)


def test_counted_institutions_with_subdivisions(city):
    root = Jurisdiction.objects.get(code="150200")
    on = D(2020, 1, 1)
    assert selectors.counted_institutions(on=on, jurisdiction=root).count() == 2
    assert selectors.counted_institutions(on=on, jurisdiction=root, subdivisions=True).count() == 3
    assert (
        selectors.counted_institutions(
            on=on, jurisdiction=root, subdivisions=True, exclude_pending=False
        ).count()
        == 4
    )
    assert sorted(selectors.jurisdiction_ids(root, subdivisions=True)) == sorted(
        Jurisdiction.objects.values_list("id", flat=True)
    )


def test_previewing_a_draft_does_not_write(city):
    from units.services.derivation import derive

    draft = city.draft(reg_event := city.event("d-ab", "abolish", D(2022, 1, 1), sources=["inst1"]))
    assert reg_event["key"] == "d-ab"
    inst1 = Unit.objects.get(key="inst1")
    preview = derive([inst1.pk], extra_decision_ids=[draft.pk])
    assert preview.versions[inst1.pk][-1].valid_to == D(2022, 1, 1)
    assert selectors.unit_state(unit=inst1, on=D(2022, 6, 1)) is not None
    services.decision_approve(decision=draft)
    assert selectors.unit_state(unit=inst1, on=D(2022, 6, 1)) is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"business_functions": "true"}, ["inst2"]),
        ({"pending_wind_down": "false", "kind": "institution"}, ["inst1", "inst3", "inst4"]),
        ({"internal_bodies": "4"}, ["inst1"]),
        ({"key": "inst4"}, ["inst4"]),
    ],
)
def test_unit_list_takes_values_as_text(city, filters, expected):
    assert keys(unit_list(on=D(2020, 1, 1), filters=filters)) == expected


@pytest.mark.parametrize(
    ("filters", "column"),
    [
        ({"colour": "red"}, "colour"),
        ({"kind": "enterprise"}, "kind"),
        ({"category": "charity"}, "category"),
        ({"business_functions": "maybe"}, "business_functions"),
        ({"internal_bodies": "many"}, "internal_bodies"),
        ({"unit__key": "inst1"}, "unit__key"),
    ],
)
def test_unit_list_refuses_unknown_filters_and_bad_values(city, filters, column):
    with pytest.raises(ValidationError) as info:
        list(unit_list(on=D(2020, 1, 1), filters=filters))
    assert list(info.value.message_dict) == [column]


def test_every_field_of_a_version_can_filter_the_list(city):
    """A new attribute of versions without a filter fails here."""
    from units.rules import ATTRIBUTE_FIELDS

    state = selectors.unit_state(unit=Unit.objects.get(key="inst1"), on=D(2020, 1, 1))
    for name in (*ATTRIBUTE_FIELDS, "kind", "key"):
        if name == "jurisdiction":
            value = state.jurisdiction.code
        elif name == "parent":
            value = state.parent.key
        elif name == "key":
            value = "inst1"
        else:
            value = getattr(state, name)
        if value in ("", None):
            continue
        found = keys(unit_list(on=D(2020, 1, 1), filters={name: value}))
        assert "inst1" in found, name
