"""On PostgreSQL, the as-of reads use the version indexes (EXPLAIN of the very SQL they run)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from units import selectors
from units.models import Jurisdiction, Unit, UnitVersion

D = dt.date
VERSION_INDEXES = (
    "units_version_juris_kind_asof",
    "units_version_parent_asof",
    "units_version_asof",
)


@pytest.fixture
def many(reg, on_postgres):
    """A few hundred institutions under a few departments, with history, written in bulk;
    most of them in other jurisdictions, as in a province-wide registry."""
    city = Jurisdiction.objects.get(code="150200")
    others = Jurisdiction.objects.bulk_create(
        [Jurisdiction(code=f"1{i:03d}00", name=f"盟市{i}", level="city") for i in range(3, 43)]
    )
    departments = [reg.department(f"dept{i}") for i in range(5)]
    units = Unit.objects.bulk_create(
        [Unit(key=f"inst{i}", kind="institution") for i in range(400)]
        + [Unit(key=f"far{i}", kind="institution") for i in range(5000)]
    )
    versions = []
    for i, unit in enumerate(units[400:]):
        versions.append(
            UnitVersion(
                unit=unit,
                kind="institution",
                valid_from=D(2000 + i % 20, 1 + i % 12, 1),
                name=f"远方机构{i}",
                jurisdiction=others[i % len(others)],
            )
        )
    for i, unit in enumerate(units[:400]):
        parent = departments[i % 5]
        versions.append(
            UnitVersion(
                unit=unit,
                kind="institution",
                valid_from=D(2015, 1, 1),
                valid_to=D(2020, 1, 1),
                name=f"机构{i}",
                jurisdiction=city,
                parent=parent,
            )
        )
        versions.append(
            UnitVersion(
                unit=unit,
                kind="institution",
                valid_from=D(2020, 1, 1),
                valid_to=None if i % 3 else D(2021, 1, 1),
                name=f"机构{i}（新）",
                jurisdiction=city,
                parent=departments[(i + 1) % 5],
            )
        )
    UnitVersion.objects.bulk_create(versions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE units_unitversion")
    return reg


def plan_of(call):
    """Run a selector, then EXPLAIN the SQL it sent (sequential scans discouraged)."""
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    sql = ctx.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return result, plan


def test_as_of_count_per_department_uses_a_version_index(many):
    city = Jurisdiction.objects.get(code="150200")
    counts, plan = plan_of(
        lambda: selectors.institutions_per_department(on=D(2021, 6, 1), jurisdiction=city)
    )
    assert sum(counts.values()) == 266  # 400 minus the 134 ended on 2021-01-01
    assert "units_version_juris_kind_asof" in plan, plan
    assert "Seq Scan on units_unitversion" not in plan


def test_as_of_count_of_the_whole_city_uses_a_version_index(many):
    city = Jurisdiction.objects.get(code="150200")
    qs = selectors.counted_institutions(on=D(2016, 1, 1), jurisdiction=city, subdivisions=True)
    count, plan = plan_of(lambda: qs.count())
    assert count == 400  # the county has none; the other cities are not counted
    assert any(name in plan for name in VERSION_INDEXES), plan


def test_as_of_unit_lookup_uses_a_version_index(many):
    unit = Unit.objects.get(key="inst7")
    version, plan = plan_of(lambda: selectors.unit_state(unit=unit, on=D(2020, 6, 1)))
    assert version.name == "机构7（新）"
    assert "Index" in plan and "units_unitversion" in plan, plan
    assert "Seq Scan on units_unitversion" not in plan


def test_units_of_a_department_on_a_date_use_the_parent_index(many):
    dept = Unit.objects.get(key="dept2")
    qs = selectors.versions_on(D(2016, 1, 1)).filter(parent=dept)
    count, plan = plan_of(lambda: qs.count())
    assert count == 80
    assert "units_version_parent_asof" in plan, plan


def test_lineage_walk_uses_the_participant_index(reg, on_postgres):
    for key in ("a", "b"):
        reg.register(key)
    reg.decide(
        reg.event("m", "merge", D(2020, 1, 1), sources=["a", "b"], new_units=[reg.new("ab")])
    )
    unit = Unit.objects.get(key="ab")
    with CaptureQueriesContext(connection) as ctx:
        result = selectors.unit_lineage(unit=unit)
    assert len(result.ancestors) == 2
    walk = next(q["sql"] for q in ctx.captured_queries if "RECURSIVE" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + walk)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "Recursive Union" in plan
    # Every step of the walk reaches participants through an index: with sequential scans
    # priced out, a walk that could not use one would still show a Seq Scan on the table.
    assert "Seq Scan on units_eventparticipant" not in plan, plan
    assert "units_eventparticipant" in plan and "Index" in plan, plan


def test_search_uses_the_gram_index(reg, on_postgres):
    """The search's n-gram condition is the expression of its GIN index: a fragment is found
    through a scan of it among thousands of other names."""
    from units.models import UnitSearchEntry
    from units.rules import quoted_lexemes, search_grams

    units = Unit.objects.bulk_create([Unit(key=f"u{i}", kind="institution") for i in range(3000)])
    UnitSearchEntry.objects.bulk_create(
        UnitSearchEntry(
            unit=unit,
            tier=0,
            text=f"\n机构{i}号\n",
            grams=quoted_lexemes(search_grams(f"机构{i}号")),
        )
        for i, unit in enumerate(units)
    )
    query = selectors.units_matching("构12号").values("key")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # On a few thousand rows the planner reads the table; ruling out the plain scans shows
        # that the condition is the GIN index's own expression (as a large table uses it).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_indexscan = on")
    keys = sorted(query.values_list("key", flat=True))
    assert "units_search_grams" in plan, plan
    assert keys == ["u12"]
