"""Exponential backoff: how long to wait after a failed attempt, and when to stop trying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Backoff:
    """Wait `first` after the first failure and twice as long after each next one, never
    longer than `cap`; give up once `attempts` attempts have failed."""

    first: timedelta
    cap: timedelta
    attempts: int

    def delay(self, failures: int) -> timedelta:
        """The wait after the n-th failed attempt (1, 2, ...)."""
        # Counted in whole microseconds, so a long run of failures cannot overflow.
        doubled = self.first // _TICK << max(failures - 1, 0)
        return min(doubled, self.cap // _TICK) * _TICK

    def gives_up(self, failures: int) -> bool:
        return failures >= self.attempts
