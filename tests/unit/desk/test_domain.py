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
from opsroom.infra.errors import InvalidTransition

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
    always = BusinessHours(weekdays=frozenset(range(7)), opens=time(0), closes=time.max)
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
