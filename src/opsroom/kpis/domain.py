"""Operations KPIs as pure definitions: periods, time-to-X measures and their statistics,
SLA compliance, availability from merged impact windows, MTBF and trends.

These are the definitions docs/kpis.md states; the SQL path in service.py computes the same
figures over large data and is checked against these functions in tests."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from opsroom.incidents.domain import Window as Window
from opsroom.incidents.domain import impact_window as impact_window
from opsroom.incidents.domain import merge as merge
from opsroom.incidents.domain import total as total
from opsroom.infra.errors import ValidationFailed
from opsroom.infra.stats import median, p90

# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval [start, end) with the label people type for it."""

    label: str
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same kind just before this one (same length for custom ones)."""
        kind = _kind(self.label)
        if kind == "month":
            start = _shift_months(self.start, -1)
            return month_period(start.year, start.month)
        if kind == "quarter":
            start = _shift_months(self.start, -3)
            return parse_period(f"{start.year}-Q{(start.month - 1) // 3 + 1}")
        if kind == "week":
            year, week, _ = (self.start - timedelta(days=7)).isocalendar()
            return parse_period(f"{year}-W{week:02d}")
        start = self.start - self.length
        return Period(
            f"{start:%Y-%m-%d}..{self.start - timedelta(days=1):%Y-%m-%d}", start, self.start
        )


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_CUSTOM = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _kind(label: str) -> str:
    for kind, pattern in (("month", _MONTH), ("quarter", _QUARTER), ("week", _WEEK)):
        if pattern.match(label):
            return kind
    return "custom"


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _shift_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def month_period(year: int, month: int) -> Period:
    start = datetime(year, month, 1, tzinfo=UTC)
    return Period(f"{year}-{month:02d}", start, _shift_months(start, 1))


def parse_period(text: str) -> Period:
    """2026-10 (month), 2026-Q4 (quarter), 2026-W43 (ISO week), 2026-10-01..2026-10-15
    (custom, both days included)."""
    text = text.strip().upper()
    try:
        return _parse_period(text)
    except ValueError:
        pass
    raise ValidationFailed(
        f"'{text}' is not a period: use 2026-10, 2026-Q4, 2026-W43 or 2026-10-01..2026-10-15",
        fields={"period": "month YYYY-MM, quarter YYYY-Qn, week YYYY-Wnn or DAY..DAY"},
    )


def _parse_period(text: str) -> Period:
    if m := _MONTH.match(text):
        return month_period(int(m[1]), int(m[2]))
    if m := _QUARTER.match(text):
        start = datetime(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1, tzinfo=UTC)
        return Period(text, start, _shift_months(start, 3))
    if m := _WEEK.match(text):
        start = _utc(date.fromisocalendar(int(m[1]), int(m[2]), 1))
        return Period(text, start, start + timedelta(days=7))
    if m := _CUSTOM.match(text):
        first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        if last < first:
            raise ValueError("ends before it starts")
        return Period(text, _utc(first), _utc(last) + timedelta(days=1))
    raise ValueError(text)


def current_month(now: datetime) -> Period:
    return month_period(now.year, now.month)


def days_period(since: date | None, until: date | None, now: datetime) -> Period:
    """From the day `since` to the day `until`, both included; this month without either."""
    if since is None and until is None:
        return current_month(now)
    if since is None or until is None:
        missing = "since" if since is None else "until"
        raise ValidationFailed(
            "give both since and until, or neither", fields={missing: "give both or neither"}
        )
    if until < since:
        raise ValidationFailed(
            "the period ends before it starts", fields={"until": "must not be before since"}
        )
    return parse_period(f"{since.isoformat()}..{until.isoformat()}")


def months_up_to(period: Period, count: int) -> list[Period]:
    """The `count` calendar months up to the one `period` ends in, oldest first."""
    last = period.end - timedelta(microseconds=1)
    first = _shift_months(datetime(last.year, last.month, 1, tzinfo=UTC), 1 - count)
    return [month_period(m.year, m.month) for m in (_shift_months(first, i) for i in range(count))]


# --- time-to-X measures and their statistics -----------------------------------------------


class Measure(StrEnum):
    MTTD = "mttd"
    MTTA = "mtta"
    MTTM = "mttm"
    MTTR = "mttr"
    MTTR_IMPACT = "mttr_impact"

    @property
    def label(self) -> str:
        return LABELS[self]


# measure -> (timestamp it runs from, timestamp it runs to)
SPANS: dict[Measure, tuple[str, str]] = {
    Measure.MTTD: ("impact_started_at", "detected_at"),
    Measure.MTTA: ("detected_at", "acknowledged_at"),
    Measure.MTTM: ("detected_at", "mitigated_at"),
    Measure.MTTR: ("detected_at", "resolved_at"),
    Measure.MTTR_IMPACT: ("impact_started_at", "resolved_at"),
}
LABELS = {
    Measure.MTTD: "time to detect",
    Measure.MTTA: "time to acknowledge",
    Measure.MTTM: "time to mitigate",
    Measure.MTTR: "time to resolve",
    Measure.MTTR_IMPACT: "time to resolve from impact start",
}

Timestamps = Mapping[str, datetime | None]


def duration(times: Timestamps, measure: Measure) -> float | None:
    """Seconds from the measure's start to its end; None while either is unknown."""
    start, end = (times.get(name) for name in SPANS[measure])
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


@dataclass(frozen=True)
class Stats:
    """count, mean, median and 90th percentile (nearest rank) of a set of durations."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


def stats(values: Iterable[float | None]) -> Stats:
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return Stats()
    return Stats(len(ordered), sum(ordered) / len(ordered), median(ordered), p90(ordered))


# --- SLA compliance -------------------------------------------------------------------------


def sla_met(
    target: timedelta | None, start: datetime, end: datetime | None, now: datetime
) -> bool | None:
    """True when the clock stopped within target, False once it ran past the target (stopped
    or not), None when there is no target or the clock is still running within it."""
    if target is None:
        return None
    if end is not None:
        return end - start <= target
    return False if now - start > target else None


def compliance(outcomes: Iterable[bool | None]) -> float | None:
    """The share of decided SLA outcomes that were met; None when none is decided yet."""
    decided = [o for o in outcomes if o is not None]
    return sum(decided) / len(decided) if decided else None


# --- impact windows, availability and MTBF -------------------------------------------------


def clip(windows: Iterable[Window], period: Period) -> list[Window]:
    return merge((max(s, period.start), min(e, period.end)) for s, e in windows)


def subtract(windows: Iterable[Window], holes: Iterable[Window]) -> list[Window]:
    """The parts of `windows` outside every hole."""
    remaining = merge(windows)
    for hole_start, hole_end in merge(holes):
        cut: list[Window] = []
        for start, end in remaining:
            cut.extend(w for w in ((start, min(end, hole_start)), (max(start, hole_end), end)))
        remaining = merge(cut)
    return remaining


@dataclass(frozen=True)
class Uptime:
    measured: timedelta  # the period minus maintenance
    down: timedelta  # impact outside maintenance
    failures: int  # separate outages that began in the period

    @property
    def availability(self) -> float | None:
        if self.measured <= timedelta():
            return None
        return 1 - self.down / self.measured

    @property
    def mtbf(self) -> timedelta | None:
        """Mean time between failures: time up divided by the outages that began."""
        return (self.measured - self.down) / self.failures if self.failures else None


def _uptime(down: Sequence[Window], measured: timedelta, period: Period) -> Uptime:
    began = [start for start, _ in merge(down) if period.start <= start < period.end]
    return Uptime(measured, total(clip(down, period)), len(began))


def uptime(outages: Iterable[Window], maintenance: Iterable[Window], period: Period) -> Uptime:
    """A service's uptime over a period: maintenance is neither up nor down time."""
    maintenance = list(maintenance)
    measured = period.length - total(clip(maintenance, period))
    return _uptime(subtract(outages, maintenance), measured, period)


def journey_uptime(
    services: Mapping[str, tuple[Sequence[Window], Sequence[Window]]], period: Period
) -> Uptime:
    """A journey is down while any of its services is down outside that service's maintenance
    (services: slug -> (outages, maintenance)); it is measured over the whole period."""
    down = [w for outages, planned in services.values() for w in subtract(outages, planned)]
    return _uptime(merge(down), period.length, period)


@dataclass(frozen=True)
class KpiPolicy:
    """The priorities whose impact windows count as downtime."""

    outage_priorities: frozenset[int] = frozenset({1, 2})


DEFAULT_POLICY = KpiPolicy()


@dataclass(frozen=True)
class AvailabilityTargets:
    """Availability targets (fractions of the period up): by service tier, and for the
    services and journeys given their own."""

    by_tier: Mapping[int, float]
    services: Mapping[str, float] = field(default_factory=dict)
    journeys: Mapping[str, float] = field(default_factory=dict)

    def of_service(self, slug: str, tier: int) -> float | None:
        return self.services.get(slug, self.by_tier.get(tier))

    def of_journey(self, slug: str, tiers: Iterable[int]) -> float | None:
        """Its own target, else the target of the tier of its most critical service."""
        if slug in self.journeys:
            return self.journeys[slug]
        return self.by_tier.get(min(tiers, default=0))


DEFAULT_TARGETS = AvailabilityTargets(by_tier={1: 0.9995, 2: 0.999, 3: 0.995, 4: 0.99})


# --- trends ---------------------------------------------------------------------------------


class Better(StrEnum):
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Trend:
    direction: str  # up, down, flat or none (nothing to compare)
    improved: bool | None
    change: float | None  # relative change against the previous value


def trend(current: float | None, previous: float | None, better: Better) -> Trend:
    if current is None or previous is None:
        return Trend("none", None, None)
    if current == previous:
        return Trend("flat", None, 0.0)
    direction = "up" if current > previous else "down"
    improved = (direction == "down") == (better is Better.LOWER)
    change = (current - previous) / abs(previous) if previous else None
    return Trend(direction, improved, change)


# --- on-call load ---------------------------------------------------------------------------


def pages_per_person(pages: Mapping[str, int]) -> float | None:
    """Pages received (distinct incidents a person was paged for) per person paged; None
    while nobody was paged."""
    paged = [n for n in pages.values() if n > 0]
    return sum(paged) / len(paged) if paged else None


# --- the squad scorecard --------------------------------------------------------------------


class Kind(StrEnum):
    COUNT = "count"  # a number of things: the platform average is its total per squad
    RATE = "rate"  # a share, a duration or a ratio: the platform's own figure is its average


@dataclass(frozen=True)
class ScoreLine:
    area: str
    key: str
    label: str
    unit: str  # count, seconds, share or number
    better: Better
    squad: float | None
    platform_average: float | None


@dataclass(frozen=True)
class Figure:
    """One figure of the scorecard: where it belongs and how its platform average is taken."""

    area: str
    key: str
    label: str
    unit: str
    better: Better
    kind: Kind


def platform_average(kind: Kind, platform: float | None, squads: int) -> float | None:
    """A count's platform average is the platform's total divided among its squads; a rate's
    is the platform's own rate."""
    if kind is Kind.RATE or platform is None:
        return platform
    return platform / squads if squads else None


def scorecard(
    figures: Sequence[Figure],
    squad: Mapping[str, float | None],
    platform: Mapping[str, float | None],
    squads: int,
) -> list[ScoreLine]:
    """The squad's figures with the platform average beside each."""
    return [
        ScoreLine(
            f.area,
            f.key,
            f.label,
            f.unit,
            f.better,
            squad.get(f.key),
            platform_average(f.kind, platform.get(f.key), squads),
        )
        for f in figures
    ]
