"""When a page goes out: rules by urgency, and a low-urgency page waiting out its person's
quiet hours; the codes that verify a contact method."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from opsroom.notify import codes
from opsroom.notify.domain import QuietHours, Urgency, page_due, page_urgency, rule_applies

NIGHT = QuietHours(time(22), time(7), "Africa/Johannesburg")  # UTC+2, no DST
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Africa/Johannesburg"])
times = st.times().map(lambda t: t.replace(microsecond=0))


def test_quiet_hours_across_midnight_cover_the_night_only() -> None:
    assert NIGHT.covers(datetime(2030, 3, 4, 21, 30, tzinfo=UTC))  # 23:30 local
    assert NIGHT.covers(datetime(2030, 3, 4, 4, 59, tzinfo=UTC))  # 06:59 local
    assert not NIGHT.covers(datetime(2030, 3, 4, 5, 0, tzinfo=UTC))  # 07:00 local
    assert not NIGHT.covers(datetime(2030, 3, 4, 12, 0, tzinfo=UTC))


def test_a_low_urgency_page_at_night_waits_for_the_morning_a_high_one_does_not() -> None:
    queued = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 03:00 local
    delay = timedelta(minutes=2)
    assert page_due(queued, delay, Urgency.LOW, NIGHT) == datetime(2030, 3, 4, 5, 0, tzinfo=UTC)
    assert page_due(queued, delay, Urgency.HIGH, NIGHT) == queued + delay
    assert page_due(queued, delay, Urgency.LOW, None) == queued + delay


def test_urgency_one_and_two_page_as_high_three_as_low() -> None:
    assert [page_urgency(u) for u in (1, 2, 3)] == [Urgency.HIGH, Urgency.HIGH, Urgency.LOW]
    assert rule_applies(Urgency.ANY, Urgency.LOW) and rule_applies(Urgency.HIGH, Urgency.HIGH)
    assert not rule_applies(Urgency.HIGH, Urgency.LOW)


@given(moments, st.integers(0, 1440), times, times, zones)
def test_a_low_urgency_page_goes_out_at_the_first_moment_outside_quiet_hours(
    queued: datetime, minutes: int, start: time, end: time, zone: str
) -> None:
    quiet = QuietHours(start, end, zone)
    earliest = queued + timedelta(minutes=minutes)
    due = page_due(queued, timedelta(minutes=minutes), Urgency.LOW, quiet)
    assert due >= earliest
    assert not quiet.covers(due)
    assert due - earliest <= timedelta(hours=25)  # never longer than one night (and a DST hour)
    if due > earliest:  # held back only through quiet hours
        assert all(quiet.covers(earliest + (due - earliest) * k / 8) for k in range(8))


@given(moments, st.integers(0, 1440), times, times, zones)
def test_a_high_urgency_page_ignores_quiet_hours(
    queued: datetime, minutes: int, start: time, end: time, zone: str
) -> None:
    delay = timedelta(minutes=minutes)
    assert page_due(queued, delay, Urgency.HIGH, QuietHours(start, end, zone)) == queued + delay


SECRET = "s3cret"
SENT = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def _sent(tries: int = 0) -> codes.VerificationSent:
    return codes.VerificationSent(7, "+27821234567", SENT, tries)


def _code() -> str:
    return codes.verification_code(SECRET, method=7, address="+27821234567", sent_at=SENT)


def test_the_code_sent_verifies_within_its_lifetime_and_tries() -> None:
    assert len(_code()) == 6 and _code().isdigit()
    assert codes.verification_problem(SECRET, _sent(), code=_code(), now=SENT) is None
    late = SENT + codes.VERIFICATION_LIFETIME
    assert "expired" in (codes.verification_problem(SECRET, _sent(), code=_code(), now=late) or "")
    tried = _sent(tries=codes.VERIFICATION_TRIES)
    assert codes.verification_problem(SECRET, tried, code=_code(), now=SENT)


def test_a_code_is_for_one_method_one_number_and_one_sending() -> None:
    again = codes.verification_code(
        SECRET, method=7, address="+27821234567", sent_at=SENT + timedelta(minutes=1)
    )
    other = codes.verification_code(SECRET, method=8, address="+27821234567", sent_at=SENT)
    number = codes.verification_code(SECRET, method=7, address="+27831234567", sent_at=SENT)
    assert len({_code(), again, other, number}) == 4
    unsent = codes.VerificationSent(7, "+27821234567", None, 0)
    assert "no code" in (codes.verification_problem(SECRET, unsent, code=_code(), now=SENT) or "")
    assert codes.needs_verification(codes.Channel.SMS)
    assert not codes.needs_verification(codes.Channel.EMAIL)
