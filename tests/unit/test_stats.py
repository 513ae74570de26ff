"""The shared median and nearest-rank p90 (the KPI rules and the SQLite aggregate use them)."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from opsroom.infra.stats import median, p90

VALUES = st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=60)


def test_the_median_is_the_middle_or_the_mean_of_the_middle_two() -> None:
    assert median([1.0, 5.0, 9.0]) == 5.0
    assert median([1.0, 5.0, 7.0, 9.0]) == 6.0


def test_the_p90_is_the_value_at_rank_ceil_of_nine_tenths() -> None:
    ordered = [float(v) for v in range(1, 11)]
    assert p90(ordered) == 9.0  # rank 9 of 10
    assert p90([*ordered, 11.0]) == 10.0  # rank ceil(9.9) = 10 of 11
    assert p90([4.0]) == 4.0


@given(VALUES)
def test_the_median_agrees_with_the_standard_library(values: list[float]) -> None:
    assert median(sorted(values)) == statistics.median(sorted(values))


@given(VALUES)
def test_the_p90_is_the_least_value_with_nine_tenths_at_or_below_it(values: list[float]) -> None:
    ordered = sorted(values)
    found = p90(ordered)
    at_or_below = sum(v <= found for v in ordered)
    assert at_or_below * 10 >= 9 * len(ordered)
    assert all(sum(w <= v for w in ordered) * 10 < 9 * len(ordered) for v in ordered if v < found)
