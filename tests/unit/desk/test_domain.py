"""The service desk's pure rules: SLA deadlines in business hours (across DST changes and
holidays), the ticket's life and the CSAT figure."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.desk import domain
from opsroom.desk.domain import BusinessHours, Priority, Status, Transition
from opsroom.infra.errors import InvalidTransition, ValidationFailed

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HOURS = BusinessHours()
# Both of 2026's DST changes in Amsterdam (29 March, 25 October) and 2027's lie in here.
MOMENTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
MINUTES = st.integers(min_value=1, max_value=6 * domain.DAY)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


def test_a_target_running_past_closing_time_continues_next_business_morning() -> None:
    friday_evening = local(2026, 11, 6, 17, 30)
    assert domain.deadline(friday_evening, 60, HOURS) == local(2026, 11, 9, 8, 30)


def test_the_weekend_of_the_spring_dst_change_costs_no_business_time() -> None:
    friday = local(2026, 3, 27, 17, 0)  # 16:00 UTC; Monday opens at 06:00 UTC (CEST)
    assert domain.deadline(friday, 120, HOURS) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_a_ticket_opened_at_night_starts_counting_at_opening_time() -> None:
    assert domain.deadline(local(2026, 11, 3, 2, 0), 30, HOURS) == local(2026, 11, 3, 8, 30)


def test_holidays_are_closed() -> None:
    hours = BusinessHours(holidays=frozenset({date(2026, 12, 25)}))
    christmas_eve = local(2026, 12, 24, 17, 0)
    assert domain.deadline(christmas_eve, 120, hours) == local(2026, 12, 28, 9, 0)


@given(MOMENTS, MINUTES)
def test_the_deadline_leaves_exactly_the_target_of_business_time(start: datetime, m: int) -> None:
    due = domain.deadline(start, m, HOURS)
    assert domain.business_minutes(start, due, HOURS) == pytest.approx(m)


@given(MOMENTS, MINUTES)
def test_a_deadline_falls_within_business_hours(start: datetime, m: int) -> None:
    due = domain.deadline(start, m, HOURS).astimezone(AMSTERDAM)
    assert due.weekday() < 5
    assert time(8, 0) < due.time() <= time(18, 0)


@given(MOMENTS, MINUTES, MINUTES)
def test_a_longer_target_is_never_due_sooner(start: datetime, a: int, b: int) -> None:
    shorter, longer = sorted((a, b))
    assert domain.deadline(start, shorter, HOURS) <= domain.deadline(start, longer, HOURS)


def test_round_the_clock_hours_count_wall_time() -> None:
    always = BusinessHours(week=(domain.Opening(time(0), time.max),) * 7)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert domain.deadline(start, 90, always) == start + timedelta(minutes=90)


def test_p1_targets_are_the_tightest() -> None:
    start = local(2026, 11, 2, 10, 0)
    p1 = domain.sla_clocks(start, Priority.P1)
    p4 = domain.sla_clocks(start, Priority.P4)
    assert [c.kind for c in p1] == ["first_response", "resolution"]
    assert p1[0].due_at == local(2026, 11, 2, 10, 30)
    assert all(a.due_at < b.due_at for a, b in zip(p1, p4, strict=True))


def test_a_ticket_resolves_reopens_and_closes() -> None:
    assert domain.next_status(Status.NEW, Transition.RESOLVE) is Status.RESOLVED
    assert domain.next_status(Status.RESOLVED, Transition.REOPEN) is Status.OPEN
    assert domain.next_status(Status.RESOLVED, Transition.CLOSE) is Status.CLOSED
    with pytest.raises(InvalidTransition, match="a closed ticket cannot reopen"):
        domain.next_status(Status.CLOSED, Transition.REOPEN)


def test_csat_is_the_share_of_satisfied_answers() -> None:
    assert domain.csat([5, 4, 3, 1]) == 50.0
    assert domain.csat([]) is None


# --- a platform's own hours: any zone, any week, any holidays ---------------------------------

ZONES = st.sampled_from(["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "UTC"])


def quarter(n: int) -> time:
    return time(n // 4, n % 4 * 15)


# Open at least an hour on the days it opens, from any quarter of an hour to any later one.
OPENINGS = st.integers(min_value=0, max_value=91).flatmap(
    lambda q: st.integers(min_value=q + 4, max_value=95).map(
        lambda end: domain.Opening(quarter(q), quarter(end))
    )
)
WEEKS = st.lists(st.none() | OPENINGS, min_size=7, max_size=7)
HOLIDAYS = st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)))


@st.composite
def calendars(draw: st.DrawFn) -> BusinessHours:
    week = draw(WEEKS.filter(lambda w: any(w)))
    return BusinessHours(zone=draw(ZONES), week=tuple(week), holidays=draw(HOLIDAYS))


# Within reach of any calendar's HORIZON_DAYS: 30 weeks of a single hour a week.
REACHABLE = st.integers(min_value=1, max_value=3 * domain.DAY)


@given(calendars(), MOMENTS, REACHABLE)
def test_any_calendar_leaves_exactly_the_target_inside_its_opening_hours(
    hours: BusinessHours, start: datetime, m: int
) -> None:
    due = domain.deadline(start, m, hours)
    assert domain.business_minutes(start, due, hours) == pytest.approx(m)
    local_day = (due - timedelta(microseconds=1)).astimezone(ZoneInfo(hours.zone)).date()
    window = hours.window(local_day)  # None on a holiday or a day the desk is closed
    assert window is not None and window[0] < due <= window[1]


@given(calendars(), MOMENTS, REACHABLE)
def test_a_holiday_never_shortens_a_deadline(hours: BusinessHours, start: datetime, m: int) -> None:
    day_off = start.astimezone(ZoneInfo(hours.zone)).date() + timedelta(days=1)
    with_holiday = BusinessHours(hours.zone, hours.week, hours.holidays | {day_off})
    assert domain.deadline(start, m, hours) <= domain.deadline(start, m, with_holiday)


def test_a_night_desk_across_the_autumn_dst_change_counts_the_hour_that_repeats() -> None:
    nights = BusinessHours(week=(domain.Opening(time(0), time(6)),) * 7)
    sunday = local(2026, 10, 25, 0, 0)  # clocks go back from 03:00 to 02:00: 7 real hours
    assert domain.business_minutes(sunday, local(2026, 10, 25, 6, 0), nights) == 7 * 60
    assert domain.deadline(sunday, 7 * 60, nights) == local(2026, 10, 25, 6, 0)


def test_settings_no_ticket_could_be_served_by_are_refused() -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    backwards = (domain.Targets(60, 30), *domain.DEFAULT_TARGETS[1:])
    with pytest.raises(ValidationFailed) as refused:
        domain.check_settings(domain.DeskSettings(targets=backwards), now)
    assert refused.value.fields == {"targets.P1.resolution": "is below the first response"}
    closed = BusinessHours(week=(None,) * 7)
    with pytest.raises(ValidationFailed) as never:
        domain.check_settings(domain.DeskSettings(hours=closed), now)
    assert list(never.value.fields) == ["hours"]


def test_a_reply_reopens_only_within_the_window() -> None:
    resolved = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    settings = domain.DeskSettings(reopen_days=7)
    assert domain.may_reopen(resolved, resolved + timedelta(days=7), settings)
    assert not domain.may_reopen(resolved, resolved + timedelta(days=7, seconds=1), settings)


# --- the request catalog --------------------------------------------------------------------

QUESTIONS = [
    domain.RequestField("seats", "Seats", domain.FieldType.NUMBER, required=True),
    domain.RequestField("plan", "Plan", domain.FieldType.CHOICE, choices=("team", "enterprise")),
    domain.RequestField("start", "Start", domain.FieldType.DATE),
]


def test_answers_are_kept_trimmed_and_blank_optional_ones_left_out() -> None:
    answers = {"seats": " 12 ", "plan": "team", "start": ""}
    assert domain.check_answers(QUESTIONS, answers) == {"seats": "12", "plan": "team"}


@given(st.text().filter(lambda t: t.strip() not in {"", "team", "enterprise"}))
def test_a_choice_not_offered_is_refused_by_name(chosen: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        domain.check_answers(QUESTIONS, {"seats": "1", "plan": chosen})
    assert list(refused.value.fields) == ["answers.plan"]


def test_approval_steps_are_taken_in_order_and_a_decline_ends_them() -> None:
    pending, approved, declined = domain.Decision
    assert domain.next_step([approved, pending, pending]) == 1
    assert domain.next_step([approved, approved]) is None
    assert domain.next_step([declined, pending]) is None
