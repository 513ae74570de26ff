"""The rules of watched series: which points of a batch a detector takes, the threshold a
sensitivity sets and responders' verdicts move, precision, and the chart's geometry."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.anomalies.domain import (
    CHART_HEIGHT,
    CHART_WIDTH,
    DEFAULT_THRESHOLD,
    HIGHEST_THRESHOLD,
    LOWEST_THRESHOLD,
    ChartPoint,
    DetectorKind,
    Judgement,
    SourceError,
    adapted_threshold,
    admit,
    chart,
    precision,
    sample_of,
    threshold_for,
)


def test_a_batch_keeps_finite_points_after_the_last_one_kept() -> None:
    sent = [(1.0, 5.0), (2.0, math.nan), (2.0, 6.0), (2.0, 7.0), (0.5, 8.0), (3.0, math.inf)]
    admission = admit(0.0, sent)
    assert admission.accepted == [(1.0, 5.0), (2.0, 6.0)]
    assert (admission.not_finite, admission.out_of_order) == (2, 2)
    assert admit(None, [(-5.0, 1.0)]).accepted == [(-5.0, 1.0)]


@pytest.mark.parametrize("kind", list(DetectorKind))
def test_the_default_sensitivity_is_the_detectors_own_threshold(kind: DetectorKind) -> None:
    assert threshold_for(kind, 0.5) == pytest.approx(DEFAULT_THRESHOLD[kind])
    assert threshold_for(kind, 0.9) < threshold_for(kind, 0.5) < threshold_for(kind, 0.1)
    assert threshold_for(kind, 0.0001) == HIGHEST_THRESHOLD


@given(st.floats(LOWEST_THRESHOLD, HIGHEST_THRESHOLD), st.lists(st.sampled_from(Judgement)))
def test_verdicts_move_the_threshold_within_its_bounds(
    start: float, verdicts: list[Judgement]
) -> None:
    threshold = start
    for verdict in verdicts:
        moved = adapted_threshold(threshold, verdict)
        assert (moved >= threshold) if verdict is Judgement.NOISE else (moved <= threshold)
        threshold = moved
    assert LOWEST_THRESHOLD <= threshold <= HIGHEST_THRESHOLD


def test_noise_raises_the_threshold_a_quarter_of_the_way_up() -> None:
    assert adapted_threshold(0.9, Judgement.NOISE) == pytest.approx(0.9 + 0.25 * 0.0999)
    assert adapted_threshold(0.9, Judgement.REAL) == pytest.approx(0.9 - 0.25 * 0.4)


def test_precision_is_the_share_of_judged_anomalies_that_were_real() -> None:
    assert (precision(3, 1), precision(0, 0)) == (0.75, None)


def test_the_chart_spans_its_box_and_marks_the_anomalies() -> None:
    points = [
        ChartPoint(0.0, 10.0, 9.0, 11.0, False),
        ChartPoint(60.0, 10.5, 9.0, 11.0, False),
        ChartPoint(120.0, 20.0, 9.0, 11.0, True),
    ]
    drawn = chart(points)
    assert drawn is not None
    assert (
        drawn.line
        == f"0.0,{CHART_HEIGHT * 10 / 11:.1f} 300.0,{CHART_HEIGHT * 9.5 / 11:.1f} 600.0,0.0"
    )
    assert drawn.marks == [(float(CHART_WIDTH), 0.0)]
    assert (drawn.lowest, drawn.highest) == (9.0, 20.0)
    assert drawn.band.split()[0] == f"0.0,{CHART_HEIGHT * 9 / 11:.1f}"
    assert chart([]) is None


def _vector(*values: list[object]) -> dict[str, object]:
    result = [{"metric": {}, "value": value} for value in values]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def test_an_instant_querys_answer_is_one_sample() -> None:
    assert sample_of(_vector([1700000000.5, "3.25"])) == (1700000000.5, 3.25)
    scalar = {"status": "success", "data": {"resultType": "scalar", "result": [17.0, "NaN"]}}
    at, value = sample_of(scalar)
    assert at == 17.0 and math.isnan(value)  # skipped and counted when taken


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": "error", "error": "parse error"}, "Prometheus refused the query: parse error"),
        (_vector(), "the query must answer one series, not 0"),
        (_vector([1, "1"], [1, "2"]), "the query must answer one series, not 2"),
        (_vector([1, "many"]), "Prometheus answered a sample that is not a number: 'many'"),
        (
            {"status": "success", "data": {"resultType": "matrix", "result": []}},
            "the query must answer a scalar or a vector, not matrix",
        ),
        (
            {"status": "success", "data": {"resultType": "vector", "result": [{}]}},
            "without a sample",
        ),
    ],
)
def test_any_other_answer_says_why_it_gives_no_point(
    answer: dict[str, object], reason: str
) -> None:
    with pytest.raises(SourceError, match=reason):
        sample_of(answer)
