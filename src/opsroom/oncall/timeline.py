"""A schedule's coming days drawn as bars: each layer's own rotation (highest first), the
overrides, and the final rota they make, from local midnight today in the schedule's zone."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal
from opsroom.infra import clock
from opsroom.infra.errors import ValidationFailed
from opsroom.oncall import domain
from opsroom.oncall.schedules import get_schedule, schedule_rule

LONGEST = 28  # days one timeline shows at most


@dataclass(frozen=True)
class Row:
    label: str
    kind: str  # layer, overrides or final
    bars: list[domain.Bar]


@dataclass(frozen=True)
class Timeline:
    schedule: str
    name: str
    zone: str
    days: list[tuple[str, domain.Bar]]  # each local day, labelled in the schedule's zone
    rows: list[Row]
    now: float  # where now falls, in percent of the window
    people: list[str]  # everyone on it, in a stable order (for their colours)


def timeline(session: Session, *, actor: Principal, slug: str, days: int = 7) -> Timeline:
    if not 1 <= days <= LONGEST:
        raise ValidationFailed(f"show 1 to {LONGEST} days", fields={"days": "out of range"})
    schedule = get_schedule(session, actor=actor, slug=slug)
    tz = ZoneInfo(schedule.zone)
    today = clock.now().astimezone(tz).date()
    midnights = domain.local_days(today, days, schedule.zone)
    start, end = midnights[0], midnights[-1]
    rule = schedule_rule(schedule)
    layers = [
        Row(
            f"Layer {layer.rank}" + (f" · {layer.name}" if layer.name else ""),
            "layer",
            domain.place(domain.Schedule((rule.layers[n],)).shifts(start, end), start, end),
        )
        for n, layer in enumerate(schedule.layers)
    ]
    overrides = [domain.Shift(o.person, o.start, o.end) for o in rule.overrides]
    rows = [
        *reversed(layers),
        Row("Overrides", "overrides", domain.place(overrides, start, end)),
        Row("Final rota", "final", domain.place(rule.shifts(start, end), start, end)),
    ]
    day_shifts = [domain.Shift(None, a, b) for a, b in pairwise(midnights)]
    now = domain.place([domain.Shift(None, start, clock.now())], start, end)
    return Timeline(
        schedule=schedule.slug,
        name=schedule.name,
        zone=schedule.zone,
        days=[
            (f"{d.start.astimezone(tz):%a %d %b}", d) for d in domain.place(day_shifts, start, end)
        ],
        rows=rows,
        now=now[0].width if now else 0.0,
        people=sorted({b.person for row in rows for b in row.bars if b.person}),
    )
