"""Geometry of the pages' charts, in SVG user units: pure functions, no database and no Django.
The templates turn each result into SVG elements.

The lineage diagram (``lineage_layout``): time runs along the horizontal axis. Each unit is a bar from the day it started to the day it
ended (or to the right edge while it is active), one row per unit: ancestors above, the unit in
the middle, descendants below. A merge, absorption or split is drawn at its effective date as a
connector from the predecessor's row to the successor's row. The template turns the result into
SVG elements; every number here is in SVG user units of a ``width`` wide view box.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ROW_HEIGHT = 44
TOP = 34  # room for the axis labels
BOTTOM = 12
LEFT = 12
RIGHT = 12
BAR_HEIGHT = 14
LABEL_GAP = 6
MAX_LEAD_YEARS = 3  # show at most this long before the first lineage event


@dataclass(frozen=True)
class Node:
    id: int
    label: str
    href: str
    start: dt.date
    end: dt.date | None  # exclusive; None while active
    depth: int = 0  # negative for ancestors, 0 for the unit itself, positive for descendants
    focus: bool = False


@dataclass(frozen=True)
class Edge:
    predecessor: int
    successor: int
    on: dt.date
    type: str
    title: str = ""


@dataclass
class Bar:
    node: Node
    x: float
    y: float
    width: float
    label_x: float
    label_y: float
    label_anchor: str  # "start" or "end"
    clipped_left: bool
    ended: bool


@dataclass
class Link:
    edge: Edge
    path: str
    x: float
    y1: float
    y2: float


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Diagram:
    width: float
    height: float
    start: dt.date
    end: dt.date
    bars: list[Bar] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    marker_x: float | None = None  # the as-of date, when inside the axis
    ancestors: list[Node] = field(default_factory=list)  # nearest last
    descendants: list[Node] = field(default_factory=list)  # nearest first


def text_width(text: str, size: float = 13) -> float:
    """Rough width of a label: full width for CJK characters, about half for the rest."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _axis(nodes: list[Node], edges: list[Edge], on: dt.date) -> tuple[dt.date, dt.date]:
    starts = [n.start for n in nodes]
    ends = [n.end for n in nodes if n.end is not None]
    events = [e.on for e in edges]
    lo = min(starts + events)
    if events:
        lo = max(lo, _years_before(min(events), MAX_LEAD_YEARS))
    else:
        lo = max(lo, _years_before(on, MAX_LEAD_YEARS * 2))
    lo = min(lo, on)
    hi = max([on, *ends, *events, lo + dt.timedelta(days=1)])
    span = (hi - lo).days
    pad = max(30, span // 20)
    return lo - dt.timedelta(days=pad), hi + dt.timedelta(days=pad)


def _ticks(lo: dt.date, hi: dt.date, scale) -> list[Tick]:
    years = hi.year - lo.year
    step = 1
    for candidate in (1, 2, 5, 10, 20, 50, 100):
        step = candidate
        if years / candidate <= 8:
            break
    ticks = []
    year = lo.year + 1
    year += (-year) % step
    while year <= hi.year:
        day = dt.date(year, 1, 1)
        if lo < day < hi:
            ticks.append(Tick(scale(day), str(year)))
        year += step
    return ticks


def row_order(nodes: list[Node]) -> list[Node]:
    """Ancestors (farthest first), the unit, then descendants, each generation by start date."""
    return sorted(nodes, key=lambda n: (n.depth, n.start, n.label, n.id))


def lineage_layout(
    nodes: list[Node], edges: list[Edge], *, on: dt.date, width: float = 960
) -> Diagram:
    """Place the nodes and edges of a lineage on a time axis that includes ``on``."""
    if not nodes:
        return Diagram(width=width, height=TOP + BOTTOM, start=on, end=on)
    lo, hi = _axis(nodes, edges, on)
    inner = width - LEFT - RIGHT
    total = max(1, (hi - lo).days)

    def scale(day: dt.date) -> float:
        days = min(max((day - lo).days, 0), total)
        return round(LEFT + inner * days / total, 1)

    ordered = row_order(nodes)
    rows = {node.id: i for i, node in enumerate(ordered)}
    diagram = Diagram(
        width=width,
        height=TOP + ROW_HEIGHT * len(ordered) + BOTTOM,
        start=lo,
        end=hi,
        ticks=_ticks(lo, hi, scale),
    )
    for node in ordered:
        row = rows[node.id]
        x1 = scale(node.start)
        x2 = scale(node.end) if node.end is not None else width - RIGHT
        bar_y = TOP + row * ROW_HEIGHT + ROW_HEIGHT - BAR_HEIGHT - 6
        label_w = text_width(node.label, 14 if node.focus else 13)
        if x1 + label_w <= width - RIGHT:
            label_x, anchor = max(x1, LEFT), "start"
        else:
            label_x, anchor = width - RIGHT, "end"
        diagram.bars.append(
            Bar(
                node=node,
                x=x1,
                y=bar_y,
                width=max(2.0, round(x2 - x1, 1)),
                label_x=label_x,
                label_y=bar_y - LABEL_GAP,
                label_anchor=anchor,
                clipped_left=node.start < lo,
                ended=node.end is not None,
            )
        )
    for edge in edges:
        if edge.predecessor not in rows or edge.successor not in rows:
            continue
        x = scale(edge.on)
        y1 = TOP + rows[edge.predecessor] * ROW_HEIGHT + ROW_HEIGHT - 6 - BAR_HEIGHT / 2
        y2 = TOP + rows[edge.successor] * ROW_HEIGHT + ROW_HEIGHT - 6 - BAR_HEIGHT / 2
        # From the end of the predecessor's bar, down (or up) to the edge of the successor's.
        down = y2 >= y1
        end_y = y2 - (BAR_HEIGHT / 2 + 1) * (1 if down else -1)
        path = f"M{x - 8:.1f},{y1:.1f} L{x:.1f},{y1:.1f} L{x:.1f},{end_y:.1f}"
        diagram.links.append(Link(edge=edge, path=path, x=x, y1=y1, y2=y2))
    if lo <= on <= hi:
        diagram.marker_x = scale(on)
    diagram.ancestors = [n for n in ordered if n.depth < 0]
    diagram.descendants = [n for n in ordered if n.depth > 0]
    return diagram


# ---------------------------------------------------------------------------------------------
# Step chart of counts over time
# ---------------------------------------------------------------------------------------------


def step_chart(
    steps: list[tuple[dt.date, int]],
    on: dt.date,
    *,
    today: dt.date,
    known_from: dt.date | None = None,
    width: int = 720,
    height: int = 220,
) -> dict[str, Any] | None:
    """A step chart of counts over time (a department's institutions), marking ``on``; the
    axis reaches ``today``. The line starts on ``known_from``, the first date the registry
    knows (before it the registry says nothing, which is not zero), or on the first step."""
    if not steps:
        return None
    left, right, top, bottom = 44, 16, 16, 30
    first = min(known_from, steps[0][0]) if known_from is not None else steps[0][0]
    lo = min(first, on)
    hi = max(steps[-1][0], on, today)
    hi += dt.timedelta(days=max(30, (hi - lo).days // 20))
    total = max(1, (hi - lo).days)
    top_value = max(1, max(n for _d, n in steps))
    inner_w, inner_h = width - left - right, height - top - bottom

    def x(day: dt.date) -> float:
        return round(left + inner_w * (day - lo).days / total, 1)

    def y(n: int) -> float:
        return round(top + inner_h * (1 - n / top_value), 1)

    def count_on(day: dt.date) -> int:
        return next((n for d, n in reversed(steps) if d <= day), 0)

    points = [(x(first), y(count_on(first)))]
    for day, n in steps:
        if day > first:
            points.append((x(day), points[-1][1]))
            points.append((x(day), y(n)))
    points.append((x(hi), points[-1][1]))
    value_on = count_on(on) if on >= first else None
    grid = sorted({0, top_value, (top_value + 1) // 2})
    years = hi.year - lo.year
    step = next((s for s in (1, 2, 5, 10, 20, 50) if years / s <= 8), 100)
    ticks = [
        {"x": x(dt.date(year, 1, 1)), "label": str(year)}
        for year in range(lo.year + 1, hi.year + 1)
        if year % step == 0
    ]
    return {
        "width": width,
        "height": height,
        "path": "M" + " L".join(f"{px},{py}" for px, py in points),
        "known_from": first,
        "marker_x": x(on),
        "marker_y": y(value_on) if value_on is not None else None,
        "value_on": value_on,
        "grid": [{"y": y(n), "label": n} for n in grid],
        "ticks": ticks,
        "left": left,
        "right": width - right,
        "bottom": height - bottom,
        "steps": steps,
    }


# ---------------------------------------------------------------------------------------------
# Paired bars per department (the reform dashboard), and shares as the article writes them
# ---------------------------------------------------------------------------------------------


@dataclass
class BarRow:
    key: str
    label: str
    before: int
    after: int
    y: float
    before_width: float
    after_width: float
    before_y: float
    after_y: float
    before_text_x: float = 0
    after_text_x: float = 0


@dataclass
class BarChart:
    width: float
    height: float
    label_width: float
    bar_height: float
    rows: list[BarRow] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)
    top: float = 24


def department_bars(
    departments: list[tuple[str, str, int, int]],
    *,
    width: float = 900,
    label_width: float = 220,
    bar_height: float = 7,
) -> BarChart:
    """Horizontal paired bars (before above after) per department: (key, name, before, after)."""
    top, gap, right = 24.0, 4.0, 40.0
    row_height = bar_height * 2 + 2 + gap
    chart = BarChart(
        width=width,
        height=top + row_height * len(departments) + 8,
        label_width=label_width,
        bar_height=bar_height,
        top=top,
    )
    peak = max([1, *(max(b, a) for _k, _n, b, a in departments)])
    inner = width - label_width - right

    def scale(n: int) -> float:
        return round(inner * n / peak, 1)

    step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if peak / s <= 8), 1000)
    chart.ticks = [(round(label_width + scale(n), 1), n) for n in range(0, peak + 1, step)]
    for i, (key, name, before, after) in enumerate(departments):
        y = top + i * row_height
        chart.rows.append(
            BarRow(
                key=key,
                label=name,
                before=before,
                after=after,
                y=y,
                before_width=scale(before),
                after_width=scale(after),
                before_y=y,
                after_y=y + bar_height + 2,
                before_text_x=round(label_width + scale(before) + 4, 1),
                after_text_x=round(label_width + scale(after) + 4, 1),
            )
        )
    return chart


def percent(value: Decimal | None) -> str:
    """A share as the article writes it: 0.4094 → "40.94%", 0.41 → "41%"; None → "—"."""
    if value is None:
        return "—"
    number = (value * 100).quantize(Decimal("0.01"))
    text = f"{number:f}".rstrip("0").rstrip(".")
    return f"{text}%"


def percent_rounded(value: Decimal | None) -> str:
    """A share rounded to a whole percent, as a newspaper quotes it: 0.4094 → "41%"."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"
