"""The benchmark runner's helpers (the benches themselves run with ``make bench``)."""

from benchmarks import framework
from benchmarks.__main__ import discover, format_table
from benchmarks.bench_core import index_names

PLAN = """HashAggregate  (cost=734.91..743.23 rows=832 width=16)
  ->  Bitmap Heap Scan on units_unitversion  (cost=19.74..730.75 rows=832 width=8)
        ->  Bitmap Index Scan on units_version_juris_kind_asof  (cost=0.00..19.53 rows=1085)
  ->  Index Scan using units_unitversion_parent_id_b677a892 on units_unitversion
  ->  Index Only Scan using units_unit_pkey on units_unit t4
  ->  Index Scan using units_unitversion_parent_id_b677a892 on units_unitversion"""


def test_index_names_of_a_plan():
    assert index_names(PLAN) == [
        "units_version_juris_kind_asof",
        "units_unitversion_parent_id_b677a892",
        "units_unit_pkey",
    ]
    assert index_names("Seq Scan on units_unitversion") == []


def test_timeit_and_percentile():
    ctx = framework.Context(institutions=10, seed=1, runs=5, database_url="postgres://x/y")
    calls = []
    timing = ctx.timeit(lambda: calls.append(1) or len(calls), warmup=2)
    assert len(calls) == 7 and timing["runs"] == 5 and timing["result"] == 7
    assert 0 <= timing["median_ms"] <= timing["p95_ms"]
    assert framework.percentile([5, 1, 3, 2, 4], 0.95) == 5
    assert framework.percentile([], 0.5) == 0.0
    row = ctx.row("x", n=3, median_ms=1.0, p95_ms=2.0, note="y")
    assert row == {"name": "x", "n": 3, "median_ms": 1.0, "p95_ms": 2.0, "extra": {"note": "y"}}


def test_discover_and_table():
    assert "bench_core" in discover([])
    assert discover(["core"]) == ["bench_core"]
    table = format_table(
        [{"name": "count", "n": 10, "median_ms": 1.5, "p95_ms": 2.25, "extra": {"k": "值"}}]
    )
    assert "count" in table and "1.50" in table and "2.25" in table and "值" in table


def test_scale_chart_draws_each_answer_on_log_log_axes():
    import xml.etree.ElementTree as ET

    from benchmarks.chart import scale_chart, series_of

    reports = [
        {
            "institutions": n,
            "rows": [
                {"name": "api: unit list", "median_ms": ms},
                {"name": "bare SQL: unit list", "median_ms": ms / 2},
                {"name": "api: search, first page of 50 with count: 保障", "median_ms": ms * 3},
            ],
        }
        for n, ms in ((10_000, 2.0), (100_000, 4.0), (1_000_000, 8.0))
    ]
    series = series_of(reports)
    assert list(series) == ["unit list", "search, 保障"]
    svg = ET.fromstring(scale_chart(series, title="scale <test>"))
    ns = "{http://www.w3.org/2000/svg}"
    lines = svg.findall(f"{ns}polyline")
    assert [line.find(f"{ns}title").text for line in lines] == list(series)
    points = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    # Equal ratios of size are equal steps to the right; doubling time is the same step up.
    steps = [b[0] - a[0] for a, b in zip(points, points[1:], strict=False)]
    rises = [a[1] - b[1] for a, b in zip(points, points[1:], strict=False)]
    assert abs(steps[0] - steps[1]) < 0.2 and steps[0] > 0
    assert abs(rises[0] - rises[1]) < 0.2 and rises[0] > 0
    labels = {t.text for t in svg.iter(f"{ns}text")}
    assert {"10k", "100k", "1M", "scale <test>"} <= labels
