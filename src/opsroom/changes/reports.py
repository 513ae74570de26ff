"""Looking across changes: the calendar with its freezes and collisions, the figures
(volume, success, DORA change failure rate) and the iCal feed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.changes import domain, governance, schemas
from opsroom.changes.assessment import collisions, overlapping, planned
from opsroom.changes.domain import Status
from opsroom.changes.models import Change
from opsroom.changes.records import summary
from opsroom.infra import clock
from opsroom.infra.errors import ValidationFailed

# What a calendar shows: everything past the draft, except what was turned down.
ON_CALENDAR = sorted(set(Status) - {Status.DRAFT, Status.REJECTED})
# What the iCal feed publishes: changes cleared to run, and those that ran.
APPROVED = sorted(set(Status) - {Status.DRAFT, Status.SUBMITTED, Status.REJECTED})
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=400)
MAX_RANGE = timedelta(days=62)

GroupBy = Literal["service", "squad", "month", "type", "vendor"]


def calendar(
    session: Session,
    *,
    actor: Principal,
    start: datetime,
    end: datetime,
    service: str | None = None,
    squad: str | None = None,
    journey: str | None = None,
) -> schemas.CalendarRead:
    """Changes and freezes over [start, end), and which active changes collide."""
    require(actor, Action.READ)
    if not timedelta(0) < end - start <= MAX_RANGE:
        raise ValidationFailed(
            "a calendar spans up to two months", fields={"end": "after start, within 62 days"}
        )
    shown = overlapping(
        session, start, end, ON_CALENDAR, service=service, squad=squad, journey=journey
    )
    active = [c for c in shown if c.status in domain.ACTIVE]
    clashes = {c.key: [x.change for x in collisions(session, planned(c), active)] for c in active}
    return schemas.CalendarRead(
        start=start,
        end=end,
        changes=[summary(c) for c in shown],
        freezes=[
            governance.read_freeze(session, f)
            for f in governance.list_freezes(session, actor=actor, start=start, end=end)
        ],
        collisions={key: keys for key, keys in clashes.items() if keys},
    )


def _groups(change: Change, by: GroupBy) -> Iterable[str]:
    if by == "service":
        return change.service_slugs
    if by == "squad":
        return [change.squad]
    if by == "month":
        return [change.planned_start.strftime("%Y-%m")]
    if by == "vendor":
        return [change.vendor] if change.vendor else []
    return [change.type]


def figures(
    session: Session, *, actor: Principal, since: datetime, until: datetime, by: GroupBy = "month"
) -> list[schemas.FiguresRead]:
    """Per group, over changes planned to start in [since, until)."""
    require(actor, Action.READ)
    return _figures(session, since, until, by)


def figures_of_vendor(
    session: Session, *, actor: Principal, vendor: str, since: datetime, until: datetime
) -> schemas.FiguresRead:
    """The changes `vendor` made, planned to start in [since, until): how many, how many of
    them failed, and the rates (for its scorecard, which its own contacts read too)."""
    require(actor, Action.READ, vendor=vendor)
    found = [f for f in _figures(session, since, until, "vendor") if f.group == vendor]
    return found[0] if found else _read(domain.Figures(vendor, 0, 0, 0, 0, 0, 0))


def _figures(
    session: Session, since: datetime, until: datetime, by: GroupBy
) -> list[schemas.FiguresRead]:
    if until <= since:
        raise ValidationFailed("until comes before since", fields={"until": "must be after since"})
    shown = overlapping(session, since, until, ON_CALENDAR)
    outcomes = [
        domain.Outcome(group, domain.ChangeType(c.type), Status(c.status), c.in_freeze, c.failed)
        for c in shown
        if since <= c.planned_start < until
        for group in _groups(c, by)
    ]
    return [_read(f) for f in domain.figures(outcomes)]


def _read(f: domain.Figures) -> schemas.FiguresRead:
    return schemas.FiguresRead(
        **vars(f),
        success_rate=f.success_rate,
        change_failure_rate=f.change_failure_rate,
        emergency_share=f.emergency_share,
    )


def ical(session: Session, *, actor: Principal, base_url: str) -> bytes:
    """Approved changes and freezes from three months back to a year ahead, as iCalendar."""
    require(actor, Action.READ)
    now = clock.now()
    feed = Calendar()
    feed.add("prodid", "-//opsroom//changes//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", "opsroom changes and freezes")
    for change in overlapping(session, now - FEED_PAST, now + FEED_AHEAD, APPROVED):
        feed.add_component(_change_event(change, base_url, now))
    for freeze in governance.list_freezes(
        session, actor=actor, start=now - FEED_PAST, end=now + FEED_AHEAD
    ):
        feed.add_component(_freeze_event(governance.read_freeze(session, freeze), now))
    return bytes(feed.to_ical())


def _change_event(change: Change, base_url: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"{change.key}@opsroom")
    event.add("dtstamp", now)
    event.add("dtstart", change.planned_start)
    event.add("dtend", change.planned_end)
    event.add("summary", f"{change.key} {change.title}")
    event.add(
        "description",
        f"{change.type} change, {change.risk_level} risk, {change.status.replace('_', ' ')}; services: {', '.join(change.service_slugs)}",
    )
    event.add("url", f"{base_url.rstrip('/')}/changes/{change.key}")
    event.add("categories", ["change", change.risk_level])
    return event


def _freeze_event(freeze: schemas.FreezeRead, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"freeze-{freeze.slug}@opsroom")
    event.add("dtstamp", now)
    event.add("dtstart", freeze.starts_on)
    event.add("dtend", freeze.ends_on + timedelta(days=1))  # all-day events end the day after
    event.add("summary", f"Change freeze: {freeze.name}")
    event.add(
        "description",
        freeze.reason
        or "Only emergency changes, or exceptions approved by the operations manager.",
    )
    event.add("categories", ["freeze"])
    return event
