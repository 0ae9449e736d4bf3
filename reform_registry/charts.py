"""Geometry of the dashboard's charts (SVG user units): pure functions, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


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
    bar_height: float = 9,
) -> BarChart:
    """Horizontal paired bars (before above after) per department: (key, name, before, after)."""
    top, gap, right = 24.0, 8.0, 40.0
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
