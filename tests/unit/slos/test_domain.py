from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.slos import domain
from opsroom.slos.domain import DEFAULT_CONDITIONS, BudgetWindow, Severity

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
objectives = st.floats(min_value=50, max_value=99.999)
minutes = st.integers(min_value=0, max_value=60 * 24 * 30)


def test_rolling_windows_end_now_and_a_calendar_month_is_the_whole_month() -> None:
    assert domain.window_span(BudgetWindow.ROLLING_28D, NOW) == (NOW - 28 * DAY, NOW)
    assert domain.window_span(BudgetWindow.ROLLING_30D, NOW) == (NOW - 30 * DAY, NOW)
    december = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert domain.window_span(BudgetWindow.CALENDAR_MONTH, december) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_99_9_over_30_days_allows_43_minutes_and_a_fifth_spent_leaves_80_percent() -> None:
    span = domain.window_span(BudgetWindow.ROLLING_30D, NOW)
    budget = domain.budget(99.9, span, timedelta(minutes=43.2 / 5))
    assert budget.allowed == timedelta(minutes=43.2)
    assert budget.remaining == pytest.approx(0.8)
    assert not budget.exhausted


@given(objectives, minutes)
def test_budget_shown_is_never_negative_and_exhausted_once_spent(
    objective: float, spent: int
) -> None:
    span = domain.window_span(BudgetWindow.ROLLING_30D, NOW)
    budget = domain.budget(objective, span, timedelta(minutes=spent))
    assert 0 <= budget.shown <= 1
    assert budget.exhausted == (budget.remaining <= 0)


@given(objectives)
def test_burning_at_exactly_1x_from_the_start_exhausts_at_the_window_end(objective: float) -> None:
    span = domain.window_span(BudgetWindow.ROLLING_30D, NOW)
    untouched = domain.budget(objective, span, timedelta())
    left = domain.time_to_exhaustion(untouched, 1.0, objective)
    assert left is not None
    assert abs(left - 30 * DAY) < timedelta(seconds=1)


@given(objectives, st.integers(min_value=1, max_value=60 * 24), st.integers(0, 100))
def test_a_steady_bad_share_burns_at_that_share_over_the_allowed_rate(
    objective: float, lookback_minutes: int, bad_percent: int
) -> None:
    lookback = timedelta(minutes=lookback_minutes)
    bad = [(NOW - lookback, NOW - lookback + lookback * bad_percent / 100)]
    rate = domain.burn_rates(bad, NOW, objective, [lookback])[lookback]
    assert rate == pytest.approx((bad_percent / 100) / domain.error_rate(objective), abs=1e-6)


def test_not_burning_never_exhausts_and_overspent_is_already_gone() -> None:
    span = domain.window_span(BudgetWindow.ROLLING_30D, NOW)
    assert domain.time_to_exhaustion(domain.budget(99.9, span, timedelta()), 0.0, 99.9) is None
    spent = domain.budget(99.9, span, timedelta(hours=2))
    assert domain.time_to_exhaustion(spent, 3.0, 99.9) == timedelta()


# --- the SRE workbook's worked examples (chapter 5, "Alerting on SLOs") --------------------


@pytest.mark.parametrize(
    ("factor", "lookback", "share"),
    [(14.4, timedelta(hours=1), 0.02), (6, timedelta(hours=6), 0.05), (3, DAY, 0.10)],
)
def test_the_workbook_table_spends_2_5_and_10_percent_of_a_30_day_budget(
    factor: float, lookback: timedelta, share: float
) -> None:
    assert domain.consumed(factor, lookback, 30 * DAY) == pytest.approx(share)


def test_the_default_conditions_are_the_workbooks_table() -> None:
    table = [(c.factor, c.long, c.short, c.severity) for c in DEFAULT_CONDITIONS]
    assert table == [
        (14.4, timedelta(hours=1), timedelta(minutes=5), Severity.PAGE),
        (6, timedelta(hours=6), timedelta(minutes=30), Severity.PAGE),
        (3, DAY, timedelta(hours=2), Severity.TICKET),
        (1, 3 * DAY, timedelta(hours=6), Severity.TICKET),
    ]
    assert DEFAULT_CONDITIONS[0].name == "14.4x over 1h and 5m"


def test_a_total_outage_on_a_99_9_slo_pages_after_about_an_hour() -> None:
    """The workbook: at 100 % errors on 99.9 %, the burn is 1000x: the 1 h / 5 m condition
    fires once the long window's rate reaches 14.4, i.e. after 0.864 minutes of outage."""
    fast = DEFAULT_CONDITIONS[0]
    for outage, fires in ((timedelta(seconds=50), False), (timedelta(seconds=53), True)):
        bad = [(NOW - outage, NOW)]
        rates = domain.burn_rates(bad, NOW, 99.9, [fast.long, fast.short])
        assert domain.firing(fast, rates[fast.long], rates[fast.short]) is fires


def test_an_outage_that_ended_no_longer_fires_the_short_window() -> None:
    fast = DEFAULT_CONDITIONS[0]
    bad = [(NOW - timedelta(minutes=50), NOW - timedelta(minutes=10))]
    rates = domain.burn_rates(bad, NOW, 99.9, [fast.long, fast.short])
    assert rates[fast.long] >= fast.factor
    assert not domain.firing(fast, rates[fast.long], rates[fast.short])


def test_overlapping_incidents_count_their_bad_minutes_once() -> None:
    bad = [(NOW - 3 * DAY, NOW - 2 * DAY), (NOW - 2.5 * DAY, NOW - 1.5 * DAY)]
    assert domain.bad_time(bad, NOW - 2 * DAY, NOW) == timedelta(days=0.5)


def test_the_burn_down_starts_full_and_ends_at_what_is_left() -> None:
    span = (NOW - 30 * DAY, NOW)
    bad = [(NOW - 10 * DAY, NOW - 10 * DAY + timedelta(minutes=30))]
    allowed = timedelta(minutes=43.2)
    series = domain.burn_down(bad, span, NOW, allowed, 31)
    assert series[0] == (span[0], 1.0)
    assert series[-1][0] == NOW
    assert series[-1][1] == pytest.approx(1 - 30 / 43.2)
    assert [left for _, left in series] == sorted((left for _, left in series), reverse=True)


counts_in_a_minute = st.tuples(st.integers(0, 10**12), st.integers(0, 10**12)).map(sorted)


@given(st.lists(counts_in_a_minute, min_size=1, max_size=50))
def test_counts_within_their_totals_on_past_minutes_are_all_taken(
    pairs: list[list[int]],
) -> None:
    counts = [
        domain.Count(NOW - timedelta(minutes=n + 1), good, total)
        for n, (good, total) in enumerate(pairs)
    ]
    assert domain.count_problems(counts, {}, NOW) == {}


@given(st.lists(counts_in_a_minute, min_size=1, max_size=50), st.data())
def test_a_count_with_more_good_than_total_is_named_by_its_place(
    pairs: list[list[int]], data: st.DataObject
) -> None:
    bad = data.draw(st.integers(0, len(pairs) - 1))
    counts = [
        domain.Count(NOW - timedelta(minutes=n + 1), total + (n == bad), total)
        for n, (_, total) in enumerate(pairs)
    ]
    assert list(domain.count_problems(counts, {}, NOW)) == [f"counts.{bad}"]


@given(counts_in_a_minute, st.integers(1, 1000), st.booleans())
def test_a_counter_going_backwards_is_refused_and_growing_is_taken(
    stored: list[int], step: int, good_goes_back: bool
) -> None:
    minute = NOW - timedelta(minutes=1)
    before = domain.Count(minute, stored[0] + step, stored[1] + step)
    grown = domain.Count(minute, before.good + step, before.total + step)
    assert domain.count_problems([grown], {minute: before}, NOW) == {}
    back = (
        domain.Count(minute, before.good - step, before.total)
        if good_goes_back
        else domain.Count(minute, before.good - step, before.total - step)
    )
    assert "go backwards" in domain.count_problems([back], {minute: before}, NOW)["counts.0"]
