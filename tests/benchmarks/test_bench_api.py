"""The API bench (benchmarks/bench_api.py) on a small generated registry: the unit list is
measured for every jurisdiction that has institutions, and the median and the worst of them are
reported, each beside its bare SQL."""

import datetime as dt

import pytest

from benchmarks import bench_api
from benchmarks.framework import Context
from reform_registry.demo.generate import generate_registry
from units import selectors
from units.models import UnitVersion

pytestmark = pytest.mark.django_db


def test_unit_list_is_measured_over_every_jurisdiction(on_postgres):
    generate_registry(institutions=150, seed=3)
    ctx = Context(institutions=150, seed=3, runs=1, database_url="")
    rows = {row["name"]: row for row in bench_api.run(ctx)}
    codes = set(
        UnitVersion.objects.filter(selectors.active_on(bench_api.AS_OF), kind="institution")
        .values_list("jurisdiction__code", flat=True)
        .distinct()
    )
    assert len(codes) > 1
    median = rows[f"api: unit list over all {len(codes)} jurisdictions, median jurisdiction"]
    worst = rows[f"api: unit list over all {len(codes)} jurisdictions, worst jurisdiction"]
    assert median["extra"]["jurisdiction"] in codes
    assert worst["extra"]["jurisdiction"] in codes
    assert worst["median_ms"] >= median["median_ms"] > 0
    for row in (median, worst):
        assert row["extra"]["bare_sql_median_ms"] > 0
        assert row["extra"]["ratio_to_bare_sql"] == round(
            row["median_ms"] / row["extra"]["bare_sql_median_ms"], 2
        )
    # Each jurisdiction's count is that of its institutions in force on the date.
    on = bench_api.AS_OF
    assert isinstance(on, dt.date)
    assert worst["n"] == (
        UnitVersion.objects.filter(
            selectors.active_on(on),
            kind="institution",
            jurisdiction__code=worst["extra"]["jurisdiction"],
        ).count()
    )
    assert rows["api: unit detail"]["extra"]["goal_median_ms"] == 5
