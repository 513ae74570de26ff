"""Streaming anomaly detectors: each point is scored on arrival against a state of bounded
size kept per series, and the state is an array of numbers that goes to storage and comes
back scoring the next point identically.

- `surprise` (the default) takes the strongest of three signs, each mapped into [0, 1):
  - novelty: how rarely the series has been near this value over its last HISTORY points (a
    histogram whose bins span the range seen, widened when the range grows REBIN-fold),
    counted only as far as the point also lies away from the long-term level;
  - a record distance: how far the point lies from the long-term level (in long-term standard
    deviations) against the farthest it has recently been (a maximum decaying by
    RECORD_DECAY a point), so a spiky series must out-spike itself;
  - with a season (points per day), a record seasonal residual: the point against the same
    moment a season ago, in the residual's usual size.
  Once the score passes FIRE, later points must beat a bar that starts at 1 and decays by
  BAR_DECAY a point (those that do not are halved), so one change raises one anomaly.
- `zscore` (the explainable baseline): how far the point lies from an exponentially weighted
  mean, in exponentially weighted standard deviations, as a two-sided normal probability.

Both report what a person checks a score against: the band the point was expected in (the
long-term level ± BAND_SIGMAS standard deviations, before the point was learnt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

WARMUP = 150
HISTORY = 1500
BINS = 30
REBIN = 4.0
LONG_ALPHA = 0.005
SEASON_ALPHA = 0.01
MAX_SEASON = 2000
RARITY_SCALE = 3.0
NOVELTY_SCALE = 0.5
NOVELTY_WEIGHT = 0.95
RECORD_FLOOR = 2.0
RECORD_DECAY = 0.999
RECORD_SCALE = 0.5
SEASON_WEIGHT = 0.9
FIRE = 0.89
BAR_DECAY = 0.9995
BELOW_BAR = 0.5
BAND_SIGMAS = 3.0


class DetectorKind(StrEnum):
    SURPRISE = "surprise"
    ZSCORE = "zscore"


DEFAULT_DETECTOR = DetectorKind.SURPRISE
_KINDS = list(DetectorKind)
_SCALARS = (
    "count",
    "long_mean",
    "long_var",
    "low",
    "high",
    "bin_width",
    "next_slot",
    "distance_record",
    "bar",
    "season_dev",
    "season_record",
    "season_slot",
)
_INTS = {"count", "next_slot", "season_slot"}


class NotAPoint(ValueError):
    """A value no detector can learn from (NaN or an infinity)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A scored point: the score in [0, 1] and the band the point was expected in."""

    score: float
    expected_low: float
    expected_high: float


def _tail(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


# The score from which a point is an anomaly, until responders' feedback moves it: for
# `surprise` its firing level (close to the threshold the benchmark picks for it), for `zscore`
# three standard deviations.
DEFAULT_THRESHOLD = {
    DetectorKind.SURPRISE: FIRE,
    DetectorKind.ZSCORE: 1.0 - 2.0 * _tail(BAND_SIGMAS),
}


def _beyond(sign: float, record: float) -> tuple[float, float]:
    """How far a sign goes beyond its decaying record, and the record it leaves."""
    return sign / (record + RECORD_FLOOR), max(record * RECORD_DECAY, sign)


def _grade(sign: float, scale: float) -> float:
    return 1.0 - math.exp(-sign / scale)


def season_of(step_seconds: float) -> int:
    """Points per day for a series sampled every `step_seconds`, or 0 when a day is not a
    whole number of steps or too many of them."""
    if step_seconds <= 0:
        return 0
    points = round(86400 / step_seconds)
    return points if points * step_seconds == 86400 and points <= MAX_SEASON else 0


class Detector:
    """One series' detector: `score` takes the next point and learns it."""

    __slots__ = (*_SCALARS, "bin_count", "history", "kind", "season", "season_values")

    def __init__(self, kind: DetectorKind = DEFAULT_DETECTOR, season: int = 0) -> None:
        self.kind = kind
        self.season = season
        self.count = self.next_slot = self.season_slot = 0
        self.long_mean = self.long_var = 0.0
        self.low = self.high = self.bin_width = 0.0
        self.distance_record = self.bar = 0.0
        self.season_dev = self.season_record = 0.0
        self.history: list[float] = []
        self.season_values: list[float] = []
        self.bin_count: dict[int, int] = {}

    def band(self) -> tuple[float, float]:
        spread = BAND_SIGMAS * math.sqrt(self.long_var)
        return self.long_mean - spread, self.long_mean + spread

    def score(self, value: float) -> Verdict:
        """Raises NotAPoint, the state untouched, for NaN or an infinity."""
        if not math.isfinite(value):
            raise NotAPoint(value)
        low, high = self.band()
        if self.count < WARMUP:
            score = self._warm_up(value)
        elif self.kind is DetectorKind.ZSCORE:
            score = 1.0 - 2.0 * _tail(abs(value - self.long_mean) / self._sigma())
        else:
            score = self._surprise(value)
        self._learn_level(value)
        self.count += 1
        return Verdict(score, low, high)

    def _sigma(self) -> float:
        return math.sqrt(self.long_var) or 1e-12

    def _learn_level(self, value: float) -> None:
        if self.count == 0:
            self.long_mean = value
            return
        delta = value - self.long_mean
        self.long_mean += LONG_ALPHA * delta
        self.long_var = (1 - LONG_ALPHA) * (self.long_var + LONG_ALPHA * delta * delta)

    def _warm_up(self, value: float) -> float:
        if self.kind is DetectorKind.SURPRISE:
            self._seasonal(value)
            self.history.append(value)
            if len(self.history) == WARMUP:
                self._set_bins(min(self.history), max(self.history))
        return 0.0

    def _surprise(self, value: float) -> float:
        sigma = self._sigma()
        distance = abs(value - self.long_mean) / sigma
        novelty = self._rarity(value) * _grade(distance, NOVELTY_SCALE)
        far, self.distance_record = _beyond(distance, self.distance_record)
        score = max(
            NOVELTY_WEIGHT * novelty,
            _grade(far, RECORD_SCALE),
            SEASON_WEIGHT * _grade(self._seasonal(value), RECORD_SCALE),
        )
        return self._after_firing(score)

    def _after_firing(self, score: float) -> float:
        bar = self.bar
        self.bar = bar * BAR_DECAY
        if score <= bar:
            return score * BELOW_BAR
        if score > FIRE:
            self.bar = 1.0
        return score

    def _rarity(self, value: float) -> float:
        bin_ = self._bin(value)
        counts = self.bin_count
        near = counts.get(bin_, 0) + 0.5 * (counts.get(bin_ - 1, 0) + counts.get(bin_ + 1, 0))
        self._remember(value, bin_)
        if not self.low <= value <= self.high:
            low, high = min(self.low, value), max(self.high, value)
            if high - low > REBIN * (self.high - self.low):
                self._set_bins(low, high)
        return math.exp(-near / RARITY_SCALE)

    def _set_bins(self, low: float, high: float) -> None:
        """Bins over [low, high], and the remembered values counted into them again."""
        self.low, self.high = low, high
        self.bin_width = (high - low) / BINS or max(abs(low) * 1e-3, 1e-9)
        counts: dict[int, int] = {}
        for seen in self.history:
            bin_ = self._bin(seen)
            counts[bin_] = counts.get(bin_, 0) + 1
        self.bin_count = counts

    def _bin(self, value: float) -> int:
        return math.floor((value - self.low) / self.bin_width)

    def _remember(self, value: float, bin_: int) -> None:
        counts = self.bin_count
        counts[bin_] = counts.get(bin_, 0) + 1
        if len(self.history) < HISTORY:
            self.history.append(value)
            return
        old = self._bin(self.history[self.next_slot])
        self.history[self.next_slot] = value
        self.next_slot = (self.next_slot + 1) % HISTORY
        if counts[old] == 1:
            del counts[old]
        else:
            counts[old] -= 1

    def _seasonal(self, value: float) -> float:
        """The point against the same moment a season ago, beyond its recent record."""
        if not self.season:
            return 0.0
        if len(self.season_values) < self.season:
            self.season_values.append(value)
            return 0.0
        past = self.season_values[self.season_slot]
        self.season_values[self.season_slot] = value
        self.season_slot = (self.season_slot + 1) % self.season
        residual = abs(value - past)
        self.season_dev += SEASON_ALPHA * (residual - self.season_dev)
        if self.count < WARMUP + 2 * self.season:
            return 0.0
        beyond, self.season_record = _beyond(
            residual / (self.season_dev + 1e-12), self.season_record
        )
        return beyond

    def dump(self) -> bytes:
        """The state: kind, season, the scalars, the season's values, then the history."""
        head = [_KINDS.index(self.kind), self.season, len(self.season_values)]
        scalars = [float(getattr(self, name)) for name in _SCALARS]
        numbers = head + scalars + self.season_values + self.history
        return np.array(numbers, dtype=np.float64).tobytes()

    @classmethod
    def load(cls, state: bytes) -> Detector:
        numbers = np.frombuffer(state, dtype=np.float64).tolist()
        kind, season, seasonal = (int(number) for number in numbers[:3])
        detector = cls(_KINDS[kind], season)
        for name, number in zip(_SCALARS, numbers[3:], strict=False):
            setattr(detector, name, int(number) if name in _INTS else number)
        rest = numbers[3 + len(_SCALARS) :]
        detector.season_values = rest[:seasonal]
        detector.history = rest[seasonal:]
        if detector.history and detector.count >= WARMUP:
            detector._set_bins(detector.low, detector.high)
        return detector


# --- watched series: what a batch of points becomes, thresholds, feedback -----------------

SENSITIVITY = 0.5  # the default: the detector's own threshold
LOWEST_THRESHOLD = 0.5
HIGHEST_THRESHOLD = 0.9999
FEEDBACK_STEP = 0.25  # how far one verdict moves the threshold toward its bound


def threshold_for(kind: DetectorKind, sensitivity: float) -> float:
    """The score from which a point is an anomaly: the detector's own threshold at the default
    sensitivity (0.5), lower (more anomalies) toward 1, higher (fewer) toward 0."""
    room = 1.0 - DEFAULT_THRESHOLD[kind]
    threshold = 1.0 - room * sensitivity / SENSITIVITY
    return min(max(threshold, LOWEST_THRESHOLD), HIGHEST_THRESHOLD)


class Judgement(StrEnum):
    REAL = "real"
    NOISE = "noise"


def adapted_threshold(threshold: float, judgement: Judgement) -> float:
    """A responder's verdict on an anomaly moves its series' threshold: noise raises it a
    quarter of the way to the highest, a real one lowers it a quarter of the way to the
    lowest, so repeated verdicts approach the bounds without reaching them."""
    if judgement is Judgement.NOISE:
        return threshold + FEEDBACK_STEP * (HIGHEST_THRESHOLD - threshold)
    return threshold - FEEDBACK_STEP * (threshold - LOWEST_THRESHOLD)


def precision(real: int, noise: int) -> float | None:
    """The share of judged anomalies that were real; None before any verdict."""
    judged = real + noise
    return None if judged == 0 else real / judged


@dataclass(frozen=True, slots=True)
class Admission:
    """A batch of (timestamp, value) points sorted into those a detector takes, in order,
    and those skipped: NaN or infinite values, and timestamps not after the last one kept."""

    accepted: list[tuple[float, float]]
    not_finite: int
    out_of_order: int


def admit(last: float | None, points: list[tuple[float, float]]) -> Admission:
    accepted: list[tuple[float, float]] = []
    not_finite = out_of_order = 0
    for at, value in points:
        if last is not None and at <= last:
            out_of_order += 1
        elif not math.isfinite(value):
            not_finite += 1
        else:
            accepted.append((at, value))
            last = at
    return Admission(accepted, not_finite, out_of_order)


# --- the chart on a series' page ----------------------------------------------------------

CHART_WIDTH = 600
CHART_HEIGHT = 160


@dataclass(frozen=True, slots=True)
class ChartPoint:
    at: float
    value: float
    low: float
    high: float
    anomaly: bool


@dataclass(frozen=True, slots=True)
class Chart:
    """A series drawn in a CHART_WIDTH x CHART_HEIGHT box: the line of its values, the
    polygon of the band they were expected in, and the anomalies as marks."""

    line: str
    band: str
    marks: list[tuple[float, float]]
    lowest: float
    highest: float
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def chart(points: list[ChartPoint]) -> Chart | None:
    if not points:
        return None
    values = [p.value for p in points]
    bounds = [p.low for p in points] + [p.high for p in points]
    lowest, highest = min(values + bounds), max(values + bounds)
    first, span = points[0].at, (points[-1].at - points[0].at) or 1.0
    spread = (highest - lowest) or 1.0

    def x(at: float) -> float:
        return round((at - first) / span * CHART_WIDTH, 1)

    def y(value: float) -> float:
        return round(CHART_HEIGHT - (value - lowest) / spread * CHART_HEIGHT, 1)

    line = " ".join(f"{x(p.at)},{y(p.value)}" for p in points)
    upper = [f"{x(p.at)},{y(p.high)}" for p in points]
    lower = [f"{x(p.at)},{y(p.low)}" for p in reversed(points)]
    marks = [(x(p.at), y(p.value)) for p in points if p.anomaly]
    return Chart(line, " ".join(upper + lower), marks, lowest, highest)


# --- a PromQL query's answer as a point -----------------------------------------------------


class SourceError(ValueError):
    """Why a source gave no point: said on the series' page."""


def _number(raw: object) -> float:
    try:
        return float(str(raw))
    except ValueError:
        raise SourceError(f"Prometheus answered a sample that is not a number: {raw!r}") from None


def sample_of(answer: dict[str, object]) -> tuple[float, float]:
    """The (Unix time, value) of an instant query's answer (Prometheus' HTTP API): a scalar,
    or a vector of exactly one series."""
    if answer.get("status") != "success":
        raise SourceError(f"Prometheus refused the query: {answer.get('error', 'no reason given')}")
    data = answer.get("data")
    kind = data.get("resultType") if isinstance(data, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    if kind == "scalar" and isinstance(result, list) and len(result) == 2:
        return _number(result[0]), _number(result[1])
    if kind != "vector" or not isinstance(result, list):
        raise SourceError(f"the query must answer a scalar or a vector, not {kind}")
    if len(result) != 1:
        raise SourceError(f"the query must answer one series, not {len(result)}")
    (only,) = result
    value = only.get("value") if isinstance(only, dict) else None
    if not isinstance(value, list) or len(value) != 2:
        raise SourceError("Prometheus answered a series without a sample")
    return _number(value[0]), _number(value[1])
