"""Who is on call when: rotations across daylight-saving changes, restrictions, overrides."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsroom.infra.errors import ValidationFailed
from opsroom.oncall.domain import (
    BUSINESS_HOURS,
    Answer,
    Bar,
    Layer,
    Override,
    Restriction,
    Schedule,
    Shift,
    ShiftUnit,
    by_day,
    fairness,
    gaps,
    local_days,
    next_shifts,
    next_working_time,
    place,
)

AMS = ZoneInfo("Europe/Amsterdam")


def weekly(*people: str, start: datetime | None = None) -> Layer:
    return Layer(
        participants=people,
        start=start or datetime(2026, 10, 19, 9, 0, tzinfo=AMS),
        zone="Europe/Amsterdam",
    )


def test_weekly_rotation_hands_off_at_nine_local_across_the_autumn_clock_change() -> None:
    layer = weekly("alice", "bob")
    # 25 October 2026: clocks go back; the hand-off on Monday 26 October stays at 09:00 local.
    handoff = datetime(2026, 10, 26, 9, 0, tzinfo=AMS)
    assert handoff.utcoffset() == timedelta(hours=1)
    assert layer.on_call(handoff - timedelta(seconds=1)) == "alice"
    assert layer.on_call(handoff) == "bob"
    assert layer.on_call(datetime(2026, 11, 2, 9, 0, tzinfo=AMS)) == "alice"


def test_daily_rotation_keeps_wall_clock_hand_off_in_spring() -> None:
    layer = Layer(
        participants=("a", "b", "c"),
        start=datetime(2026, 3, 27, 8, 0, tzinfo=AMS),
        zone="Europe/Amsterdam",
        unit=ShiftUnit.DAYS,
    )
    shifts = Schedule((layer,)).shifts(
        datetime(2026, 3, 27, 8, 0, tzinfo=AMS), datetime(2026, 3, 30, 8, 0, tzinfo=AMS)
    )
    assert [(s.person, s.start.astimezone(AMS).hour) for s in shifts] == [
        ("a", 8),
        ("b", 8),
        ("c", 8),
    ]
    assert [s.hours for s in shifts] == [24, 23, 24]  # 29 March is 23 hours long


def test_hour_shifts_are_exact_durations() -> None:
    layer = Layer(
        participants=("a", "b"),
        start=datetime(2026, 10, 24, 20, 0, tzinfo=AMS),
        zone="Europe/Amsterdam",
        length=12,
        unit=ShiftUnit.HOURS,
    )
    start = layer.start.astimezone(UTC)
    shifts = Schedule((layer,)).shifts(start, start + timedelta(hours=36))
    assert [s.hours for s in shifts] == [12, 12, 12]


def test_nobody_is_on_call_before_a_rotation_starts() -> None:
    layer = weekly("alice")
    assert layer.on_call(layer.start - timedelta(minutes=1)) is None


def test_restricted_layer_leaves_gaps_outside_business_hours() -> None:
    layer = Layer(
        participants=("alice",),
        start=datetime(2026, 11, 2, 0, 0, tzinfo=AMS),
        zone="Europe/Amsterdam",
        restrictions=(BUSINESS_HOURS,),
    )
    monday = datetime(2026, 11, 2, tzinfo=AMS)
    shifts = Schedule((layer,)).shifts(monday, monday + timedelta(days=1))
    assert [(s.person, s.start.astimezone(AMS).hour, s.hours) for s in shifts] == [
        (None, 0, 9),
        ("alice", 9, 8),
        (None, 17, 7),
    ]


def test_higher_layer_wins_and_lower_layer_fills_its_gaps() -> None:
    base = weekly("alice", "bob")
    days = Layer(
        participants=("carol",),
        start=datetime(2026, 10, 19, 0, 0, tzinfo=AMS),
        zone="Europe/Amsterdam",
        restrictions=(BUSINESS_HOURS,),
    )
    schedule = Schedule((base, days))
    assert schedule.on_call(datetime(2026, 11, 3, 10, 0, tzinfo=AMS)) == "carol"
    assert schedule.on_call(datetime(2026, 11, 3, 20, 0, tzinfo=AMS)) == "alice"


def test_overrides_win_over_every_layer_and_the_latest_override_wins() -> None:
    at = datetime(2026, 11, 3, 10, 0, tzinfo=AMS)
    schedule = Schedule(
        (weekly("alice"),),
        (
            Override("dave", at - timedelta(hours=1), at + timedelta(hours=1)),
            Override("erin", at, at + timedelta(minutes=30)),
        ),
    )
    assert schedule.on_call(at) == "erin"
    assert schedule.on_call(at + timedelta(minutes=30)) == "dave"
    assert schedule.on_call(at + timedelta(hours=1)) == "alice"


def test_the_answer_names_the_override_or_layer_that_decides_it() -> None:
    at = datetime(2026, 11, 3, 10, 0, tzinfo=AMS)
    days = Layer(
        participants=("carol",),
        start=datetime(2026, 10, 19, 0, 0, tzinfo=AMS),
        zone="Europe/Amsterdam",
        restrictions=(BUSINESS_HOURS,),
    )
    cover = Override("dave", at, at + timedelta(hours=1))
    schedule = Schedule((weekly("alice", "bob"), days), (cover,))
    assert schedule.answer(at) == Answer("dave", override=0)
    assert schedule.answer(at + timedelta(hours=1)) == Answer("carol", layer=1)
    assert schedule.answer(at + timedelta(hours=10)) == Answer("alice", layer=0)
    assert Schedule((days,)).answer(at + timedelta(hours=10)) == Answer(None)


def test_gaps_and_next_shifts() -> None:
    start = datetime(2026, 10, 26, 9, 0, tzinfo=AMS)
    schedule = Schedule((weekly("alice", "bob", start=start + timedelta(days=1)),))
    shifts = schedule.shifts(start, start + timedelta(weeks=3))
    assert [(g.start, g.hours) for g in gaps(shifts)] == [(start, 24)]
    assert [s.person for s in next_shifts(shifts, "alice")] == ["alice", "alice"]


def test_fairness_counts_hours_off_hours_and_pages() -> None:
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=AMS)
    shifts = Schedule((weekly("alice", "bob", start=monday),)).shifts(
        monday, monday + timedelta(weeks=2)
    )
    loads = {load.person: load for load in fairness(shifts, "Europe/Amsterdam", pages={"bob": 3})}
    assert loads["alice"].shifts == 1
    assert loads["alice"].hours == 168
    assert loads["alice"].off_hours == 168 - 5 * 8
    assert loads["bob"].pages == 3


def test_next_working_time_waits_for_monday_morning() -> None:
    saturday = datetime(2026, 11, 7, 3, 0, tzinfo=UTC)
    assert next_working_time(saturday, "Europe/Amsterdam") == datetime(
        2026, 11, 9, 9, 0, tzinfo=AMS
    )
    tuesday = datetime(2026, 11, 3, 10, 0, tzinfo=AMS)
    assert next_working_time(tuesday, "Europe/Amsterdam") == tuesday


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participants": ()}, "participants"),
        ({"length": 0}, "length"),
        ({"zone": "Mars/Olympus"}, "zone"),
        ({"restrictions": (Restriction(frozenset({1}), time(17), time(9)),)}, "restrictions"),
    ],
)
def test_unusable_rotations_are_refused_with_the_field_named(
    changes: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {
        "participants": ("a",),
        "start": datetime(2026, 1, 1, tzinfo=UTC),
        "zone": "UTC",
    } | changes
    with pytest.raises(ValidationFailed) as caught:
        Layer(**values)  # type: ignore[arg-type]
    assert field in caught.value.fields


ZONES = st.sampled_from(["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "UTC"])


@settings(max_examples=150, deadline=None)
@given(
    zone=ZONES,
    people=st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4),
    length=st.integers(1, 3),
    unit=st.sampled_from(list(ShiftUnit)),
    start_offset=st.integers(0, 365 * 24),
    probe=st.integers(0, 60 * 24 * 120),
)
def test_a_gap_free_layer_has_exactly_one_person_on_call_at_every_instant(
    zone: str, people: list[str], length: int, unit: ShiftUnit, start_offset: int, probe: int
) -> None:
    start = datetime(2025, 1, 1, 9, 0, tzinfo=ZoneInfo(zone)) + timedelta(hours=start_offset)
    layer = Layer(tuple(people), start, zone, length=length, unit=unit)
    at = start.astimezone(UTC) + timedelta(minutes=probe)  # an instant, never in a DST gap
    k = layer.shift_index(at)
    assert layer.boundary(k) <= at < layer.boundary(k + 1)
    assert layer.on_call(at) == people[k % len(people)]
    window = Schedule((layer,)).shifts(at, at + timedelta(days=10))
    assert gaps(window) == []
    assert all(a.end == b.start for a, b in itertools.pairwise(window))
    assert window[0].start == at and window[-1].end == at + timedelta(days=10)


def test_calendar_rows_cut_shifts_at_local_midnight() -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=AMS)
    shifts = Schedule((weekly("alice", "bob", start=start),)).shifts(
        start, start + timedelta(days=2)
    )
    rows = by_day(shifts, "Europe/Amsterdam")
    assert [(day.day, [(s.person, s.hours) for s in cut]) for day, cut in rows] == [
        (2, [("alice", 15)]),
        (3, [("alice", 24)]),
        (4, [("alice", 9)]),
    ]


@pytest.mark.parametrize(
    ("text", "weekdays", "window"),
    [
        ("0-4@09:00-17:00", [0, 1, 2, 3, 4], "09:00-17:00"),
        ("1,3@20:00-00:00", [1, 3], "20:00-00:00"),
    ],
)
def test_a_restriction_is_read_from_text_and_written_back(
    text: str, weekdays: list[int], window: str
) -> None:
    from opsroom.oncall.domain import restriction_from_text, restriction_text

    parsed = restriction_from_text(text)
    assert (parsed["weekdays"], f"{parsed['start']}-{parsed['end']}") == (weekdays, window)
    start, end = (time.fromisoformat(t) for t in window.split("-"))
    assert restriction_text(weekdays, start, end) == text
    with pytest.raises(ValidationFailed) as refused:
        restriction_from_text("weekdays@9-5")
    assert list(refused.value.fields) == ["restrictions"]


def test_the_timeline_places_shifts_in_percent_of_its_window_cut_to_it() -> None:
    start = datetime(2026, 11, 2, tzinfo=UTC)
    end = start + timedelta(days=4)
    shifts = [
        Shift("alice", start - timedelta(days=1), start + timedelta(days=1)),
        Shift(None, start + timedelta(days=1), start + timedelta(days=2)),
        Shift("bob", start + timedelta(days=2), end + timedelta(days=3)),
        Shift("carol", end, end + timedelta(days=1)),
    ]
    assert place(shifts, start, end) == [
        Bar("alice", start, start + timedelta(days=1), 0, 25),
        Bar(None, start + timedelta(days=1), start + timedelta(days=2), 25, 25),
        Bar("bob", start + timedelta(days=2), end, 50, 50),
    ]


def test_local_days_start_at_local_midnight_across_the_clock_change() -> None:
    days = local_days(date(2026, 10, 24), 2, "Europe/Amsterdam")
    assert [d.astimezone(AMS).hour for d in days] == [0, 0, 0]
    assert [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(days)] == [24, 25]
