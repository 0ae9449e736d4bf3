"""Random histories: whatever decisions are entered, approved (or refused) and revoked, the
stored versions equal a fresh derivation, never overlap, and a refusal changes nothing."""

import contextlib
import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import RegistryError
from units import services
from units.models import Decision, UnitVersion

D = dt.date
POOL = [f"u{i}" for i in range(6)]
DAYS = [D(2016, 1, 1), D(2017, 1, 1), D(2017, 6, 1), D(2018, 1, 1), D(2019, 1, 1)]
TYPES = ["change", "abolish", "transform", "merge", "absorb", "split", "establish"]

event_specs = st.fixed_dictionaries(
    {
        "type": st.sampled_from(TYPES),
        "day": st.sampled_from(DAYS),
        "units": st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True),
        "parent": st.one_of(st.none(), st.sampled_from(POOL)),
    }
)
steps = st.lists(
    st.tuples(
        st.lists(event_specs, min_size=1, max_size=2),
        st.booleans(),  # revoke an earlier approved decision after this one
    ),
    min_size=3,
    max_size=6,
)


def to_event(reg, spec, key, counter):
    units = spec["units"]
    new = []

    def fresh(**attrs):
        counter[0] += 1
        name = f"n{counter[0]}"
        new.append(reg.new(name, **attrs))

    kind = spec["type"]
    attributes = None
    sources, targets = units, []
    if kind == "change":
        sources = units[:1]
        attributes = {"name": key}
        if spec["parent"]:
            attributes["parent"] = spec["parent"]
    elif kind == "transform":
        sources = units[:1]
    elif kind == "merge":
        fresh()
    elif kind == "absorb":
        sources, targets = units[:-1] or units, units[-1:]
        attributes = {"sector": key}
    elif kind == "split":
        sources = units[:1]
        fresh()
        fresh()
    elif kind == "establish":
        sources = []
        fresh(parent=spec["parent"]) if spec["parent"] else fresh()
    return reg.event(
        key,
        kind,
        spec["day"],
        sources=sources,
        targets=targets,
        new_units=new,
        attributes=attributes,
    )


def invariants():
    assert services.registry_differences() == []
    spans: dict[int, list[tuple]] = {}
    for unit_id, start, end in UnitVersion.objects.order_by("unit_id", "valid_from").values_list(
        "unit_id", "valid_from", "valid_to"
    ):
        spans.setdefault(unit_id, []).append((start, end))
    for versions in spans.values():
        for (_s1, e1), (s2, _e2) in zip(versions, versions[1:], strict=False):
            assert e1 == s2  # contiguous, no overlap, no gap inside a life
        assert all(end is not None for _s, end in versions[:-1])


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_random_histories_keep_the_registry_consistent(registry_class, history):
    with transaction.atomic():
        reg = registry_class()
        reg.department("dept", on=D(2010, 1, 1))
        for key in POOL:
            reg.register(key, parent="dept")
        counter = [0]
        approved: list[Decision] = []
        for number, (specs, revoke_one) in enumerate(history):
            decision = reg.draft(number=f"doc-{number}")
            for i, spec in enumerate(specs):
                # A shape refused at entry leaves the event out.
                with contextlib.suppress(RegistryError):
                    services.event_create(
                        decision=decision, **to_event(reg, spec, f"e{number}-{i}", counter)
                    )
            before = reg.snapshot()
            try:
                services.decision_approve(decision=decision)
                approved.append(decision)
            except RegistryError as error:
                assert reg.snapshot() == before
                assert all(p.get("message") for p in error.problems)
            if revoke_one and approved:
                target = approved[len(approved) // 2]
                before = reg.snapshot()
                try:
                    services.decision_revoke(decision=target)
                    approved.remove(target)
                except RegistryError:
                    assert reg.snapshot() == before
            invariants()
        transaction.set_rollback(True)
