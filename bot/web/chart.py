"""A bar chart drawn on the server as SVG (no script, no CDN): applications per year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 560, 240
TOP, BOTTOM, LEFT = 24, 40, 16


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str  # the year
    value: int
    reports: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    bars: tuple[Bar, ...]


def bar_chart(points: Sequence[tuple[int, int, int]]) -> Chart | None:
    """(year, applications, reports) per year as bars scaled to the largest; None if no
    year has a report."""
    shown = [p for p in points if p[2] > 0]
    if not shown:
        return None
    top = max(value for _, value, _ in shown) or 1
    slot = (WIDTH - 2 * LEFT) // len(points)
    room = HEIGHT - TOP - BOTTOM
    bars = []
    for index, (year, value, reports) in enumerate(points):
        height = round(value * room / top)
        bars.append(
            Bar(
                x=LEFT + index * slot + slot // 6,
                y=TOP + room - height,
                width=slot * 2 // 3,
                height=height,
                label=str(year),
                value=value,
                reports=reports,
            )
        )
    return Chart(WIDTH, HEIGHT, TOP + room, tuple(bars))
