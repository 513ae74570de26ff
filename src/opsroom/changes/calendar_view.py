"""The month grid of the change calendar: weeks of days, each with its changes and freezes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from opsroom.changes import schemas
from opsroom.errors import ValidationFailed


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    changes: list[schemas.ChangeSummary]
    freezes: list[schemas.FreezeRead]


@dataclass(frozen=True)
class Month:
    first: date
    previous: str
    next: str
    weeks: list[list[Day]]
    collisions: dict[str, list[str]]
    freezes: list[schemas.FreezeRead]


def first_of(month: str | None, today: date) -> date:
    if not month:
        return today.replace(day=1)
    year, number = month.split("-")
    try:
        return date(int(year), int(number), 1)
    except ValueError:
        raise ValidationFailed(
            f"no month {month}", fields={"month": "a month as YYYY-MM"}
        ) from None


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _grid_start(first: date) -> date:
    return first - timedelta(days=first.weekday())  # weeks start on Monday


def bounds(first: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The whole weeks shown for the month, from Monday midnight to Monday midnight."""
    start = _grid_start(first)
    end = _grid_start(_next_month(first) - timedelta(days=1)) + timedelta(days=7)
    return datetime.combine(start, time(), zone), datetime.combine(end, time(), zone)


def _on(day: date, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether a window touches the day (it ends just before `end`)."""
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return start.astimezone(zone).date() <= day <= last


def month(first: date, seen: schemas.CalendarRead, zone: ZoneInfo) -> Month:
    start, end = bounds(first, zone)
    days = (end - start).days
    grid = []
    for offset in range(days):
        day = start.date() + timedelta(days=offset)
        grid.append(
            Day(
                day=day,
                in_month=day.month == first.month,
                changes=[c for c in seen.changes if _on(day, c.planned_start, c.planned_end, zone)],
                freezes=[f for f in seen.freezes if f.starts_on <= day <= f.ends_on],
            )
        )
    previous = (first - timedelta(days=1)).replace(day=1)
    return Month(
        first=first,
        previous=previous.strftime("%Y-%m"),
        next=_next_month(first).strftime("%Y-%m"),
        weeks=[grid[i : i + 7] for i in range(0, len(grid), 7)],
        collisions=seen.collisions,
        freezes=seen.freezes,
    )
