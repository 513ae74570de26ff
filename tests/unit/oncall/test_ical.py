"""Feeds read back by icalendar and recurring-ical-events; .ics recurrences expanded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from opsroom.infra.errors import ValidationFailed
from opsroom.oncall import ical
from opsroom.oncall.domain import Layer, Schedule

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 10, 19, 9, 0, tzinfo=AMS)


def _feed(since: datetime = START) -> bytes:
    layer = Layer(("alice@example.com", "bob@example.com"), START, "Europe/Amsterdam")
    shifts = Schedule((layer,)).shifts(START, START + timedelta(weeks=3))
    kept = [("identity", s) for s in shifts if s.end > since]
    return ical.export("Identity", "identity", kept, stamp=since)


def test_the_feed_has_one_event_per_shift_in_utc_with_stable_uids() -> None:
    calendar = icalendar.Calendar.from_ical(_feed())
    events = recurring_ical_events.of(calendar).between(START, START + timedelta(weeks=3))
    starts = [e["DTSTART"].dt for e in events]
    assert starts == [
        datetime(2026, 10, 19, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 8, 0, tzinfo=UTC),  # winter time: 09:00 local is 08:00 UTC
        datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
    ]
    assert [str(e["SUMMARY"]) for e in events][:2] == [
        "On call: alice@example.com (identity)",
        "On call: bob@example.com (identity)",
    ]
    later = icalendar.Calendar.from_ical(_feed(since=START + timedelta(days=8)))
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert [str(e["UID"]) for e in later.walk("VEVENT")] == uids[1:]  # same shift, same UID


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//example//EN
BEGIN:VEVENT
UID:weekend@example.com
DTSTART;TZID=Europe/Amsterdam:20261107T090000
DTEND;TZID=Europe/Amsterdam:20261109T090000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Amsterdam:20261114T090000
SUMMARY:dave@example.com
END:VEVENT
BEGIN:VEVENT
UID:party@example.com
DTSTART:20261110T180000Z
DTEND:20261110T200000Z
SUMMARY:Team dinner
END:VEVENT
END:VCALENDAR
"""


def test_an_ics_file_is_read_with_its_recurrences_and_exceptions() -> None:
    shifts = ical.shifts_in(
        ICS, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    )
    assert [(s.person, s.start.astimezone(AMS).date().isoformat(), s.hours) for s in shifts] == [
        ("dave@example.com", "2026-11-07", 48),
        ("dave@example.com", "2026-11-21", 48),
        ("dave@example.com", "2026-11-28", 48),
    ]


def test_a_file_that_is_not_icalendar_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        ical.shifts_in(b"hello", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
