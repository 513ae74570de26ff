"""Service level objectives and their error budgets: the window a budget is counted over,
how much of it is spent, how fast it burns, and the multi-window, multi-burn-rate alert
conditions of the SRE workbook. Pure: times in, figures out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from opsroom.incidents.domain import Window, merge, total


class SliKind(StrEnum):
    # Minutes of customer-impacting incident on the service count as bad minutes: the
    # budget of a service that has no metric.
    INCIDENTS = "incidents"
    # The share of good events among all: two counters in Prometheus, or pushed counts.
    RATIO = "ratio"
    # The share of events faster than a threshold (latency below X): a Prometheus
    # histogram's bucket at that bound over its count, or pushed counts.
    THRESHOLD = "threshold"


class SliSource(StrEnum):
    INCIDENTS = "incidents"  # opsroom's own incident record
    PROMETHEUS = "prometheus"  # read through its HTTP query API
    PUSHED = "pushed"  # good and total counts per minute sent to opsroom's API


class PrometheusAuth(StrEnum):
    NONE = "none"
    BEARER = "bearer"
    BASIC = "basic"


PROMETHEUS_FIELDS = ("prometheus_url", "good_query", "total_query", "histogram")
AUTH_FIELDS = ("prometheus_username", "prometheus_secret")
# What each SLI needs, by kind and source; any other SLI field it is given is refused.
SLI_NEEDS: dict[tuple[SliKind, SliSource], frozenset[str]] = {
    (SliKind.INCIDENTS, SliSource.INCIDENTS): frozenset(),
    (SliKind.RATIO, SliSource.PROMETHEUS): frozenset(
        {"prometheus_url", "good_query", "total_query"}
    ),
    (SliKind.RATIO, SliSource.PUSHED): frozenset(),
    (SliKind.THRESHOLD, SliSource.PROMETHEUS): frozenset(
        {"prometheus_url", "histogram", "threshold"}
    ),
    (SliKind.THRESHOLD, SliSource.PUSHED): frozenset({"threshold"}),
}
AUTH_NEEDS = {
    PrometheusAuth.NONE: frozenset(),
    PrometheusAuth.BEARER: frozenset({"prometheus_secret"}),
    PrometheusAuth.BASIC: frozenset({"prometheus_username", "prometheus_secret"}),
}
SLI_FIELDS = frozenset({*PROMETHEUS_FIELDS, *AUTH_FIELDS, "threshold"})


def default_source(kind: SliKind) -> SliSource:
    return SliSource.INCIDENTS if kind is SliKind.INCIDENTS else SliSource.PROMETHEUS


def sli_problems(
    kind: SliKind, source: SliSource, auth: PrometheusAuth, given: Mapping[str, bool]
) -> dict[str, str]:
    """Field -> what is wrong, for an SLI of `kind` read from `source` given these fields
    (name -> whether it has a value)."""
    needs = SLI_NEEDS.get((kind, source))
    if needs is None:
        return {"source": f"{_named(kind)} is not read from {source}"}
    if "prometheus_url" in needs:
        needs |= AUTH_NEEDS[auth]
    elif auth is not PrometheusAuth.NONE:
        return {"prometheus_auth": "only for an SLI read from Prometheus"}
    sli = _named(kind) if kind is SliKind.INCIDENTS else f"{_named(kind)} from {source}"
    missing = {f: f"required for {sli}" for f in needs if not given.get(f)}
    extra = {f: f"not read by {sli}" for f in SLI_FIELDS - needs if given.get(f)}
    return missing | extra


def _named(kind: SliKind) -> str:
    return "an incident SLI" if kind is SliKind.INCIDENTS else f"a {kind} SLI"


def _le_spellings(bound: float) -> list[str]:
    """How exporters write a bucket's bound: Go's clients `1`, Python's `1.0`."""
    spelled = repr(float(bound))
    return sorted({spelled, spelled.removesuffix(".0")})


def histogram_counters(histogram: str, threshold: float) -> tuple[str, str]:
    """A Prometheus histogram (`name{matchers}`) as a threshold SLI's good and total
    counters: its bucket bounded by the threshold, and its count."""
    name, _, rest = histogram.partition("{")
    matchers = rest.rstrip().removesuffix("}").strip().rstrip(",")
    bound = "|".join(re.escape(s) for s in _le_spellings(threshold)).replace("\\", "\\\\")
    good = ", ".join(m for m in (matchers, f'le=~"{bound}"') if m)
    total = f"{name.strip()}_count{{{matchers}}}" if matchers else f"{name.strip()}_count"
    return f"{name.strip()}_bucket{{{good}}}", total


@dataclass(frozen=True)
class Count:
    """Pushed counts: the good and all events in the minute starting at `minute`."""

    minute: datetime
    good: int
    total: int


def count_problems(
    counts: Sequence[Count], stored: Mapping[datetime, Count], now: datetime
) -> dict[str, str]:
    """Field (`counts.N`) -> why the N-th count is refused. A minute's counts may be sent
    again as they grow, never lower than before: a counter does not go backwards."""
    problems: dict[str, str] = {}
    seen: set[datetime] = set()
    for n, count in enumerate(counts):
        problem = _count_problem(count, stored.get(count.minute), now, seen)
        if problem:
            problems[f"counts.{n}"] = problem
        seen.add(count.minute)
    return problems


def _count_problem(
    count: Count, before: Count | None, now: datetime, seen: set[datetime]
) -> str | None:
    if count.good > count.total:
        return f"good ({count.good}) is more than total ({count.total})"
    if count.minute.second or count.minute.microsecond:
        return "minute must start on a whole minute"
    if count.minute > now:
        return "minute is in the future"
    if count.minute in seen:
        return "minute is sent twice"
    if before and (count.good < before.good or count.total < before.total):
        return f"counts go backwards (were {before.good} good of {before.total})"
    return None


def bad_share(good: float, total: float) -> float:
    """The share of bad events; none when nothing happened."""
    return 1 - good / total if total else 0.0


class BudgetWindow(StrEnum):
    ROLLING_28D = "28d"
    ROLLING_30D = "30d"
    CALENDAR_MONTH = "month"


ROLLING_DAYS = {BudgetWindow.ROLLING_28D: 28, BudgetWindow.ROLLING_30D: 30}


def _month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def window_span(window: BudgetWindow, now: datetime) -> Window:
    """The stretch a budget is counted over at `now`: the last 28 or 30 days, or the whole
    calendar month (UTC) that `now` falls in."""
    if window is BudgetWindow.CALENDAR_MONTH:
        start = _month_start(now)
        return start, _month_start(start + timedelta(days=32))
    return now - timedelta(days=ROLLING_DAYS[window]), now


def error_rate(objective: float) -> float:
    """The share of time an objective in percent allows to be bad (99.9 -> 0.001)."""
    return 1 - objective / 100


def bad_time(windows: Iterable[Window], start: datetime, end: datetime) -> timedelta:
    """How much of [start, end) the (possibly overlapping) bad windows cover."""
    return total((max(s, start), min(e, end)) for s, e in windows)


@dataclass(frozen=True)
class Budget:
    allowed: timedelta  # the bad time the objective allows over the whole window
    spent: timedelta

    @property
    def remaining(self) -> float:
        """The share of the budget left; negative once overspent."""
        return 1 - self.spent / self.allowed if self.allowed else 0.0

    @property
    def shown(self) -> float:
        """What a person is shown: nothing left, never less."""
        return max(0.0, self.remaining)

    @property
    def exhausted(self) -> bool:
        return self.spent >= self.allowed


def budget(objective: float, span: Window, spent: timedelta) -> Budget:
    start, end = span
    return Budget((end - start) * error_rate(objective), spent)


def burn_rate(bad: timedelta, lookback: timedelta, objective: float) -> float:
    """How many times faster than the objective allows the budget burned over `lookback`:
    1 spends exactly the whole budget by the end of the window."""
    return (bad / lookback) / error_rate(objective)


def time_to_exhaustion(left: Budget, rate: float, objective: float) -> timedelta | None:
    """How long until the budget is gone if it keeps burning at `rate`; None when it is not
    burning at all."""
    if left.exhausted:
        return timedelta()
    if rate <= 0:
        return None
    return (left.allowed - left.spent) / (rate * error_rate(objective))


def consumed(rate: float, lookback: timedelta, window: timedelta) -> float:
    """The share of a window's budget that burning at `rate` for `lookback` spends."""
    return rate * (lookback / window)


class Severity(StrEnum):
    PAGE = "page"
    TICKET = "ticket"


@dataclass(frozen=True)
class BurnCondition:
    """Fires when the budget burned at least `factor` times too fast over both the long
    window (it matters) and the short one (it is still happening)."""

    factor: float
    long: timedelta
    short: timedelta
    severity: Severity

    @property
    def name(self) -> str:
        return f"{self.factor:g}x over {spelled(self.long)} and {spelled(self.short)}"


_DURATION = re.compile(r"^(\d+)([smhdwMQY])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration(text: str) -> timedelta:
    """A duration as OpenSLO writes it (`5m`, `1h`, `28d`, `2w`), of fixed length."""
    found = _DURATION.match(text)
    if not found or found[2] not in _UNITS:
        raise ValueError(f"'{text}' is not a duration such as 5m, 1h or 28d")
    return timedelta(seconds=int(found[1]) * _UNITS[found[2]])


def spelled(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


# The SRE workbook's table for a 30-day window: 2 % of the budget in an hour or 5 % in six
# hours pages someone; 10 % in a day or in three days opens a ticket.
DEFAULT_CONDITIONS: tuple[BurnCondition, ...] = (
    BurnCondition(14.4, timedelta(hours=1), timedelta(minutes=5), Severity.PAGE),
    BurnCondition(6, timedelta(hours=6), timedelta(minutes=30), Severity.PAGE),
    BurnCondition(3, timedelta(days=1), timedelta(hours=2), Severity.TICKET),
    BurnCondition(1, timedelta(days=3), timedelta(hours=6), Severity.TICKET),
)


# Budgets are evaluated for burn-rate alerts this often: no condition reads a shorter window,
# so a page comes within its short window.
EVALUATE_EVERY = timedelta(minutes=5)
# Time to exhaustion is told from the last hour's burn, whatever the conditions read.
HOUR = timedelta(hours=1)


def firing(condition: BurnCondition, long_rate: float, short_rate: float) -> bool:
    return long_rate >= condition.factor and short_rate >= condition.factor


def lookbacks(conditions: Sequence[BurnCondition]) -> list[timedelta]:
    """Every window the conditions read, and the hour, shortest first."""
    return sorted({HOUR, *(w for c in conditions for w in (c.long, c.short))})


def burn_rates(
    windows: Sequence[Window], now: datetime, objective: float, spans: Iterable[timedelta]
) -> dict[timedelta, float]:
    return {span: burn_rate(bad_time(windows, now - span, now), span, objective) for span in spans}


def burn_down(
    windows: Sequence[Window], span: Window, now: datetime, allowed: timedelta, points: int
) -> list[tuple[datetime, float]]:
    """The share of the budget left at `points` even moments from the window's start to
    `now` (or its end, if sooner)."""
    start, end = span
    last = min(now, end)
    step = (last - start) / max(points - 1, 1)
    merged = merge(windows)
    moments = [start + step * n for n in range(points)]
    return [(m, 1 - bad_time(merged, start, m) / allowed if allowed else 0.0) for m in moments]
