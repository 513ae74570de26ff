"""iCalendar: schedules and people as subscribable feeds, and schedules imported from .ics."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.oncall import domain, schemas
from opsroom.oncall.access import require_squad_rights
from opsroom.oncall.models import OnCallFeed, OnCallOverride, OnCallSchedule
from opsroom.oncall.schedules import create_schedule, get_schedule, list_schedules, schedule_rule

SCHEDULE_FEED, PERSON_FEED = "schedule", "person"
# Who reads a feed through its secret URL (a calendar application, signed in as nobody).
FEED_READER = Principal(name="calendar feed", role=Role.VIEWER, via="feed")

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


# --- secret feed URLs ---------------------------------------------------------------------


def _nonce(session: Session, kind: str, key: str) -> str:
    query = select(OnCallFeed.nonce).where(OnCallFeed.kind == kind, OnCallFeed.key == key)
    return session.scalar(query) or ""


def _secret(session: Session) -> str:
    return settings_of(session).signing_secret.get_secret_value()


def feed_token(session: Session, *, kind: str, key: str) -> str:
    """The token a subscribe URL carries, derived, never stored."""
    return domain.feed_token(_secret(session), kind=kind, key=key, nonce=_nonce(session, kind, key))


def feed_reader(session: Session, *, kind: str, key: str, token: str) -> Principal:
    """Who reads a feed by its URL's token; a wrong or rotated token gets 404, as if there
    were no such feed, so a URL cannot be probed."""
    secret, nonce = _secret(session), _nonce(session, kind, key)
    if not domain.feed_token_matches(secret, kind=kind, key=key, nonce=nonce, token=token):
        raise NotFound("no such calendar feed")
    return FEED_READER


def rotate_feed_token(session: Session, *, actor: Principal, kind: str, key: str) -> str:
    """A new token for a feed: every earlier subscribe URL stops working. Returns the token."""
    if kind == SCHEDULE_FEED:
        schedule = get_schedule(session, actor=actor, slug=key)
        require_squad_rights(session, actor, schedule.squad_slug)
    else:
        require(actor, Action.SELF_SERVICE if actor.name == key else Action.ADMINISTER)
    query = select(OnCallFeed).where(OnCallFeed.kind == kind, OnCallFeed.key == key)
    feed = session.scalar(query) or OnCallFeed(kind=kind, key=key)
    feed.nonce, feed.rotated_at = secrets.token_urlsafe(24), clock.now()
    session.add(feed)
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="calendar_feed.rotated",
        subject_type=kind,
        subject_key=key,
        after={"feed": kind},
    )
    return feed_token(session, kind=kind, key=key)
