"""The detectors on synthetic series: a step and a spike are found within a few points, a
constant or merely noisy series never fires, one change raises one anomaly, and the state
round-trips through bytes scoring the next points identically."""

from __future__ import annotations

import math
import random

import pytest

from opsroom.anomalies.domain import (
    DEFAULT_THRESHOLD,
    HISTORY,
    WARMUP,
    Detector,
    DetectorKind,
    NotAPoint,
    season_of,
)

FIRES = DEFAULT_THRESHOLD[DetectorKind.SURPRISE]
QUIET_POINTS = 1000


def _noisy(n: int, level: float = 50.0, noise: float = 1.0, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [level + rng.gauss(0.0, noise) for _ in range(n)]


def _scores(detector: Detector, values: list[float]) -> list[float]:
    return [detector.score(value).score for value in values]


def _first_firing(
    scores: list[float], start: int, kind: DetectorKind = DetectorKind.SURPRISE
) -> int | None:
    fires = DEFAULT_THRESHOLD[kind]
    return next((i - start for i, s in enumerate(scores) if i >= start and s >= fires), None)


@pytest.mark.parametrize("kind", list(DetectorKind))
def test_a_constant_series_never_fires(kind: DetectorKind) -> None:
    assert max(_scores(Detector(kind), [42.0] * 3000)) < DEFAULT_THRESHOLD[kind]


def test_a_noisy_series_without_change_never_fires() -> None:
    scores = _scores(Detector(), _noisy(3000))
    assert max(scores[QUIET_POINTS:]) < FIRES


@pytest.mark.parametrize("kind", list(DetectorKind))
def test_a_step_change_is_found_within_five_points(kind: DetectorKind) -> None:
    values = _noisy(1500) + _noisy(200, level=70.0, seed=8)
    assert _first_firing(_scores(Detector(kind), values), 1500, kind) in range(5)


@pytest.mark.parametrize("kind", list(DetectorKind))
def test_a_single_spike_is_found_on_the_spike(kind: DetectorKind) -> None:
    values = _noisy(1500)
    values[1200] = 90.0
    assert _first_firing(_scores(Detector(kind), values), 1000, kind) == 200


def test_one_step_change_raises_one_anomaly_not_a_burst() -> None:
    values = _noisy(1500) + _noisy(500, level=70.0, seed=8)
    scores = _scores(Detector(), values)
    assert sum(score >= FIRES for score in scores[1500:]) == 1


def test_a_missing_daily_peak_is_found_through_the_season() -> None:
    season = 48
    values = [
        10 * math.sin(2 * math.pi * i / season) + n
        for i, n in enumerate(_noisy(2000, level=0.0, noise=0.1))
    ]
    flat = range(1700, 1700 + season // 2)
    for i in flat:
        values[i] = 0.0
    scores = _scores(Detector(season=season), values)
    assert max(scores[QUIET_POINTS:1700]) < FIRES
    assert _first_firing(scores, 1700) in range(season // 2)


@pytest.mark.parametrize("kind", list(DetectorKind))
@pytest.mark.parametrize("stop", [10, WARMUP + 3, HISTORY + 400])
def test_the_state_round_trips_and_scores_the_next_points_identically(
    kind: DetectorKind, stop: int
) -> None:
    values = [*_noisy(HISTORY + 600), 80.0, 81.0, 20.0]
    running = Detector(kind, season=24)
    _scores(running, values[:stop])
    restored = Detector.load(running.dump())
    assert restored.dump() == running.dump()
    assert _scores(restored, values[stop:]) == _scores(running, values[stop:])


def test_the_state_stays_bounded() -> None:
    detector = Detector(season=288)
    _scores(detector, _noisy(20_000))
    assert len(detector.dump()) <= 64 * 1024


def test_the_verdict_explains_with_the_band_the_point_was_expected_in() -> None:
    detector = Detector()
    _scores(detector, _noisy(1000, noise=1.0))
    verdict = detector.score(90.0)
    assert 44.0 < verdict.expected_low < 48.0
    assert 52.0 < verdict.expected_high < 56.0


@pytest.mark.parametrize(
    ("step", "season"), [(300, 288), (3600, 24), (60, 1440), (7, 0), (1, 0), (0, 0)]
)
def test_a_season_is_a_whole_number_of_steps_in_a_day(step: float, season: int) -> None:
    assert season_of(step) == season


@pytest.mark.parametrize("kind", list(DetectorKind))
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_are_refused_and_leave_the_state_as_it_was(
    kind: DetectorKind, bad: float
) -> None:
    detector = Detector(kind)
    _scores(detector, _noisy(WARMUP + 10))
    before = detector.dump()
    with pytest.raises(NotAPoint):
        detector.score(bad)
    assert detector.dump() == before
