from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.infra.errors import InvalidTransition, ValidationFailed
from opsroom.risks import domain
from opsroom.risks.domain import (
    DEFAULT_MATRIX,
    Assessment,
    Band,
    Exposure,
    Matrix,
    Rating,
    RiskSettings,
    Status,
    Transition,
)

TODAY = date(2026, 11, 2)
THREE = Matrix(
    likelihood=("low", "medium", "high"),
    impact=("low", "medium", "high"),
    bands=(Band(2, "low", "#00aa00"), Band(6, "medium", "#aaaa00"), Band(9, "high", "#aa0000")),
    appetite=4,
    annual_rate=(0.1, 1.0, 4.0),
)

exposures = st.builds(
    Exposure,
    key=st.integers(1, 10_000).map(lambda n: f"RSK-{n}"),
    annual_rate=st.floats(0, 50, allow_nan=False),
    hours_per_event=st.floats(0, 100, allow_nan=False),
    cost_per_hour=st.floats(0, 1e6, allow_nan=False),
    blast_radius=st.integers(1, 40),
)


def test_a_rating_outside_the_matrix_names_the_assessment_and_axis() -> None:
    assert domain.check_rating(THREE, Rating(3, 3), Assessment.CURRENT).score == 9
    with pytest.raises(ValidationFailed) as refused:
        domain.check_rating(THREE, Rating(4, 0), Assessment.TARGET)
    assert refused.value.fields == {
        "target_likelihood": "1 to 3 on this platform's matrix",
        "target_impact": "1 to 3 on this platform's matrix",
    }


@pytest.mark.parametrize(
    ("score", "band", "above"),
    [(1, "low", False), (4, "medium", False), (5, "medium", True), (9, "high", True)],
)
def test_bands_and_the_appetite_line(score: int, band: str, above: bool) -> None:
    assert domain.band(THREE, score).label == band
    assert domain.above_appetite(THREE, score) is above


def test_an_unusable_matrix_is_refused_field_by_field() -> None:
    domain.check_matrix(DEFAULT_MATRIX)
    bad = Matrix(("a", "b"), ("a", "b", "c"), (Band(3, "x", "#000000"),), 9, (1.0,))
    with pytest.raises(ValidationFailed) as refused:
        domain.check_matrix(bad)
    assert set(refused.value.fields) == {"likelihood", "impact", "annual_rate", "bands", "appetite"}


def test_a_current_score_drops_only_with_a_reason() -> None:
    domain.check_drop(Rating(2, 2), Rating(3, 3), "")
    domain.check_drop(Rating(3, 3), Rating(2, 2), "second zone")
    with pytest.raises(ValidationFailed) as refused:
        domain.check_drop(Rating(3, 3), Rating(2, 2), " ")
    assert "reason" in refused.value.fields


def test_an_acceptance_expires_after_today_and_says_why() -> None:
    later = TODAY + timedelta(days=1)
    assert domain.check_acceptance(later, TODAY, "cheap to live with") == later
    for until, reason, fields in (
        (None, "why", {"until"}),
        (TODAY, "why", {"until"}),
        (later, "", {"reason"}),
    ):
        with pytest.raises(ValidationFailed) as refused:
            domain.check_acceptance(until, TODAY, reason)
        assert set(refused.value.fields) == fields


def test_the_lifecycle() -> None:
    assert domain.next_status(Status.IDENTIFIED, Transition.ASSESS) is Status.ASSESSED
    assert domain.next_status(Status.ACCEPTED, Transition.REVIEW) is Status.ASSESSED
    with pytest.raises(InvalidTransition):
        domain.next_status(Status.CLOSED, Transition.TREAT)
    with pytest.raises(InvalidTransition):
        domain.check_acceptable(Status.IDENTIFIED)
    assert domain.allowed(Status.CLOSED) == [Transition.REOPEN]


def test_a_review_is_overdue_only_for_an_open_risk_past_its_date() -> None:
    yesterday = TODAY - timedelta(days=1)
    assert domain.review_overdue(Status.TREATING, yesterday, TODAY)
    assert not domain.review_overdue(Status.CLOSED, yesterday, TODAY)
    assert not domain.review_overdue(Status.TREATING, TODAY, TODAY)
    assert not domain.review_overdue(Status.TREATING, None, TODAY)


@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3)), max_size=50))
def test_the_heat_map_counts_each_rating_once_in_its_cell(cells: list[tuple[int, int]]) -> None:
    grid = domain.heat(THREE, [Rating(lk, im) for lk, im in cells])
    assert sum(map(sum, grid)) == len(cells)
    for lk, im in set(cells):
        assert grid[3 - lk][im - 1] == cells.count((lk, im))


def test_history_outweighs_the_likelihood_level() -> None:
    assert domain.annual_rate(THREE, 1, 0) == (0.1, False)
    assert domain.annual_rate(THREE, 1, 3) == (3.0, True)
    assert domain.hours_per_event([], 3, 2.0) == 6.0
    assert domain.hours_per_event([1.0, 3.0], 3, 2.0) == 2.0


def test_downtime_costs_the_sum_of_the_priced_journeys_or_the_default() -> None:
    settings = RiskSettings(journey_cost_per_hour=(("checkout", 5000.0), ("login", 800.0)))
    assert settings.cost_per_hour(["checkout", "login", "search"]) == 5800.0
    assert settings.cost_per_hour(["search"]) == settings.default_cost_per_hour


@given(st.lists(exposures, max_size=30))
def test_the_ranking_is_a_permutation_by_weight_descending(items: list[Exposure]) -> None:
    ranked = domain.rank(items)
    assert sorted(ranked, key=id) == sorted(items, key=id)
    assert all(a.weight >= b.weight for a, b in itertools.pairwise(ranked))


@given(st.lists(exposures, max_size=30), st.randoms())
def test_the_ranking_does_not_depend_on_the_order_risks_come_in(
    items: list[Exposure], shuffler: object
) -> None:
    shuffled = list(items)
    shuffler.shuffle(shuffled)  # type: ignore[attr-defined]
    assert [(e.key, e.weight) for e in domain.rank(shuffled)] == [
        (e.key, e.weight) for e in domain.rank(items)
    ]


@given(exposures, st.floats(1.01, 10, allow_nan=False))
def test_a_risk_that_happens_more_often_never_ranks_lower(item: Exposure, factor: float) -> None:
    more = Exposure(
        "RSK-0",
        item.annual_rate * factor + 0.01,
        item.hours_per_event + 0.01,
        item.cost_per_hour + 0.01,
        item.blast_radius,
    )
    assert domain.rank([item, more])[0] is more


def test_a_matrix_fits_the_levels_in_use_or_names_the_risks_beyond_each_axis() -> None:
    fits = {"RSK-1": [Rating(3, 3), Rating(2, 1)]}
    domain.check_matrix_fits(THREE, fits)
    beyond = {f"RSK-{n}": [Rating(1, 1), Rating(4, 2)] for n in range(2, 25)}
    with pytest.raises(ValidationFailed) as refused:
        domain.check_matrix_fits(THREE, fits | beyond | {"RSK-99": [Rating(1, 5)]})
    assert refused.value.fields == {
        "likelihood": "3 levels are fewer than "
        + ", ".join(f"RSK-{n}" for n in range(2, 22))
        + " and 3 more use",
        "impact": "3 levels are fewer than RSK-99 use",
    }
