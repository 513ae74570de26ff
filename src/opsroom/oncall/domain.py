"""On-call as pure rules: rotations, restrictions, overrides, who is on call when, coverage
gaps, fairness, escalation steps and working hours. Times are aware; zones are IANA names."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from opsroom.infra.errors import ValidationFailed


class ShiftUnit(StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"


@dataclass(frozen=True)
class Restriction:
    """On call only inside this window of local time on these weekdays (0 = Monday).
    An end at 00:00 means the end of the day."""

    weekdays: frozenset[int]
    start: time
    end: time

    def covers(self, local: datetime) -> bool:
        if local.weekday() not in self.weekdays:
            return False
        clock_time = local.time().replace(tzinfo=None)
        return self.start <= clock_time and (self.end == time(0) or clock_time < self.end)


BUSINESS_HOURS = Restriction(frozenset(range(5)), time(9), time(17))


@dataclass(frozen=True)
class Layer:
    """A rotation: participants take turns, each for `length` units, from `start` (whose
    local time of day is the hand-off time). Day and week shifts keep the hand-off at the same
    wall-clock time across daylight-saving changes; hour shifts are exact durations."""

    participants: tuple[str, ...]
    start: datetime
    zone: str
    length: int = 1
    unit: ShiftUnit = ShiftUnit.WEEKS
    restrictions: tuple[Restriction, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        check_layer(self)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def boundary(self, k: int) -> datetime:
        """The start of the k-th shift (k may be negative), in UTC."""
        if self.unit is ShiftUnit.HOURS:
            return self.start.astimezone(UTC) + k * timedelta(hours=self.length)
        days = self.length * (7 if self.unit is ShiftUnit.WEEKS else 1)
        wall = self.start.astimezone(self.tz).replace(tzinfo=None) + k * timedelta(days=days)
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def shift_index(self, at: datetime) -> int:
        """Which shift `at` falls in: boundary(k) <= at < boundary(k + 1)."""
        if self.unit is ShiftUnit.HOURS:
            span = timedelta(hours=self.length)
            return math.floor((at.astimezone(UTC) - self.start.astimezone(UTC)) / span)
        days = self.length * (7 if self.unit is ShiftUnit.WEEKS else 1)
        wall = at.astimezone(self.tz).replace(tzinfo=None)
        k = math.floor(
            (wall - self.start.astimezone(self.tz).replace(tzinfo=None)) / timedelta(days=days)
        )
        while self.boundary(k + 1) <= at:
            k += 1
        while self.boundary(k) > at:
            k -= 1
        return k

    def on_call(self, at: datetime) -> str | None:
        at = at.astimezone(UTC)
        if at < self.start:
            return None
        if self.restrictions and not any(
            r.covers(at.astimezone(self.tz)) for r in self.restrictions
        ):
            return None
        return self.participants[self.shift_index(at) % len(self.participants)]

    def changes(self, start: datetime, end: datetime) -> list[datetime]:
        """Every instant in [start, end) where this layer's answer may change."""
        points = [self.start] if start <= self.start < end else []
        k = self.shift_index(max(start, self.start)) + 1
        while (b := self.boundary(k)) < end:
            points.append(b)
            k += 1
        return points + _restriction_edges(self, start, end)


def _restriction_edges(layer: Layer, start: datetime, end: datetime) -> list[datetime]:
    edges: list[datetime] = []
    day = start.astimezone(layer.tz).date() - timedelta(days=1)
    last = end.astimezone(layer.tz).date()
    while day <= last:
        for r in layer.restrictions:
            for t, offset in ((r.start, 0), (r.end, 1 if r.end == time(0) else 0)):
                local = datetime.combine(day + timedelta(days=offset), t, tzinfo=layer.tz)
                if start <= local.astimezone(UTC) < end:
                    edges.append(local.astimezone(UTC))
        day += timedelta(days=1)
    return edges


def check_layer(layer: Layer) -> None:
    problems: dict[str, str] = {}
    if not layer.participants:
        problems["participants"] = "a rotation needs at least one participant"
    if layer.length < 1:
        problems["length"] = "a shift lasts at least one unit"
    if layer.start.tzinfo is None:
        problems["start"] = "give the start with a time zone"
    elif not plausible(layer.start):
        problems["start"] = PLAUSIBLE
    if not known_zone(layer.zone):
        problems["zone"] = f"unknown time zone '{layer.zone}'"
    for r in layer.restrictions:
        if not r.weekdays or not r.weekdays <= set(range(7)):
            problems["restrictions"] = "weekdays run from 0 (Monday) to 6 (Sunday)"
        elif r.end != time(0) and r.end <= r.start:
            problems["restrictions"] = "a restriction ends after it starts (00:00 = midnight)"
    if problems:
        raise ValidationFailed("this rotation cannot be used", fields=problems)


def restriction_from_text(text: str) -> dict[str, object]:
    """'0-4@09:00-17:00' or '5,6@10:00-14:00' -> weekdays (0 = Monday) and local start/end,
    as a layer's input takes them."""
    days, _, hours = text.strip().partition("@")
    first, _, last = days.partition("-")
    try:
        weekdays = (
            list(range(int(first), int(last) + 1)) if last else [int(d) for d in days.split(",")]
        )
    except ValueError:
        raise ValidationFailed(
            f"'{text}': write a restriction as 0-4@09:00-17:00",
            fields={"restrictions": "write as 0-4@09:00-17:00 (0 = Monday)"},
        ) from None
    start, _, end = hours.partition("-")
    return {"weekdays": weekdays, "start": start.strip(), "end": end.strip()}


def restriction_text(weekdays: list[int], start: time, end: time) -> str:
    """The other way round, for showing a restriction in a form."""
    days = (
        f"{weekdays[0]}-{weekdays[-1]}"
        if len(weekdays) > 1 and weekdays == list(range(weekdays[0], weekdays[-1] + 1))
        else ",".join(map(str, weekdays))
    )
    return f"{days}@{start:%H:%M}-{end:%H:%M}"


FIRST_YEAR, LAST_YEAR = 1970, 2200
PLAUSIBLE = f"use a moment between {FIRST_YEAR} and {LAST_YEAR}"


def plausible(moment: datetime) -> bool:
    """Schedules are computed in years people live in; far-off moments are typos."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def check_moment(moment: datetime, field: str) -> None:
    if not plausible(moment):
        raise ValidationFailed(PLAUSIBLE, fields={field: PLAUSIBLE})


def known_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError):
        return False
    return True


def check_zone(zone: str) -> None:
    if not known_zone(zone):
        raise ValidationFailed(f"unknown time zone '{zone}'", fields={"zone": "not an IANA zone"})


@dataclass(frozen=True)
class Override:
    """Someone takes over for a while; later overrides win over earlier ones."""

    person: str
    start: datetime
    end: datetime

    def covers(self, at: datetime) -> bool:
        return self.start.astimezone(UTC) <= at.astimezone(UTC) < self.end.astimezone(UTC)


@dataclass(frozen=True)
class Answer:
    """Who is on call and what decides it: the override (its index) that covers the moment,
    else the highest layer (its rank) with someone on call; neither is a coverage gap."""

    person: str | None
    override: int | None = None
    layer: int | None = None


@dataclass(frozen=True)
class Schedule:
    """Layers in rank order (later layers win), then overrides over everything."""

    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()

    def answer(self, at: datetime) -> Answer:
        """Who is on call at `at`, and the override or layer that decides it."""
        for n in reversed(range(len(self.overrides))):
            if self.overrides[n].covers(at):
                return Answer(self.overrides[n].person, override=n)
        for rank in reversed(range(len(self.layers))):
            if (person := self.layers[rank].on_call(at)) is not None:
                return Answer(person, layer=rank)
        return Answer(None)

    def on_call(self, at: datetime) -> str | None:
        return self.answer(at).person

    def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        """The final schedule between start and end, gaps included (person None)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        points = {start}
        for layer in self.layers:
            points.update(layer.changes(start, end))
        for o in self.overrides:
            points.update(p for p in (o.start, o.end) if start <= p < end)
        ordered = sorted(points)
        shifts: list[Shift] = []
        for begin, finish in zip(ordered, [*ordered[1:], end], strict=True):
            person = self.on_call(begin)
            if shifts and shifts[-1].person == person:
                shifts[-1] = Shift(person, shifts[-1].start, finish)
            else:
                shifts.append(Shift(person, begin, finish))
        return shifts


@dataclass(frozen=True)
class Shift:
    person: str | None
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start) / timedelta(hours=1)


def gaps(shifts: Iterable[Shift]) -> list[Shift]:
    return [s for s in shifts if s.person is None]


def next_shifts(shifts: Iterable[Shift], person: str, *, limit: int = 5) -> list[Shift]:
    return [s for s in shifts if s.person == person][:limit]


# --- fairness -----------------------------------------------------------------------------


@dataclass
class Load:
    """One person's on-call load over a period."""

    person: str
    shifts: int = 0
    hours: float = 0.0
    off_hours: float = 0.0
    pages: int = 0


def fairness(
    shifts: Iterable[Shift],
    zone: str,
    *,
    pages: dict[str, int] | None = None,
    working: Restriction = BUSINESS_HOURS,
) -> list[Load]:
    """Shifts, hours, hours outside working time and pages received, per person."""
    loads: dict[str, Load] = {}
    for s in shifts:
        if s.person is None:
            continue
        load = loads.setdefault(s.person, Load(s.person))
        load.shifts += 1
        load.hours += s.hours
        load.off_hours += s.hours - _working_hours(s, ZoneInfo(zone), working)
    for person, count in (pages or {}).items():
        loads.setdefault(person, Load(person)).pages = count
    return sorted(loads.values(), key=lambda load: (-load.hours, load.person))


def _working_hours(s: Shift, tz: ZoneInfo, working: Restriction) -> float:
    total = timedelta()
    day = s.start.astimezone(tz).date()
    while day <= s.end.astimezone(tz).date():
        if day.weekday() in working.weekdays:
            open_ = datetime.combine(day, working.start, tzinfo=tz)
            close = datetime.combine(
                day + timedelta(days=working.end == time(0)), working.end, tzinfo=tz
            )
            overlap = min(close, s.end) - max(open_, s.start)
            total += max(overlap, timedelta())
        day += timedelta(days=1)
    return total / timedelta(hours=1)


def next_working_time(at: datetime, zone: str, working: Restriction = BUSINESS_HOURS) -> datetime:
    """`at` itself inside working hours, else the next start of working hours."""
    tz = ZoneInfo(zone)
    local = at.astimezone(tz)
    if working.covers(local):
        return at
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        opening = datetime.combine(day, working.start, tzinfo=tz)
        if day.weekday() in working.weekdays and opening >= local:
            return opening.astimezone(UTC)
    raise ValidationFailed("working hours name no weekday")


# --- escalation ---------------------------------------------------------------------------


class TargetKind(StrEnum):
    PERSON = "person"
    SCHEDULE = "schedule"
    SQUAD = "squad"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    ref: str


@dataclass(frozen=True)
class Level:
    targets: tuple[Target, ...]
    timeout_minutes: int = 15


@dataclass(frozen=True)
class Step:
    """Where an escalation stands: which level, in which pass through the policy."""

    level: int
    round: int = 0


@dataclass(frozen=True)
class Policy:
    levels: tuple[Level, ...]
    repeats: int = 0  # how many more times the whole policy runs after the first pass

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        if not self.levels:
            problems["levels"] = "a policy needs at least one level"
        elif any(not level.targets for level in self.levels):
            problems["levels"] = "every level names at least one target"
        elif any(level.timeout_minutes < 1 for level in self.levels):
            problems["levels"] = "a level waits at least one minute before the next"
        if not 0 <= self.repeats <= 9:
            problems["repeats"] = "repeat the policy 0 to 9 times"
        if problems:
            raise ValidationFailed("this escalation policy cannot be used", fields=problems)

    def after(self, step: Step) -> Step | None:
        """The step that follows when nobody acknowledged in time; None when exhausted."""
        if step.level + 1 < len(self.levels):
            return Step(step.level + 1, step.round)
        if step.round < self.repeats:
            return Step(0, step.round + 1)
        return None

    def timeout(self, step: Step) -> timedelta:
        return timedelta(minutes=self.levels[step.level].timeout_minutes)


@dataclass(frozen=True)
class Paged:
    """Who one escalation step reaches, in order, without repeats."""

    people: tuple[str, ...] = field(default_factory=tuple)


def reached(people: Iterable[str | None]) -> Paged:
    return Paged(tuple(dict.fromkeys(p for p in people if p)))


def by_day(shifts: Iterable[Shift], zone: str) -> list[tuple[date, list[Shift]]]:
    """Shifts cut at local midnights, grouped per local day: a calendar's rows."""
    tz = ZoneInfo(zone)
    days: dict[date, list[Shift]] = {}
    for s in shifts:
        start = s.start
        while start < s.end:
            local = start.astimezone(tz)
            midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
            end = min(s.end, midnight.astimezone(UTC))
            days.setdefault(local.date(), []).append(Shift(s.person, start, end))
            start = end
    return sorted(days.items())


# --- the timeline ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A shift placed on a timeline: its start and its length, in percent of the window."""

    person: str | None
    start: datetime
    end: datetime
    left: float
    width: float


def place(shifts: Iterable[Shift], start: datetime, end: datetime) -> list[Bar]:
    """The shifts, cut to the window [start, end), as bars across it."""
    span = end - start
    bars = []
    for s in shifts:
        begin, finish = max(s.start, start), min(s.end, end)
        if finish > begin:
            bars.append(
                Bar(
                    s.person,
                    begin,
                    finish,
                    100 * (begin - start) / span,
                    100 * (finish - begin) / span,
                )
            )
    return bars


def local_days(first: date, days: int, zone: str) -> list[datetime]:
    """The local midnights starting each of `days` days from `first`, and the one ending them."""
    tz = ZoneInfo(zone)
    return [
        datetime.combine(first + timedelta(days=n), time(0), tzinfo=tz).astimezone(UTC)
        for n in range(days + 1)
    ]


def feed_token(secret: str, *, kind: str, key: str, nonce: str) -> str:
    """The secret in a calendar feed's URL: an HMAC of the feed under the signing secret and
    the feed's rotatable nonce, so nothing guessable is stored and rotating revokes it."""
    message = f"feed:{kind}:{key}:{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def feed_token_matches(secret: str, *, kind: str, key: str, nonce: str, token: str) -> bool:
    expected = feed_token(secret, kind=kind, key=key, nonce=nonce)
    return hmac.compare_digest(expected.encode(), token.encode())
