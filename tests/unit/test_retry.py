from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from opsroom.infra.retry import Backoff

BACKOFF = Backoff(first=timedelta(seconds=5), cap=timedelta(hours=1), attempts=8)


def test_the_wait_doubles_from_the_first_up_to_the_cap() -> None:
    waits = [BACKOFF.delay(n).total_seconds() for n in range(1, 12)]
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]


@given(st.integers(min_value=0, max_value=10_000))
def test_the_wait_never_shrinks_and_never_passes_the_cap(failures: int) -> None:
    assert BACKOFF.delay(failures) <= BACKOFF.delay(failures + 1) <= BACKOFF.cap


def test_it_gives_up_once_every_attempt_failed() -> None:
    assert [BACKOFF.gives_up(n) for n in (1, 7, 8, 9)] == [False, False, True, True]
