"""The lineage diagram's layout and the dashboard's chart geometry: pure functions."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reform_registry.pages.charts import (
    ROW_HEIGHT,
    TOP,
    Edge,
    Node,
    department_bars,
    lineage_layout,
    percent,
    percent_rounded,
    row_order,
    step_chart,
    text_width,
)

D = dt.date


def merge_lineage():
    nodes = [
        Node(1, "市房产管理中心", "/units/a/", D(2012, 1, 1), D(2020, 6, 30), depth=-1),
        Node(2, "市住房公积金服务中心", "/units/b/", D(2012, 1, 1), D(2020, 6, 30), depth=-1),
        Node(3, "市房产和住房公积金服务中心", "/units/c/", D(2020, 6, 30), None, focus=True),
        Node(4, "市房产服务一所", "/units/d/", D(2022, 1, 1), None, depth=1),
    ]
    edges = [
        Edge(1, 3, D(2020, 6, 30), "merge", "合并"),
        Edge(2, 3, D(2020, 6, 30), "merge", "合并"),
        Edge(3, 4, D(2022, 1, 1), "split", "分设"),
    ]
    return nodes, edges


def test_rows_put_ancestors_above_and_descendants_below():
    nodes, edges = merge_lineage()
    diagram = lineage_layout(nodes, edges, on=D(2021, 6, 1))
    ys = {bar.node.id: bar.y for bar in diagram.bars}
    assert ys[1] < ys[3] and ys[2] < ys[3] < ys[4]
    assert diagram.height == TOP + ROW_HEIGHT * 4 + 12


def test_time_runs_left_to_right_and_edges_sit_on_their_date():
    nodes, edges = merge_lineage()
    diagram = lineage_layout(nodes, edges, on=D(2021, 6, 1))
    bars = {bar.node.id: bar for bar in diagram.bars}
    # the merged units end where the successor starts
    assert bars[1].x + bars[1].width == bars[3].x
    assert bars[3].x < bars[4].x
    merge_x = {link.x for link in diagram.links if link.edge.type == "merge"}
    assert merge_x == {bars[3].x}
    # the as-of marker lies between the merge and the split
    assert bars[3].x < diagram.marker_x < bars[4].x
    years = [int(t.label) for t in diagram.ticks]
    assert years == sorted(years) and 2020 in years and 2021 in years
    assert [t.x for t in diagram.ticks] == sorted(t.x for t in diagram.ticks)


def test_active_units_run_to_the_right_edge_and_ended_ones_are_marked():
    nodes, edges = merge_lineage()
    diagram = lineage_layout(nodes, edges, on=D(2021, 6, 1), width=800)
    bars = {bar.node.id: bar for bar in diagram.bars}
    assert round(bars[3].x + bars[3].width, 1) == 800 - 12
    assert bars[1].ended and not bars[3].ended


def test_long_history_before_the_first_event_is_clipped():
    nodes = [
        Node(1, "老机构", "/u/1/", D(1950, 1, 1), D(2020, 1, 1), depth=-1),
        Node(2, "新机构", "/u/2/", D(2020, 1, 1), None, focus=True),
    ]
    diagram = lineage_layout(nodes, [Edge(1, 2, D(2020, 1, 1), "absorb")], on=D(2020, 6, 1))
    assert diagram.start.year >= 2016
    assert diagram.bars[0].clipped_left


def test_labels_stay_inside_the_view_box():
    nodes = [
        Node(
            1,
            "一个名称非常非常非常非常非常长的事业单位服务中心",
            "/u/1/",
            D(2012, 1, 1),
            D(2021, 1, 1),
            depth=-1,
        ),
        Node(2, "新设的另一个名称非常非常长的事业单位", "/u/2/", D(2021, 1, 1), None, focus=True),
    ]
    diagram = lineage_layout(
        nodes, [Edge(1, 2, D(2021, 1, 1), "merge")], on=D(2021, 2, 1), width=600
    )
    for bar in diagram.bars:
        if bar.label_anchor == "start":
            assert bar.label_x + text_width(bar.node.label, 14) <= 600
        else:
            assert bar.label_x <= 600


def test_edges_to_units_outside_the_diagram_are_dropped_and_empty_is_fine():
    nodes, _edges = merge_lineage()
    diagram = lineage_layout(nodes[:2], [Edge(1, 99, D(2020, 1, 1), "merge")], on=D(2021, 1, 1))
    assert diagram.links == []
    assert lineage_layout([], [], on=D(2021, 1, 1)).bars == []


dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(dates, st.integers(0, 4000), st.integers(-3, 3)), min_size=1, max_size=12),
    dates,
)
def test_layout_stays_inside_its_box(spans, on):
    nodes = [
        Node(
            i,
            f"机构{i}",
            f"/u/{i}/",
            start,
            start + dt.timedelta(days=length) if length else None,
            depth=depth,
        )
        for i, (start, length, depth) in enumerate(spans)
    ]
    diagram = lineage_layout(nodes, [], on=on, width=900)
    assert [b.node.id for b in diagram.bars] == [n.id for n in row_order(nodes)]
    for bar in diagram.bars:
        assert 0 <= bar.x <= 900 and bar.x + bar.width <= 900 + 2
        assert 0 <= bar.y <= diagram.height
    assert diagram.start <= on <= diagram.end


def test_department_bars_and_percent():
    chart = department_bars(
        [("a", "甲局", 32, 13), ("b", "乙局", 4, 0)], width=600, label_width=200
    )
    first, second = chart.rows
    assert first.before_width == 600 - 200 - 40  # the largest value fills the width
    assert first.after_width == round(360 * 13 / 32, 1)
    assert second.after_width == 0 and second.y > first.y
    assert percent(Decimal("0.4094")) == "40.94%"
    assert percent(Decimal("0.4100")) == "41%"
    assert percent(None) == "—"
    assert percent_rounded(Decimal("0.4094")) == "41%"
    assert percent_rounded(Decimal("0.6727")) == "67%"


def test_text_alternative_lists_ancestors_and_descendants():
    nodes, edges = merge_lineage()
    diagram = lineage_layout(nodes, edges, on=D(2021, 6, 1))
    assert {n.id for n in diagram.ancestors} == {1, 2}
    assert [n.id for n in diagram.descendants] == [4]


def test_connectors_run_from_predecessor_row_to_successor_row():
    nodes, edges = merge_lineage()
    diagram = lineage_layout(nodes, edges, on=D(2021, 6, 1))
    for link in diagram.links:
        assert link.path.startswith("M") and f"L{link.x:.1f}," in link.path
        assert link.y1 < link.y2


# --- the department's step chart --------------------------------------------------------------

REGISTRATIONS = [(D(2019, 3, 4), 1), (D(2019, 6, 1), 20), (D(2019, 9, 16), 32), (D(2020, 7, 1), 13)]


def path_points(chart) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in chart["path"][1:].split(" L")]


def test_step_line_starts_on_the_first_date_the_registry_knows():
    chart = step_chart(REGISTRATIONS, D(2021, 3, 31), today=D(2021, 6, 1), known_from=D(2019, 3, 1))
    points = path_points(chart)
    # the line begins at the left edge of the axis on 2019-03-01, not with a run of zeros
    # before the registry knew anything
    assert chart["known_from"] == D(2019, 3, 1)
    assert points[0] == (chart["left"], chart["bottom"])
    assert points[1][0] > points[0][0]
    # the first tick is the first new year after the registry's first date
    assert [t["label"] for t in chart["ticks"]][0] == "2020"
    assert chart["value_on"] == 13


def test_step_line_without_a_known_date_starts_on_its_first_step():
    chart = step_chart(REGISTRATIONS, D(2021, 3, 31), today=D(2021, 6, 1))
    first_x, first_y = path_points(chart)[0]
    assert chart["known_from"] == D(2019, 3, 4)
    assert first_x == chart["left"]
    assert first_y < chart["bottom"]  # at its count of 1, not at zero


def test_step_chart_before_the_registry_knows_marks_no_value():
    chart = step_chart(REGISTRATIONS, D(2018, 1, 1), today=D(2021, 6, 1), known_from=D(2019, 3, 1))
    assert chart["value_on"] is None and chart["marker_y"] is None
    assert chart["marker_x"] == chart["left"]  # the axis reaches back to the date asked
    assert path_points(chart)[0][0] > chart["left"]  # but the line starts in 2019
    assert step_chart([], D(2021, 1, 1), today=D(2021, 1, 1)) is None
