"""The service desk's rules: a ticket's life, its SLA clocks counted in business hours, and
what a customer's satisfaction answer may be."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from opsroom.infra.errors import InvalidTransition


class Kind(StrEnum):
    INCIDENT = "incident"  # something a customer reports as broken
    REQUEST = "request"  # something a customer asks to be done


class Priority(IntEnum):
    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the requester
    RESOLVED = "resolved"
    CLOSED = "closed"


class Transition(StrEnum):
    WAIT = "wait"
    RESUME = "resume"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"


OPEN = frozenset({Status.NEW, Status.OPEN, Status.PENDING})

MOVES: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.WAIT: (frozenset({Status.NEW, Status.OPEN}), Status.PENDING),
    Transition.RESUME: (frozenset({Status.PENDING}), Status.OPEN),
    Transition.RESOLVE: (OPEN, Status.RESOLVED),
    Transition.REOPEN: (frozenset({Status.RESOLVED}), Status.OPEN),
    Transition.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED),
}


def next_status(current: Status, move: Transition) -> Status:
    allowed, target = MOVES[move]
    if current not in allowed:
        raise InvalidTransition(
            f"a {current.value} ticket cannot {move.value}",
            fields={"status": f"is {current.value}"},
        )
    return target


# --- business hours -----------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessHours:
    """When a squad's desk is staffed: weekdays (0 = Monday) from `opens` to `closes` in
    `zone`, except on `holidays` (local dates)."""

    zone: str = "Europe/Amsterdam"
    weekdays: frozenset[int] = frozenset(range(5))
    opens: time = time(8, 0)
    closes: time = time(18, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening hours as aware datetimes, or None when closed all day."""
        if day.weekday() not in self.weekdays or day in self.holidays:
            return None
        zone = ZoneInfo(self.zone)
        return datetime.combine(day, self.opens, zone), datetime.combine(day, self.closes, zone)

    def days_from(self, moment: datetime) -> list[tuple[datetime, datetime]]:
        """The windows from `moment`'s local day on, for as far as any target reaches."""
        first = moment.astimezone(ZoneInfo(self.zone)).date()
        windows = (self.window(first + timedelta(days=n)) for n in range(HORIZON_DAYS))
        return [w for w in windows if w is not None]


HORIZON_DAYS = 400  # a target further than this in business time is a configuration error


def deadline(start: datetime, minutes: int, hours: BusinessHours) -> datetime:
    """The moment `minutes` of business time after `start` have passed."""
    left = timedelta(minutes=minutes)
    for opens, closes in hours.days_from(start):
        begin = max(opens, start)
        if begin >= closes:
            continue
        if begin + left <= closes:
            return begin + left
        left -= closes - begin
    raise ValueError(f"{minutes} business minutes reach past {HORIZON_DAYS} days")


def business_minutes(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """How much business time lies between `start` and `end`, in minutes."""
    total = timedelta()
    for opens, closes in hours.days_from(start):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        total += max(overlap, timedelta())
    return total.total_seconds() / 60


@dataclass(frozen=True)
class Targets:
    """Business minutes to the first response and to resolution."""

    first_response: int
    resolution: int


DAY = 10 * 60  # a business day of the default hours, in minutes

DEFAULT_TARGETS: dict[Priority, Targets] = {
    Priority.P1: Targets(first_response=30, resolution=4 * 60),
    Priority.P2: Targets(first_response=60, resolution=8 * 60),
    Priority.P3: Targets(first_response=4 * 60, resolution=3 * DAY),
    Priority.P4: Targets(first_response=8 * 60, resolution=5 * DAY),
}


@dataclass(frozen=True)
class Clock:
    kind: str  # first_response, resolution
    due_at: datetime


def sla_clocks(
    opened_at: datetime, priority: Priority, hours: BusinessHours = BusinessHours()
) -> tuple[Clock, Clock]:
    targets = DEFAULT_TARGETS[priority]
    return (
        Clock("first_response", deadline(opened_at, targets.first_response, hours)),
        Clock("resolution", deadline(opened_at, targets.resolution, hours)),
    )


# --- customer satisfaction ----------------------------------------------------------------

SCORES = range(1, 6)
LOW_SCORE = 2  # at or below: the squad lead follows up


def csat(scores: list[int]) -> float | None:
    """The share of satisfied answers (4 or 5), in percent, as CSAT is usually reported."""
    if not scores:
        return None
    return round(100 * sum(s >= 4 for s in scores) / len(scores), 1)
