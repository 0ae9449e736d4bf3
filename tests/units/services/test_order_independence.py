"""The versions depend only on the set of approved decisions: not on the order in which they
were approved, nor on the order in which they were entered, nor on revocations in between."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from units import services
from units.models import UnitVersion

D = dt.date
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=HEALTH)
FEWER = settings(max_examples=6, deadline=None, suppress_health_check=HEALTH)


def scenario(reg):
    """Decisions that are each valid whatever else is approved: they touch registered units
    (several of them the same units, at dates before and after one another)."""
    e, n = reg.event, reg.new
    return [
        [e("rename-a", "change", D(2020, 1, 1), sources=["a"], attributes={"name": "甲中心"})],
        [e("move-a", "change", D(2019, 1, 1), sources=["a"], attributes={"parent": "d2"})],
        [e("end-a", "abolish", D(2022, 1, 1), sources=["a"])],
        [
            e(
                "merge-bc",
                "merge",
                D(2020, 6, 1),
                sources=["b", "c"],
                new_units=[n("bc", parent="d1")],
            ),
            e(
                "class-b",
                "change",
                D(2018, 1, 1),
                sources=["b"],
                attributes={"category": "business"},
            ),
        ],
        [
            e("rank-d", "change", D(2021, 3, 1), sources=["d"], attributes={"rank": "division"}),
            e("name-e", "change", D(2020, 2, 2), sources=["e"], attributes={"name": "乙中心"}),
        ],
        [
            e(
                "absorb-d",
                "absorb",
                D(2021, 6, 1),
                sources=["d"],
                targets=["e"],
                attributes={"internal_bodies": 7, "functions": "承担原丁中心职能"},
            )
        ],
        [
            e(
                "split-f",
                "split",
                D(2020, 9, 1),
                sources=["f"],
                new_units=[n("f1"), n("f2", parent="d2")],
            ),
            e(
                "flag-f",
                "change",
                D(2019, 9, 1),
                sources=["f"],
                attributes={"pending_wind_down": True},
            ),
        ],
        [e("est-g", "establish", D(2020, 1, 1), new_units=[n("g", parent="d1")])],
        [e("rename-d1", "change", D(2020, 5, 5), sources=["d1"], attributes={"name": "新一局"})],
        [e("move-h", "change", D(2020, 5, 5), sources=["h"], attributes={"parent": "d1"})],
    ]


def setup_units(reg):
    """Two departments and seven institutions, registered in one go."""
    from units.services import RegistrationInput as Row

    city = {"jurisdiction": "150200"}
    rows = [Row(k, "department", D(2010, 1, 1), {"name": k, **city}) for k in ("d1", "d2")]
    rows += [
        Row(k, "institution", D(2015, 1, 1), {"name": k + "名称", "parent": "d1", **city})
        for k in "abcdef"
    ]
    rows.append(Row("h", "institution", D(2019, 7, 1), {"name": "h名称", "parent": "d2", **city}))
    services.units_register_bulk(rows=rows)


def state():
    return sorted(
        (
            v.unit.key,
            v.valid_from,
            v.valid_to,
            v.name,
            v.parent.key if v.parent else None,
            v.opened_by.key if v.opened_by else None,
            v.closed_by.key if v.closed_by else None,
            v.category,
            v.rank,
            v.internal_bodies,
            v.functions,
            v.pending_wind_down,
        )
        for v in UnitVersion.objects.select_related("unit", "parent", "opened_by", "closed_by")
    )


def run(registry_class, *, entry_order, approval_order, revoke=(), batch=False):
    """Build the scenario in a savepoint, return the resulting state, roll everything back."""
    with transaction.atomic():
        reg = registry_class()
        setup_units(reg)
        specs = scenario(reg)
        drafts = {}
        for i in entry_order:
            drafts[i] = reg.draft(*specs[i], number=f"doc-{i}")
        if batch:
            services.decisions_approve(decisions=[drafts[i] for i in approval_order])
        else:
            for i in approval_order:
                services.decision_approve(decision=drafts[i])
        for i in revoke:
            services.decision_revoke(decision=drafts[i])
        result = state()
        assert services.registry_differences() == []
        transaction.set_rollback(True)
    return result


ALL = list(range(10))


@pytest.fixture
def baseline(registry_class):
    return run(registry_class, entry_order=ALL, approval_order=ALL)


def test_baseline_is_what_the_events_say(registry_class, baseline):
    names_of_a = [row[3] for row in baseline if row[0] == "a"]
    assert names_of_a == ["a名称", "a名称", "甲中心"]
    assert [row[1:3] for row in baseline if row[0] == "e"][-1] == (D(2021, 6, 1), None)
    assert {row[0] for row in baseline} >= {"bc", "f1", "f2", "g"}


@SETTINGS
@given(order=st.permutations(ALL))
def test_any_approval_order_gives_identical_versions(registry_class, baseline, order):
    assert run(registry_class, entry_order=ALL, approval_order=order) == baseline


@settings(max_examples=10, deadline=None, suppress_health_check=HEALTH)
@given(entry=st.permutations(ALL), order=st.permutations(ALL))
def test_entering_decisions_with_dates_out_of_order_changes_nothing(
    registry_class, baseline, entry, order
):
    assert run(registry_class, entry_order=entry, approval_order=order) == baseline


@FEWER
@given(order=st.permutations(ALL))
def test_approving_together_equals_approving_one_by_one(registry_class, baseline, order):
    assert run(registry_class, entry_order=ALL, approval_order=order, batch=True) == baseline


@FEWER
@given(order=st.permutations(ALL), revoked=st.sets(st.sampled_from(ALL), max_size=4))
def test_revoking_equals_never_approving(registry_class, order, revoked):
    kept = [i for i in order if i not in revoked]
    with_revocations = run(
        registry_class, entry_order=ALL, approval_order=order, revoke=sorted(revoked)
    )
    assert with_revocations == run(registry_class, entry_order=ALL, approval_order=kept)
