"""iCalendar: schedules and people as subscribable feeds, and schedules imported from .ics."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from opsroom import clock
from opsroom.auth.domain import Principal
from opsroom.errors import ValidationFailed
from opsroom.oncall import domain, schemas
from opsroom.oncall.models import OnCallOverride, OnCallSchedule
from opsroom.oncall.schedules import create_schedule, get_schedule, list_schedules, schedule_rule

# --- iCalendar --------------------------------------------------------------------------

# A feed starts this far back, so the shift under way keeps its start (and so its UID).
FEED_LOOKBACK = timedelta(days=35)


def _feed_shifts(
    schedule: OnCallSchedule, now: datetime, days: int
) -> list[tuple[str, domain.Shift]]:
    shifts = schedule_rule(schedule).shifts(now - FEED_LOOKBACK, now + timedelta(days=days))
    return [(schedule.slug, s) for s in shifts if s.end > now]


def schedule_feed(session: Session, *, actor: Principal, slug: str, days: int = 90) -> bytes:
    from opsroom.oncall import ical  # the calendar libraries load on first use, not at start-up

    schedule = get_schedule(session, actor=actor, slug=slug)
    now = clock.now()
    return ical.export(schedule.name, slug, _feed_shifts(schedule, now, days), stamp=now)


def person_feed(session: Session, *, actor: Principal, person: str, days: int = 90) -> bytes:
    from opsroom.oncall import ical

    now = clock.now()
    shifts = [
        (slug, s)
        for schedule in list_schedules(session, actor=actor)
        for slug, s in _feed_shifts(schedule, now, days)
        if s.person == person
    ]
    return ical.export(f"On call: {person}", person, shifts, stamp=now)


def import_schedule(
    session: Session, *, actor: Principal, data: schemas.ScheduleImport
) -> OnCallSchedule:
    """A schedule whose shifts come from an .ics file: each occurrence in the coming days
    becomes an override (recurrences expanded, exceptions honoured)."""
    from opsroom.oncall import ical

    now = clock.now()
    shifts = ical.shifts_in(data.ics.encode(), now, now + timedelta(days=data.days))
    if not shifts:
        raise ValidationFailed(
            "the file names nobody on call in that period",
            fields={"ics": "no events with an attendee or an email as summary"},
        )
    create = schemas.ScheduleCreate(
        slug=data.slug, name=data.name, squad=data.squad, zone=data.zone
    )
    schedule = create_schedule(session, actor=actor, data=create)
    schedule.overrides.extend(
        OnCallOverride(
            person=s.person or "",
            start=s.start,
            end=s.end,
            reason="imported",
            created_by=str(actor),
        )
        for s in shifts
    )
    session.flush()
    return schedule
