"""The scale curve of ``make bench --sizes …``: median time against registry size for each
measured answer, on log–log axes, as a self-contained SVG (no script, no outside asset)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 960, 520
LEFT, RIGHT, TOP, BOTTOM = 70, 400, 30, 50
COLOURS = [
    "#1f5fa8",
    "#c0392b",
    "#2e8b57",
    "#8e44ad",
    "#d35400",
    "#16a085",
    "#7f8c8d",
    "#b7950b",
    "#2c3e50",
    "#e84393",
    "#6d4c41",
    "#00838f",
]


def _decades(low: float, high: float) -> list[float]:
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [10.0**e for e in range(first, last + 1)]


def _label(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def scale_chart(series: Mapping[str, Sequence[tuple[int, float]]], *, title: str) -> str:
    """An SVG of each series' (size, median ms) points joined by a line, log–log."""
    points = [(n, ms) for values in series.values() for n, ms in values if n > 0 and ms > 0]
    if not points:
        raise ValueError("no positive measurement to draw")
    xs = _decades(min(n for n, _ in points), max(n for n, _ in points))
    ys = _decades(min(ms for _, ms in points), max(ms for _, ms in points))
    if len(xs) == 1:
        xs = [xs[0], xs[0] * 10]
    if len(ys) == 1:
        ys = [ys[0], ys[0] * 10]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(n: float) -> float:
        span = math.log10(xs[-1]) - math.log10(xs[0])
        return LEFT + (math.log10(n) - math.log10(xs[0])) / span * plot_w

    def y(ms: float) -> float:
        span = math.log10(ys[-1]) - math.log10(ys[0])
        return TOP + plot_h - (math.log10(ms) - math.log10(ys[0])) / span * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for n in xs:
        out.append(
            f'<line x1="{x(n):.1f}" y1="{TOP}" x2="{x(n):.1f}" y2="{TOP + plot_h}" stroke="#ddd"/>'
            f'<text x="{x(n):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{_label(n)}</text>'
        )
    for ms in ys:
        out.append(
            f'<line x1="{LEFT}" y1="{y(ms):.1f}" x2="{LEFT + plot_w}" y2="{y(ms):.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y(ms) + 4:.1f}" text-anchor="end">{_label(ms)}</text>'
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
        "institutions (log)</text>"
        f'<text x="16" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 16 {TOP + plot_h / 2:.1f})" '
        'text-anchor="middle">median ms (log)</text>'
    )
    for i, (name, values) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        kept = sorted((n, ms) for n, ms in values if n > 0 and ms > 0)
        path = " ".join(f"{x(n):.1f},{y(ms):.1f}" for n, ms in kept)
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        out += [
            f'<circle cx="{x(n):.1f}" cy="{y(ms):.1f}" r="3" fill="{colour}"/>' for n, ms in kept
        ]
        legend_y = TOP + 6 + i * 18
        out.append(
            f'<rect x="{WIDTH - RIGHT + 16}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{WIDTH - RIGHT + 34}" y="{legend_y + 10}">{escape(name[:64])}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def series_of(reports: Sequence[Mapping]) -> dict[str, list[tuple[int, float]]]:
    """Per measured answer (bare-SQL rows left out), its (size, median ms) over the reports,
    named shortly enough for the legend."""
    series: dict[str, list[tuple[int, float]]] = {}
    for report in reports:
        for row in report["rows"]:
            if row["name"].startswith("bare SQL"):
                continue
            name = row["name"].removeprefix("api: ").replace("first page of 50 with count: ", "")
            series.setdefault(name, []).append((report["institutions"], row["median_ms"]))
    return series
