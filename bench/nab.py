"""opsroom's anomaly detectors on the Numenta Anomaly Benchmark subset, scored by a scorer of
our own that reproduces the published detectors' reference scores.

    .venv/bin/python bench/nab.py [--data ../shared/data/nab]

Prints, per detector, the standard-profile score, the corpus threshold, points scored per
second on one core (opsroom's detectors, one point at a time, no look-ahead) and the largest
state a series leaves behind.

The scorer follows NAB's published rules (standard profile).

Per series: rows before the probationary length (15 % of the rows, at most 750) are not
scored. A row inside a labelled window, if detected, earns the scaled sigmoid of its position
in the window (the window's earliest detection counts, once); a detection outside every window
costs A_FP times the scaled sigmoid of its distance past the window before it (the full cost
when no window came before); a window with no detection costs A_FN. One threshold is chosen
for the whole corpus, the one with the highest raw score, and the raw score is normalised so
that a detector that never fires scores 0 and a perfect one 100.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from opsroom.anomalies.domain import DEFAULT_DETECTOR, Detector, DetectorKind, season_of

A_TP = 1.0
A_FP = 0.11
A_FN = 1.0
PROBATION = 0.15
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nab"
PUBLISHED = ("numenta", "windowedGaussian")


def scaled_sigmoid(position: float) -> float:
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


MAX_TP = scaled_sigmoid(-1.0)


def probation_length(rows: int) -> int:
    return int(min(math.floor(PROBATION * rows), PROBATION * 5000))


@dataclass(frozen=True, slots=True)
class Row:
    """One scorable row: the detector's score, what a detection there would be worth, and
    the window it lies in (None outside every window)."""

    score: float
    worth: float
    window: tuple[str, int] | None


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.strip())


def weigh_rows(
    name: str, times: Sequence[datetime], scores: Sequence[float], windows: list[list[str]]
) -> tuple[list[Row], int]:
    """Every scorable row of one series with its worth, and the number of its windows."""
    starts = {parse_time(start): parse_time(end) for start, end in windows}
    index = {t: i for i, t in enumerate(times)}
    probation = probation_length(len(times))
    rows: list[Row] = []
    window: tuple[str, int] | None = None
    right = width = None
    last_right = last_width = None
    for i, (moment, score) in enumerate(zip(times, scores, strict=True)):
        if moment in starts:
            right = index[starts[moment]]
            width = right - i + 1
            window = (name, i)
        if window is not None and right is not None and width is not None:
            worth = scaled_sigmoid(-(right - i + 1) / width) * A_TP / MAX_TP
        elif last_right is None or last_width is None:
            worth = -A_FP
        else:
            worth = scaled_sigmoid(abs(last_right - i) / (last_width - 1)) * A_FP
        if i >= probation:
            rows.append(Row(score, worth, window))
        if i == right:
            last_right, last_width = right, width
            window, right, width = None, None, None
    return rows, len(windows)


def raw_score(rows: Iterable[Row], threshold: float, windows: int) -> float:
    """The raw score of the rows detected at a threshold (score >= threshold)."""
    false_positives = 0.0
    caught: dict[tuple[str, int], float] = {}
    for row in rows:
        if row.score < threshold:
            continue
        if row.window is None:
            false_positives += row.worth
        else:
            caught[row.window] = max(caught.get(row.window, -math.inf), row.worth)
    return false_positives + sum(caught.values()) - A_FN * (windows - len(caught))


def best_threshold(rows: list[Row], windows: int) -> tuple[float, float]:
    """The threshold with the highest raw score over the corpus, swept from the top."""
    ordered = sorted(rows, key=lambda row: row.score, reverse=True)
    best = (1.1, -A_FN * windows)
    false_positives = 0.0
    caught: dict[tuple[str, int], float] = {}
    for i, row in enumerate(ordered):
        if row.window is None:
            false_positives += row.worth
        else:
            caught[row.window] = max(caught.get(row.window, -math.inf), row.worth)
        if i + 1 < len(ordered) and ordered[i + 1].score == row.score:
            continue
        raw = false_positives + sum(caught.values()) - A_FN * (windows - len(caught))
        if raw > best[1]:
            best = (row.score, raw)
    return best


def normalised(raw: float, windows: int) -> float:
    null, perfect = -A_FN * windows, A_TP * windows
    return 100.0 * (raw - null) / (perfect - null)


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    times: list[datetime]
    values: list[float]
    windows: list[list[str]]


def load_corpus(root: Path) -> list[Series]:
    windows = json.loads((root / "labels" / "combined_windows.json").read_text())
    corpus = []
    for name in sorted(windows):
        path = root / "data" / name
        if not path.exists():
            continue
        with path.open() as handle:
            records = list(csv.DictReader(handle))
        times = [parse_time(r["timestamp"]) for r in records]
        corpus.append(Series(name, times, [float(r["value"]) for r in records], windows[name]))
    return corpus


def score_corpus(corpus: list[Series], scores: dict[str, Sequence[float]]) -> tuple[float, float]:
    """(normalised score, threshold) of one detector's scores over the corpus."""
    rows: list[Row] = []
    windows = 0
    for series in corpus:
        series_rows, count = weigh_rows(
            series.name, series.times, scores[series.name], series.windows
        )
        rows.extend(series_rows)
        windows += count
    threshold, raw = best_threshold(rows, windows)
    return normalised(raw, windows), threshold


def published_scores(root: Path, detector: str, corpus: list[Series]) -> dict[str, list[float]]:
    scores = {}
    for series in corpus:
        category, file = series.name.split("/")
        path = root / "results" / detector / category / f"{detector}_{file}"
        with path.open() as handle:
            scores[series.name] = [float(r["anomaly_score"]) for r in csv.DictReader(handle)]
    return scores


def season(series: Series) -> int:
    """The season a watched series would be given: from its sampling step, known before any
    value arrives."""
    return season_of((series.times[1] - series.times[0]).total_seconds())


def detector_scores(
    corpus: list[Series], kind: DetectorKind
) -> tuple[dict[str, list[float]], float]:
    """Each series streamed through a fresh detector, one point at a time; and the points
    scored per second."""
    scores = {}
    points = 0
    started = time.process_time()
    for series in corpus:
        detector = Detector(kind, season(series))
        scores[series.name] = [detector.score(value).score for value in series.values]
        points += len(series.values)
    return scores, points / (time.process_time() - started)


def state_bytes(corpus: list[Series], kind: DetectorKind) -> int:
    """The largest state any series leaves behind."""
    largest = 0
    for series in corpus:
        detector = Detector(kind, season(series))
        for value in series.values:
            detector.score(value)
        largest = max(largest, len(detector.dump()))
    return largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the NAB subset's directory")
    args = parser.parse_args()
    corpus = load_corpus(args.data)
    windows = sum(len(series.windows) for series in corpus)
    print(f"{len(corpus)} series, {windows} windows, {sum(len(s.values) for s in corpus)} points")
    print(f"{'detector':<28} {'score':>7} {'threshold':>10} {'points/s':>10} {'state':>9}")
    for detector in PUBLISHED:
        score, threshold = score_corpus(corpus, published_scores(args.data, detector, corpus))
        print(f"{detector + ' (published)':<28} {score:7.2f} {threshold:10.4f}")
    for kind in DetectorKind:
        scores, speed = detector_scores(corpus, kind)
        score, threshold = score_corpus(corpus, scores)
        name = f"{kind} (opsroom{', default' if kind is DEFAULT_DETECTOR else ''})"
        size = state_bytes(corpus, kind)
        print(f"{name:<28} {score:7.2f} {threshold:10.4f} {speed:10,.0f} {size:8,d}B")


if __name__ == "__main__":
    main()
