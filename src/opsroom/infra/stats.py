"""The median and the nearest-rank 90th percentile of ordered values: the definitions the KPI
rules (opsroom.kpis.domain) and the SQLite aggregate (opsroom.infra.sqlstats) share. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence


def median(ordered: Sequence[float]) -> float:
    n = len(ordered)
    return (ordered[(n + 1) // 2 - 1] + ordered[(n + 2) // 2 - 1]) / 2


def p90(ordered: Sequence[float]) -> float:
    """The nearest-rank 90th percentile: the value at rank ceil(0.9 n)."""
    return ordered[math.ceil(len(ordered) * 9 / 10) - 1]
