"""Lineage: ancestors and descendants to any depth from one recursive query (both engines)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from units import selectors, services
from units.models import Decision, Event, EventParticipant, Unit

D = dt.date


def lineage(key, depth=None):
    result = selectors.unit_lineage(unit=Unit.objects.get(key=key), depth=depth)
    names = {uid: u.key for uid, u in result.units.items()}
    return (
        {names[uid]: d for uid, d in result.ancestors.items()},
        {names[uid]: d for uid, d in result.descendants.items()},
        [(names[e.predecessor_id], names[e.successor_id], e.event_key) for e in result.edges],
    )


@pytest.fixture
def chain(reg):
    """a + b merge into ab; ab is absorbed by c; c splits into c1 and c2."""
    for key in ("a", "b", "c"):
        reg.register(key)
    reg.decide(
        reg.event("m", "merge", D(2018, 1, 1), sources=["a", "b"], new_units=[reg.new("ab")])
    )
    reg.decide(reg.event("x", "absorb", D(2019, 1, 1), sources=["ab"], targets=["c"]))
    reg.decide(
        reg.event(
            "s", "split", D(2020, 1, 1), sources=["c"], new_units=[reg.new("c1"), reg.new("c2")]
        )
    )
    return reg


def test_ancestors_to_any_depth(chain):
    ancestors, descendants, edges = lineage("c1")
    assert ancestors == {"c": 1, "ab": 2, "a": 3, "b": 3}
    assert descendants == {}
    assert ("c", "c1", "s") in edges and ("a", "ab", "m") in edges


def test_descendants_to_any_depth(chain):
    ancestors, descendants, edges = lineage("a")
    assert ancestors == {}
    assert descendants == {"ab": 1, "c": 2, "c1": 3, "c2": 3}
    assert sorted(edges) == sorted(
        [("a", "ab", "m"), ("ab", "c", "x"), ("c", "c1", "s"), ("c", "c2", "s")]
    )


def test_both_directions_from_the_middle(chain):
    ancestors, descendants, _edges = lineage("c")
    assert ancestors == {"ab": 1, "a": 2, "b": 2}
    assert descendants == {"c1": 1, "c2": 1}


def test_depth_bounds_the_walk(chain):
    assert lineage("c1", depth=1)[0] == {"c": 1}
    assert lineage("c1", depth=2)[0] == {"c": 1, "ab": 2}
    assert lineage("c1", depth=0)[:2] == ({}, {})


def test_transform_is_an_exit_to_the_outside(chain):
    chain.decide(chain.event("t", "transform", D(2021, 1, 1), sources=["c1"]))
    result = selectors.unit_lineage(unit=Unit.objects.get(key="a"))
    assert [(e.unit_id, e.event_key, e.effective_on) for e in result.exits] == [
        (Unit.objects.get(key="c1").pk, "t", D(2021, 1, 1))
    ]
    alone = chain.register("farm")
    chain.decide(chain.event("t2", "transform", D(2021, 1, 1), sources=["farm"]))
    lone = selectors.unit_lineage(unit=alone)
    assert lone.ancestors == {} and lone.descendants == {} and lone.edges == []
    assert [e.event_key for e in lone.exits] == ["t2"]
    assert lone.exits[0].decision_number == Event.objects.get(key="t2").decision.number


def test_a_unit_without_lineage(reg):
    reg.register("alone")
    reg.decide(
        reg.event("ren", "change", D(2020, 1, 1), sources=["alone"], attributes={"name": "x"})
    )
    assert lineage("alone") == ({}, {}, [])


def test_diamond_counts_each_unit_once_at_its_shortest_depth(reg):
    """x splits into x1, x2 which merge again into y; y also absorbs z."""
    reg.register("x")
    reg.register("z")
    reg.decide(
        reg.event(
            "sp", "split", D(2018, 1, 1), sources=["x"], new_units=[reg.new("x1"), reg.new("x2")]
        )
    )
    reg.decide(
        reg.event("mg", "merge", D(2019, 1, 1), sources=["x1", "x2"], new_units=[reg.new("y")])
    )
    reg.decide(reg.event("ab", "absorb", D(2020, 1, 1), sources=["z"], targets=["y"]))
    ancestors, _d, edges = lineage("y")
    assert ancestors == {"x1": 1, "x2": 1, "z": 1, "x": 2}
    assert len(edges) == 5
    assert lineage("x")[1] == {"x1": 1, "x2": 1, "y": 2}


def test_wide_diamond_lattice_stays_fast(reg):
    """Ten layers of two units, each merging or splitting into the next: 2^10 paths, but the
    walk visits each unit once per depth."""
    reg.register("l0a", on=D(1990, 1, 1))
    reg.register("l0b", on=D(1990, 1, 1))
    previous = ["l0a", "l0b"]
    for layer in range(1, 11):
        merged = f"m{layer}"
        reg.decide(
            reg.event(
                f"merge{layer}",
                "merge",
                D(2000 + 2 * layer, 1, 1),
                sources=previous,
                new_units=[reg.new(merged)],
            )
        )
        pair = [f"l{layer}a", f"l{layer}b"]
        reg.decide(
            reg.event(
                f"split{layer}",
                "split",
                D(2001 + 2 * layer, 1, 1),
                sources=[merged],
                new_units=[reg.new(k) for k in pair],
            )
        )
        previous = pair
    ancestors, _d, _e = lineage("l10a")
    assert ancestors["l0a"] == 20 and ancestors["m1"] == 19 and len(ancestors) == 30


def test_revoked_decisions_draw_no_edges(chain):
    decision = Event.objects.get(key="s").decision
    services.decision_revoke(decision=decision)
    assert lineage("c")[1] == {}


def test_drafts_draw_no_edges(reg):
    reg.register("p")
    reg.register("q")
    reg.draft(
        reg.event("dm", "merge", D(2020, 1, 1), sources=["p", "q"], new_units=[reg.new("pq")])
    )
    assert lineage("p") == ({}, {}, [])


def test_walk_cannot_loop_on_inconsistent_data(reg):
    """Edges written directly (behind the services) that form a cycle a -> b -> c -> a."""
    for key in ("a", "b", "c"):
        reg.register(key)
    decision = Decision.objects.create(
        number="loop",
        title="t",
        issued_on=D(2020, 1, 1),
        status="approved",
        approved_at=timezone.now(),
    )
    units = {u.key: u for u in Unit.objects.all()}
    for i, (src, dst) in enumerate([("a", "b"), ("b", "c"), ("c", "a")]):
        event = Event.objects.create(
            decision=decision, key=f"bad{i}", type="absorb", effective_on=D(2020, 1, 1 + i)
        )
        EventParticipant.objects.create(event=event, unit=units[src], role="source")
        EventParticipant.objects.create(event=event, unit=units[dst], role="target")
    ancestors, descendants, edges = lineage("a")
    assert ancestors == {"c": 1, "b": 2}
    assert descendants == {"b": 1, "c": 2}
    assert len(edges) == 3
    # The consistency check reports the same data as problems rather than looping either.
    assert services.registry_differences()


def test_lineage_costs_a_fixed_number_of_queries_whatever_its_size(chain, reg):
    sizes = {}
    chain.register("alone")
    for key in ("c1", "a", "c", "alone"):
        unit = Unit.objects.get(key=key)
        with CaptureQueriesContext(connection) as ctx:
            result = selectors.unit_lineage(unit=unit)
            labels = [(e.decision_number, e.event_type) for e in result.edges]
        sizes[key] = (len(result.ancestors) + len(result.descendants), len(ctx.captured_queries))
        assert labels or key == "alone"
    assert {queries for _n, queries in sizes.values()} == {4}
    assert len({n for n, _q in sizes.values()}) > 1


def test_the_walk_is_one_recursive_query(chain):
    unit = Unit.objects.get(key="c1")
    with CaptureQueriesContext(connection) as ctx:
        selectors.unit_lineage(unit=unit)
    recursive = [q["sql"] for q in ctx.captured_queries if "RECURSIVE" in q["sql"].upper()]
    assert len(recursive) == 1
