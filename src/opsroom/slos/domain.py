"""Service level objectives and their error budgets: the window a budget is counted over,
how much of it is spent, how fast it burns, and the multi-window, multi-burn-rate alert
conditions of the SRE workbook. Pure: times in, figures out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from opsroom.incidents.domain import Window, merge, total


class SliKind(StrEnum):
    # Minutes of customer-impacting incident on the service count as bad minutes: the
    # budget of a service that has no metric.
    INCIDENTS = "incidents"
    # The share of good events among all (good/total PromQL counters) from Prometheus.
    RATIO = "ratio"


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
        return f"{self.factor:g}x over {_span(self.long)} and {_span(self.short)}"


def _span(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


# The SRE workbook's table for a 30-day window: 2 % of the budget in an hour or 5 % in six
# hours pages someone; 10 % in a day or in three days opens a ticket.
DEFAULT_CONDITIONS = (
    BurnCondition(14.4, timedelta(hours=1), timedelta(minutes=5), Severity.PAGE),
    BurnCondition(6, timedelta(hours=6), timedelta(minutes=30), Severity.PAGE),
    BurnCondition(3, timedelta(days=1), timedelta(hours=2), Severity.TICKET),
    BurnCondition(1, timedelta(days=3), timedelta(hours=6), Severity.TICKET),
)


def firing(condition: BurnCondition, long_rate: float, short_rate: float) -> bool:
    return long_rate >= condition.factor and short_rate >= condition.factor


def lookbacks(conditions: Sequence[BurnCondition]) -> list[timedelta]:
    """Every window the conditions read, shortest first."""
    return sorted({w for c in conditions for w in (c.long, c.short)})


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
