"""An SLO's budget burn-down drawn by the server as SVG coordinates (the pages' content
security policy forbids inline styles, so the template only places what is computed here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH = 600
HEIGHT = 160


@dataclass(frozen=True)
class BurnDown:
    points: str  # the polyline's "x,y x,y ..." in a WIDTH x HEIGHT box
    zero: float  # y of "no budget left"
    lowest: float  # the lowest share of budget left drawn (negative when overspent)
    label: str  # the chart in words, for screen readers
    size: tuple[int, int] = (WIDTH, HEIGHT)


def burn_down(series: list[tuple[datetime, float]], start: datetime, end: datetime) -> BurnDown:
    """Budget left from 100 % at the top down to 0 % (or below, when overspent), over the
    whole window from `start` to `end`."""
    lowest = min([0.0, *(left for _, left in series)])
    span = (end - start).total_seconds() or 1.0

    def x(moment: datetime) -> float:
        return round(WIDTH * (moment - start).total_seconds() / span, 1)

    def y(left: float) -> float:
        return round(HEIGHT * (1 - left) / (1 - lowest), 1)

    points = " ".join(f"{x(m)},{y(left)}" for m, left in series)
    last = series[-1][1] if series else 1.0
    label = f"Budget left over the window: from 100 % to {max(last, 0.0):.1%} now"
    return BurnDown(points, y(0.0), lowest, label)
