"""The demo reproduces the article's figures, from its plan and from the registry."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from reform_registry import demo
from units import selectors, services
from units.choices import DecisionStatus, EventType, UnitKind
from units.models import Decision, Event, Jurisdiction, Unit, UnitVersion
from units.rules import credit_code_problem


def test_plan_gives_the_article_figures():
    figures = demo.demo_figures()
    for name, expected in demo.ARTICLE_FIGURES.items():
        assert figures[name] == expected, name


def test_figures_do_not_depend_on_whether_pending_units_involve_their_department():
    strict = demo.demo_figures(exclude_pending_from_involved=True)
    loose = demo.demo_figures(exclude_pending_from_involved=False)
    assert strict["involved"] == loose["involved"]
    assert strict["involved_at_most_3"] == loose["involved_at_most_3"]


def test_plan_is_deterministic():
    first, second = demo.demo_plan(), demo.demo_plan()
    assert [r.key for r in first.registrations] == [r.key for r in second.registrations]
    assert [r.attributes for r in first.registrations] == [
        r.attributes for r in second.registrations
    ]
    assert {k: v.events for k, v in first.decisions.items()} == {
        k: v.events for k, v in second.decisions.items()
    }


def test_plan_has_the_reform_mix():
    plan = demo.demo_plan()
    events = [e for spec in plan.decisions.values() if spec.approved for e in spec.events]
    types = {e["type"] for e in events}
    assert {
        EventType.ESTABLISH,
        EventType.ABOLISH,
        EventType.TRANSFORM,
        EventType.MERGE,
        EventType.ABSORB,
        EventType.CHANGE,
        EventType.SPLIT,
    } <= types
    changes = [e["attributes"] for e in events if e["type"] == EventType.CHANGE]
    assert any("name" in a for a in changes)  # rename
    assert any("parent" in a for a in changes)  # transfer between departments
    assert any(a.get("pending_wind_down") for a in changes)
    assert any("category" in a for a in changes)
    names = {a["name"] for e in events for _k, _kind, a in e["new_units"]}
    for name in (
        "包头市投资促进中心",
        "包头市社会信用管理中心",
        "包头市稀土新材料技术研发中心",
        "包头市知识产权保护中心",
        "包头市大数据中心",
    ):
        assert name in names
    assert len(demo.SCIENCE_UNITS) == 8
    codes = [
        r.attributes["credit_code"] for r in plan.registrations if r.attributes.get("credit_code")
    ]
    assert len(codes) > 50
    assert all(credit_code_problem(code) is None for code in codes)
    # Entered out of date order; exactly one draft.
    dates = [plan.decisions[name].issued_on for name in demo.ENTRY_ORDER]
    assert dates != sorted(dates)
    assert [s.number for s in plan.decisions.values() if not s.approved] == [demo.DRAFT_NUMBER]
    for spec in plan.decisions.values():
        assert all(spec.issued_on < e["effective_on"] for e in spec.events)


@pytest.fixture
def loaded(db):
    demo.build_demo()
    return Jurisdiction.objects.get(code=demo.CITY)


@pytest.mark.django_db
def test_registry_gives_the_article_figures(loaded):
    city = loaded
    before = selectors.counted_institutions(on=demo.DEMO_BEFORE, jurisdiction=city).count()
    after = selectors.counted_institutions(on=demo.DEMO_AFTER, jurisdiction=city).count()
    assert (before, after) == (342, 202)
    per_before = selectors.institutions_per_department(on=demo.DEMO_BEFORE, jurisdiction=city)
    per_after = selectors.institutions_per_department(on=demo.DEMO_AFTER, jurisdiction=city)
    assert None not in per_before and None not in per_after
    assert len(per_before) == 58
    zjj = Unit.objects.get(key=demo.ZJJ)
    assert (per_before[zjj.pk], per_after[zjj.pk]) == (32, 13)
    figures = demo.demo_figures()
    keys = dict(Unit.objects.values_list("id", "key"))
    assert {keys[k]: v for k, v in per_before.items()} == figures["per_department_before"]
    assert {keys[k]: v for k, v in per_after.items()} == figures["per_department_after"]
    # Subdivisions matter: districts and the zone have institutions too.
    with_subdivisions = selectors.counted_institutions(
        on=demo.DEMO_AFTER, jurisdiction=city, subdivisions=True
    ).count()
    assert with_subdivisions > after
    # Pending wind-down institutions still exist but are not counted.
    assert (
        selectors.counted_institutions(
            on=demo.DEMO_AFTER, jurisdiction=city, exclude_pending=False
        ).count()
        == after + 2
    )


@pytest.mark.django_db
def test_reform_summary_of_the_demo(loaded):
    from reform_registry import reports

    summary = reports.reform_summary(
        jurisdiction=loaded, before=demo.DEMO_BEFORE, after=demo.DEMO_AFTER
    )
    for name, expected in demo.ARTICLE_FIGURES.items():
        if hasattr(summary, name):
            assert getattr(summary, name) == expected, name


@pytest.mark.django_db
def test_registry_state_of_the_demo(loaded):
    assert services.registry_differences() == []
    assert Decision.objects.filter(status=DecisionStatus.DRAFT).count() == 1
    draft = Decision.objects.get(number=demo.DRAFT_NUMBER)
    assert draft.events.count() == 2
    assert Decision.objects.filter(status=DecisionStatus.APPROVED).count() == 7
    assert Decision.objects.filter(issuer=demo.ISSUER).count() == 8
    # The unit moved from 住建局 to 城管局 keeps one identity with two supervisors.
    moved = UnitVersion.objects.filter(unit__key="bt-zjj-21").order_by("valid_from")
    assert [v.parent.key for v in moved] == [demo.ZJJ, "bt-cgj"]
    merged = Unit.objects.get(key="bt-zjj-housing")
    lineage = selectors.unit_lineage(unit=merged)
    assert len(lineage.ancestors) == 5
    # A split, then a merge of one of its parts: the lineage is two levels deep.
    developed = selectors.unit_lineage(unit=Unit.objects.get(key="bt-wjw-development"))
    assert developed.ancestors == {
        Unit.objects.get(key="bt-wjw-quality").pk: 1,
        Unit.objects.get(key="bt-wjw-17").pk: 1,
        Unit.objects.get(key="bt-wjw-16").pk: 2,
    }
    assert Event.objects.filter(decision__number=demo.DEMO_MARKER_DECISION).count() > 10
    assert UnitVersion.objects.filter(kind=UnitKind.DEPARTMENT).count() >= 58


@pytest.mark.django_db
def test_load_demo_twice_does_not_duplicate(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text and "/admin/" in text
    assert "admin" in text and "密码" in text
    counts = (
        Unit.objects.count(),
        UnitVersion.objects.count(),
        Event.objects.count(),
        Decision.objects.count(),
        Jurisdiction.objects.count(),
    )
    assert get_user_model().objects.get(username="admin").is_superuser
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "已经加载" in out.getvalue()
    assert counts == (
        Unit.objects.count(),
        UnitVersion.objects.count(),
        Event.objects.count(),
        Decision.objects.count(),
        Jurisdiction.objects.count(),
    )
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_load_demo_without_debug_creates_no_known_password(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert not get_user_model().objects.exists()
    assert "createsuperuser" in out.getvalue()
    assert Decision.objects.filter(number=demo.DEMO_MARKER_DECISION).exists()
