"""The one source of 'now'. Tests move it; every time-dependent rule takes it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta


_clock: Clock = Clock()


def now() -> datetime:
    return _clock.now()


def use(clock: Clock) -> Clock:
    """Install a clock process-wide; returns the previous one so tests can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def midnight(day: date) -> datetime:
    """The moment a UTC day begins: when a timer for that day runs."""
    return datetime.combine(day, time.min, tzinfo=UTC)


@contextmanager
def standing_at(moment: datetime) -> Iterator[None]:
    """The clock standing at one moment while something is recorded (the demo's history)."""
    previous = use(FrozenClock(moment))
    try:
        yield
    finally:
        use(previous)
