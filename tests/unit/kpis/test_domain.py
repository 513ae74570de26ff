"""The KPI definitions on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.infra.errors import ValidationFailed
from opsroom.kpis import domain
from opsroom.kpis.domain import Better, Measure, Period

OCT = domain.parse_period("2026-10")


def at(day: int, hour: int = 0, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-10", at(1), at(1, month=11)),
        ("2026-12", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        ("2026-q4", at(1), datetime(2027, 1, 1, tzinfo=UTC)),
        ("2026-W43", at(19), at(26)),
        ("2026-10-01..2026-10-15", at(1), at(16)),
    ],
)
def test_periods_people_type(text: str, start: datetime, end: datetime) -> None:
    period = domain.parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2026-01", "2025-12"),
        ("2026-Q1", "2025-Q4"),
        ("2026-W01", "2025-W52"),
        ("2026-10-11..2026-10-20", "2026-10-01..2026-10-10"),
    ],
)
def test_the_previous_period_is_the_same_kind_just_before(text: str, previous: str) -> None:
    before = domain.parse_period(text).previous()
    assert before.label == previous
    assert before.end == domain.parse_period(text).start


@pytest.mark.parametrize("text", ["2026-13", "October", "2026-Q5", "2026-10-15..2026-10-01", ""])
def test_nonsense_periods_are_refused_with_the_forms_that_work(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        domain.parse_period(text)
    assert "period" in caught.value.fields


# --- durations and statistics ------------------------------------------------------------------


def test_each_measure_runs_between_its_two_timestamps() -> None:
    times = {
        "impact_started_at": at(1, 10, 0),
        "detected_at": at(1, 10, 5),
        "acknowledged_at": at(1, 10, 7),
        "mitigated_at": at(1, 10, 35),
        "resolved_at": at(1, 12, 5),
    }
    minutes = {m: (domain.duration(times, m) or 0) / 60 for m in Measure}
    assert minutes == {
        Measure.MTTD: 5,
        Measure.MTTA: 2,
        Measure.MTTM: 30,
        Measure.MTTR: 120,
        Measure.MTTR_IMPACT: 125,
    }


def test_missing_timestamps_leave_a_measure_undefined() -> None:
    open_incident = {"impact_started_at": None, "detected_at": at(1), "acknowledged_at": None}
    assert domain.duration(open_incident, Measure.MTTD) is None
    assert domain.duration(open_incident, Measure.MTTA) is None
    assert domain.duration(open_incident, Measure.MTTR) is None


def test_durations_do_not_depend_on_the_zone_times_were_given_in() -> None:
    paris = timezone(timedelta(hours=2))
    times = {
        "detected_at": datetime(2026, 10, 1, 12, 0, tzinfo=paris),
        "acknowledged_at": at(1, 10, 30),
    }
    assert domain.duration(times, Measure.MTTA) == 30 * 60


def test_stats_mean_median_and_nearest_rank_p90() -> None:
    values = [60.0, 10.0, 30.0, 20.0, 1000.0, 40.0, 50.0, 70.0, 80.0, 90.0, None]
    result = domain.stats(values)
    assert result.count == 10
    assert result.mean == 145.0
    assert result.median == 55.0  # between 50 and 60
    assert result.p90 == 90.0  # rank 9 of 10


def test_stats_of_one_and_of_none() -> None:
    assert domain.stats([42.0]) == domain.Stats(1, 42.0, 42.0, 42.0)
    assert domain.stats([None]) == domain.Stats()


@given(st.lists(st.floats(min_value=0, max_value=1e7), min_size=1, max_size=50))
def test_the_median_and_p90_are_within_the_data(values: list[float]) -> None:
    result = domain.stats(values)
    assert min(values) <= (result.median or 0) <= (result.p90 or 0) <= max(values)
    assert sum(v <= (result.p90 or 0) for v in values) >= 0.9 * len(values)


# --- SLA compliance ----------------------------------------------------------------------------


def test_sla_outcomes() -> None:
    target, start = timedelta(minutes=15), at(1, 10)
    now = at(1, 11)
    assert domain.sla_met(target, start, at(1, 10, 15), now) is True  # exactly on target
    assert domain.sla_met(target, start, at(1, 10, 16), now) is False
    assert domain.sla_met(target, start, None, now) is False  # still open, already late
    assert domain.sla_met(timedelta(hours=4), start, None, now) is None  # running, in time
    assert domain.sla_met(None, start, at(1, 12), now) is None  # P5: no target


def test_compliance_counts_only_decided_outcomes() -> None:
    assert domain.compliance([True, True, False, None]) == pytest.approx(2 / 3)
    assert domain.compliance([None]) is None


# --- impact windows and availability ------------------------------------------------------------


def test_an_impact_window_runs_from_impact_start_to_mitigation() -> None:
    times = {
        "impact_started_at": at(1, 9),
        "detected_at": at(1, 10),
        "mitigated_at": at(1, 11),
        "resolved_at": at(1, 15),
    }
    assert domain.impact_window(times, now=at(2)) == (at(1, 9), at(1, 11))


def test_without_impact_start_or_mitigation_detection_and_resolution_stand_in() -> None:
    times = {"detected_at": at(1, 10), "resolved_at": at(1, 12)}
    assert domain.impact_window(times, now=at(2)) == (at(1, 10), at(1, 12))


def test_an_open_incident_is_affecting_users_until_now() -> None:
    assert domain.impact_window({"detected_at": at(1, 10)}, now=at(1, 13)) == (at(1, 10), at(1, 13))


def test_overlapping_and_touching_windows_merge() -> None:
    windows = [
        (at(1, 10), at(1, 12)),
        (at(1, 11), at(1, 13)),
        (at(1, 13), at(1, 14)),
        (at(2), at(2, 1)),
    ]
    assert domain.merge(windows) == [(at(1, 10), at(1, 14)), (at(2), at(2, 1))]
    assert domain.total(windows) == timedelta(hours=5)


def test_availability_counts_overlapping_outages_once() -> None:
    # 31 days of October; outages 10:00-12:00 and 11:00-13:00 on the 1st: 3 hours down.
    result = domain.uptime([(at(1, 10), at(1, 12)), (at(1, 11), at(1, 13))], [], OCT)
    assert result.down == timedelta(hours=3)
    assert result.availability == pytest.approx(1 - 3 / (31 * 24))
    assert result.failures == 1
    assert result.mtbf == timedelta(days=31) - timedelta(hours=3)


def test_maintenance_is_neither_up_nor_down() -> None:
    # An outage 10:00-14:00 with maintenance 12:00-18:00: 2 hours down over 31 days less 6 hours.
    result = domain.uptime([(at(1, 10), at(1, 14))], [(at(1, 12), at(1, 18))], OCT)
    assert result.down == timedelta(hours=2)
    assert result.measured == timedelta(days=31) - timedelta(hours=6)
    assert result.availability == pytest.approx(1 - 2 / (31 * 24 - 6))


def test_outages_are_cut_at_the_period_edges() -> None:
    started_in_september = (datetime(2026, 9, 30, 22, tzinfo=UTC), at(1, 2))
    result = domain.uptime([started_in_september, (at(31, 23), at(2, 1, month=11))], [], OCT)
    assert result.down == timedelta(hours=3)
    assert result.failures == 1  # only the one that began in October


def test_no_outage_is_full_availability_and_no_mtbf() -> None:
    result = domain.uptime([], [], OCT)
    assert (result.availability, result.mtbf) == (1.0, None)


def test_a_journey_is_down_while_any_of_its_services_is() -> None:
    services = {
        "gateway": ([(at(1, 10), at(1, 12))], []),
        "auth": ([(at(1, 11), at(1, 14))], [(at(1, 13), at(1, 14))]),  # last hour planned
        "db": ([(at(2, 10), at(2, 11))], []),
    }
    result = domain.journey_uptime(services, OCT)
    assert result.down == timedelta(hours=4)  # 10-13 on the 1st, 10-11 on the 2nd
    assert result.failures == 2
    assert result.availability == pytest.approx(1 - 4 / (31 * 24))


def test_tier_targets_are_data_with_defaults() -> None:
    assert domain.DEFAULT_TARGETS.by_tier[1] == 0.9995
    assert domain.DEFAULT_POLICY.outage_priorities == {1, 2}


def test_a_service_or_journey_of_its_own_target_keeps_it_else_its_tiers_holds() -> None:
    targets = domain.AvailabilityTargets(
        by_tier={1: 0.999, 2: 0.99, 3: 0.95}, services={"ledger": 0.9999}, journeys={"close": 0.98}
    )
    assert (targets.of_service("ledger", 1), targets.of_service("cash", 2)) == (0.9999, 0.99)
    assert targets.of_journey("close", [1, 2]) == 0.98
    assert targets.of_journey("pay", [3, 2]) == 0.99  # its most critical service is tier 2
    assert targets.of_journey("empty", []) is None


# --- trends ------------------------------------------------------------------------------------


def test_trends_say_whether_a_change_is_an_improvement() -> None:
    assert domain.trend(30, 60, Better.LOWER) == domain.Trend("down", True, -0.5)
    assert domain.trend(0.9, 0.8, Better.HIGHER).improved is True
    assert domain.trend(90, 60, Better.LOWER).improved is False
    assert domain.trend(5, 5, Better.LOWER).direction == "flat"
    assert domain.trend(5, None, Better.LOWER).direction == "none"


def test_a_period_is_half_open() -> None:
    period = Period("x", at(1), at(2))
    assert domain.uptime([(at(2), at(3))], [], period).down == timedelta()


# --- on-call load and the squad scorecard ---------------------------------------------------


def test_pages_per_person_counts_only_people_who_were_paged() -> None:
    # ann paged for 3 incidents, bob for 1, cy not at all: (3 + 1) / 2 people
    assert domain.pages_per_person({"ann": 3, "bob": 1, "cy": 0}) == 2.0
    assert domain.pages_per_person({"cy": 0}) is None
    assert domain.pages_per_person({}) is None


def test_a_counts_platform_average_is_its_total_per_squad_and_a_rates_is_its_own() -> None:
    assert domain.platform_average(domain.Kind.COUNT, 12, 4) == 3.0
    assert domain.platform_average(domain.Kind.COUNT, 12, 0) is None
    assert domain.platform_average(domain.Kind.RATE, 0.25, 4) == 0.25
    assert domain.platform_average(domain.Kind.COUNT, None, 4) is None


def test_the_scorecard_sets_each_squad_figure_beside_the_platform_average() -> None:
    figures = [
        domain.Figure(
            "hygiene", "actions_overdue", "Overdue", "count", Better.LOWER, domain.Kind.COUNT
        ),
        domain.Figure(
            "change", "cfr", "Change failure rate", "share", Better.LOWER, domain.Kind.RATE
        ),
    ]
    # the squad has 2 overdue items of the platform's 9 over 3 squads; 1 failed change of 4
    # finished against the platform's 3 of 20
    lines = domain.scorecard(
        figures, {"actions_overdue": 2, "cfr": 0.25}, {"actions_overdue": 9, "cfr": 0.15}, 3
    )
    assert [(line.key, line.squad, line.platform_average) for line in lines] == [
        ("actions_overdue", 2, 3.0),
        ("cfr", 0.25, 0.15),
    ]
    missing = domain.scorecard(figures, {}, {}, 3)
    assert [(line.squad, line.platform_average) for line in missing] == [(None, None)] * 2


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("2026-10", ["2026-08", "2026-09", "2026-10"]),
        ("2026-Q1", ["2026-01", "2026-02", "2026-03"]),
        ("2026-W01", ["2025-11", "2025-12", "2026-01"]),
        ("2026-12-30..2026-12-31", ["2026-10", "2026-11", "2026-12"]),
    ],
)
def test_the_months_up_to_a_period_end_with_the_month_it_ends_in(
    text: str, months: list[str]
) -> None:
    assert [m.label for m in domain.months_up_to(domain.parse_period(text), 3)] == months


def test_the_months_up_to_a_period_run_back_across_years() -> None:
    months = domain.months_up_to(domain.parse_period("2026-02"), 14)
    assert (months[0].label, months[-1].label, len(months)) == ("2025-01", "2026-02", 14)
    assert all(a.end == b.start for a, b in pairwise(months))
