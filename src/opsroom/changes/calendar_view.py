"""The change calendar's grid, a month or a week: days, each with its changes and freezes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from opsroom.changes import schemas
from opsroom.infra.errors import ValidationFailed

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Day:
    day: date
    in_period: bool
    changes: list[schemas.ChangeSummary]
    freezes: list[schemas.FreezeRead]


@dataclass(frozen=True)
class Period:
    """What the grid shows: whole weeks from `start` to `end`, the days of `first` to `last`
    belonging to the period; `previous` and `next` are the neighbouring periods' queries."""

    title: str
    first: date
    last: date
    previous: str
    next: str

    @property
    def start(self) -> date:
        return self.first - timedelta(days=self.first.weekday())  # weeks start on Monday

    @property
    def end(self) -> date:
        return self.last + timedelta(days=7 - self.last.weekday())

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return datetime.combine(self.start, time(), zone), datetime.combine(self.end, time(), zone)


@dataclass(frozen=True)
class Grid:
    period: Period
    weeks: list[list[Day]]
    collisions: dict[str, list[str]]
    freezes: list[schemas.FreezeRead]


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def month(value: str | None, today: date) -> Period:
    first = today.replace(day=1)
    if value:
        year, number = value.split("-")
        try:
            first = date(int(year), int(number), 1)
        except ValueError:
            raise ValidationFailed(
                f"no month {value}", fields={"month": "a month as YYYY-MM"}
            ) from None
    following = _next_month(first)
    return Period(
        title=first.strftime("%B %Y"),
        first=first,
        last=following - timedelta(days=1),
        previous=f"month={(first - timedelta(days=1)).strftime('%Y-%m')}",
        next=f"month={following.strftime('%Y-%m')}",
    )


def week(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(
        title=f"week of {monday.strftime('%d %B %Y')}",
        first=monday,
        last=monday + timedelta(days=6),
        previous=f"week={(monday - WEEK).isoformat()}",
        next=f"week={(monday + WEEK).isoformat()}",
    )


def _on(day: date, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether a window touches the day (it ends just before `end`)."""
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return start.astimezone(zone).date() <= day <= last


def grid(period: Period, seen: schemas.CalendarRead, zone: ZoneInfo) -> Grid:
    days = [
        Day(
            day=day,
            in_period=period.first <= day <= period.last,
            changes=[c for c in seen.changes if _on(day, c.planned_start, c.planned_end, zone)],
            freezes=[f for f in seen.freezes if f.starts_on <= day <= f.ends_on],
        )
        for day in (
            period.start + timedelta(days=n) for n in range((period.end - period.start).days)
        )
    ]
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    return Grid(period, weeks, seen.collisions, seen.freezes)
