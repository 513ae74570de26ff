"""iCalendar (RFC 5545) feeds of on-call shifts, and shifts read from an .ics file with its
recurrences (RRULE, RDATE, EXDATE) expanded. Pure: bytes in, bytes out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import icalendar
import recurring_ical_events

from opsroom.infra.errors import ValidationFailed
from opsroom.oncall.domain import Shift

PRODID = "-//opsroom//on-call//EN"


def _uid(feed: str, shift: Shift) -> str:
    """Stable across exports: the same shift keeps its UID, so calendars update in place."""
    return f"{feed}-{shift.person}-{shift.start.astimezone(UTC):%Y%m%dT%H%M%SZ}@opsroom"


def export(name: str, feed: str, shifts: Iterable[tuple[str, Shift]], *, stamp: datetime) -> bytes:
    """One VEVENT per (schedule, shift); gaps are left out."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for schedule, shift in shifts:
        if shift.person is None:
            continue
        event = icalendar.Event()
        event.add("uid", _uid(feed, shift))
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        event.add("summary", f"On call: {shift.person} ({schedule})")
        event.add("attendee", f"mailto:{shift.person}")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _person(event: icalendar.Event) -> str | None:
    attendee = event.get("attendee")
    if isinstance(attendee, list):
        attendee = attendee[0] if attendee else None
    if attendee is not None and str(attendee).lower().startswith("mailto:"):
        return str(attendee)[7:]
    summary = str(event.get("summary", "")).strip()
    return summary if "@" in summary and " " not in summary else None


def _aware(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def shifts_in(data: bytes, start: datetime, end: datetime) -> list[Shift]:
    """Every occurrence between start and end of an event naming a person (ATTENDEE mailto:
    or an email as SUMMARY)."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationFailed(
            "this is not an iCalendar file I can read", fields={"ics": str(exc)[:200]}
        ) from None
    found = []
    for event in occurrences:
        person = _person(event)
        if person is not None:
            found.append(Shift(person, _aware(event["DTSTART"].dt), _aware(event["DTEND"].dt)))
    return sorted(found, key=lambda s: s.start)
