"""bench/nab.py's scorer on a series small enough to score by hand.

Twenty rows a minute apart, one labelled window over rows 10 to 13 (width 4); the first
floor(0.15 * 20) = 3 rows are probation. The detector fires (score 1) at row 5, before any
window, and at row 11, inside it:

- row 5 costs A_FP = 0.11 (no window came before it);
- row 11 earns sigmoid(-(13 - 11 + 1) / 4) / sigmoid(-1), with
  sigmoid(x) = 2 / (1 + e^(5x)) - 1: sigmoid(-0.75) = 0.954045, sigmoid(-1) = 0.986614,
  so 0.966989;
- raw score 0.966989 - 0.11 = 0.856989; a detector that never fires scores -1 (the window
  missed), a perfect one +1, so the normalised score is 100 * 1.856989 / 2 = 92.8495.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

START = datetime(2026, 1, 5, 0, 0)


def _nab() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "bench" / "nab.py"
    spec = importlib.util.spec_from_file_location("bench_nab", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


nab = _nab()


def _series(fired: set[int]) -> tuple[object, dict[str, list[float]]]:
    times = [START + timedelta(minutes=n) for n in range(20)]
    window = [[str(times[10]), str(times[13])]]
    series = nab.Series("tiny/one.csv", times, [0.0] * 20, window)
    return series, {series.name: [1.0 if n in fired else 0.0 for n in range(20)]}


def test_a_false_alarm_and_an_early_detection_score_as_worked_out_by_hand() -> None:
    series, scores = _series({5, 11})
    score, threshold = nab.score_corpus([series], scores)
    assert (score, threshold) == (pytest.approx(92.8495, abs=1e-4), 1.0)


def test_firing_only_on_the_windows_first_row_scores_100() -> None:
    caught, first = _series({10})
    assert nab.score_corpus([caught], first)[0] == pytest.approx(100.0)


def test_probation_hides_the_first_rows() -> None:
    assert (nab.probation_length(20), nab.probation_length(10_000)) == (3, 750)
