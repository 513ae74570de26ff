from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.infra.errors import InvalidTransition, ValidationFailed
from opsroom.vendors import domain
from tests.conftest import TEST_NOW

TERMS = {"response_minutes": {"P1": 15, "P2": 60}, "resolution_minutes": {"P1": 240}}


def test_the_contract_sets_the_targets_for_the_incidents_priority() -> None:
    assert domain.targets(TERMS, "P1", [30, 60]) == domain.Targets(15, 240)
    assert domain.targets(TERMS, "P2", [30, 60]) == domain.Targets(60, None)


def test_without_a_response_time_for_the_priority_the_first_levels_holds() -> None:
    assert domain.targets(TERMS, "P4", [30, 60]) == domain.Targets(30, None)
    assert domain.targets({}, "P1", []) == domain.Targets(None, None)


def test_terms_that_are_not_positive_whole_minutes_set_no_target() -> None:
    terms = {"response_minutes": {"P1": "soon", "P2": 0, "P3": True}, "resolution_minutes": 9}
    assert [domain.targets(terms, p, []) for p in ("P1", "P2", "P3")] == [
        domain.Targets(None, None)
    ] * 3


def test_the_ladder_climbs_one_level_at_a_time_to_its_top() -> None:
    assert [domain.next_level(n, 3) for n in (1, 2, 3)] == [2, 3, None]


def test_a_target_is_met_when_done_in_time_and_runs_until_then() -> None:
    due = TEST_NOW + timedelta(minutes=15)
    assert domain.judge(due, TEST_NOW, TEST_NOW) == domain.Verdict(True, 0)
    assert domain.judge(due, None, TEST_NOW) == domain.Verdict(None, 0)
    assert domain.judge(None, TEST_NOW, TEST_NOW) == domain.Verdict(None, 0)


def test_a_target_is_breached_by_whole_minutes_rounded_up() -> None:
    due = TEST_NOW
    late = domain.judge(due, TEST_NOW + timedelta(minutes=2, seconds=1), TEST_NOW)
    assert late == domain.Verdict(False, 3)
    assert domain.judge(due, None, TEST_NOW + timedelta(minutes=5)) == domain.Verdict(False, 5)


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=-10_000, max_value=10_000))
def test_minutes_over_are_never_negative_and_only_when_breached(target: int, took: int) -> None:
    verdict = domain.judge(
        TEST_NOW + timedelta(minutes=target), TEST_NOW + timedelta(minutes=took), TEST_NOW
    )
    assert verdict.minutes_over == max(0, took - target)
    assert verdict.met is (took <= target)


TABLE = domain.credit_table(
    {
        "breach_credits": [
            {"over_minutes": 60, "amount": 1500},
            {"over_minutes": 0, "amount": 500},
            {"over_minutes": "soon", "amount": 9},
            {"over_minutes": 5, "amount": -1},
        ]
    }
)


def test_the_credit_table_keeps_whole_rows_in_order_of_minutes() -> None:
    assert [domain.CreditTier(0, 500), domain.CreditTier(60, 1500)] == TABLE
    assert domain.credit_table({"breach_credits": "none"}) == []


def test_a_breach_earns_the_highest_tier_it_went_past() -> None:
    late = [domain.credit_for(TABLE, domain.Verdict(False, m)) for m in (1, 60, 61)]
    assert late == [500, 500, 1500]
    assert domain.credit_for(TABLE, domain.Verdict(True, 0)) == 0
    assert domain.credit_for(TABLE, domain.Verdict(None, 0)) == 0
    assert domain.credit_owed(TABLE, domain.Verdict(False, 61), domain.Verdict(False, 2)) == 2000


@given(
    st.lists(
        st.builds(domain.CreditTier, st.integers(0, 10_000), st.integers(0, 100_000)),
        max_size=5,
    ),
    st.integers(1, 20_000),
    st.integers(0, 20_000),
)
def test_a_longer_breach_never_earns_less(
    table: list[domain.CreditTier], minutes: int, more: int
) -> None:
    shorter = domain.credit_for(table, domain.Verdict(False, minutes))
    longer = domain.credit_for(table, domain.Verdict(False, minutes + more))
    assert 0 <= shorter <= longer <= max((t.amount for t in table), default=0)


def test_a_credit_is_disputed_once_and_settled_upheld_or_waived() -> None:
    status = domain.disputed(domain.CreditStatus.OWED)
    assert domain.settled(status, domain.CreditStatus.WAIVED) is domain.CreditStatus.WAIVED
    for wrong in (domain.CreditStatus.NONE, domain.CreditStatus.DISPUTED):
        with pytest.raises(InvalidTransition, match="cannot be disputed"):
            domain.disputed(wrong)
    with pytest.raises(InvalidTransition, match="no dispute to settle"):
        domain.settled(domain.CreditStatus.OWED, domain.CreditStatus.UPHELD)
    with pytest.raises(ValidationFailed, match="upheld or waived"):
        domain.settled(status, domain.CreditStatus.OWED)


def _facts(
    response: bool | None, credit: int, status: str, repair: float | None
) -> domain.EngagementFacts:
    return domain.EngagementFacts(
        response=domain.Verdict(response, 0 if response is not False else 5),
        resolution=domain.Verdict(None, 0),
        credit=credit,
        credit_status=domain.CreditStatus(status),
        minutes_to_repair=repair,
    )


def test_a_scorecard_counts_compliance_repair_and_the_credits_that_stand() -> None:
    figures = domain.figures(
        [
            _facts(True, 0, "none", 30.0),
            _facts(False, 500, "owed", 90.0),
            _facts(False, 700, "waived", None),
            _facts(None, 200, "disputed", None),
        ]
    )
    assert figures.engagements == 4
    assert (figures.response.met, figures.response.breached, figures.response.percent) == (
        1,
        2,
        33.3,
    )
    assert figures.resolution.percent is None
    assert (figures.mttr_minutes, figures.credits_owed, figures.credits_disputed) == (60.0, 700, 1)
    assert domain.figures([]) == domain.Figures(
        0, domain.Compliance(0, 0), domain.Compliance(0, 0), None, 0, 0
    )


def test_a_contract_is_due_for_renewal_inside_its_notice_period() -> None:
    starts, ends = date(2026, 1, 1), date(2026, 12, 31)
    assert domain.reminder_on(ends, 90) == date(2026, 10, 2)
    states = [
        domain.contract_state(day, starts, ends, 90)
        for day in (date(2025, 12, 31), date(2026, 10, 1), date(2026, 10, 2), date(2027, 1, 1))
    ]
    assert states == [
        domain.ContractState.NOT_STARTED,
        domain.ContractState.ACTIVE,
        domain.ContractState.RENEWAL_DUE,
        domain.ContractState.EXPIRED,
    ]
    with pytest.raises(ValidationFailed, match="ends after it starts"):
        domain.check_term(ends, starts)


@pytest.mark.parametrize(
    ("written", "days"),
    [
        ("2026Q1", (date(2026, 1, 1), date(2026, 3, 31))),
        ("2024q1", (date(2024, 1, 1), date(2024, 3, 31))),
        ("2026-Q3", (date(2026, 7, 1), date(2026, 9, 30))),
        ("2026Q4", (date(2026, 10, 1), date(2026, 12, 31))),
    ],
)
def test_a_quarter_covers_its_three_months(written: str, days: tuple[date, date]) -> None:
    assert domain.quarter_days(written) == days


@pytest.mark.parametrize("written", ["2026Q5", "2026", "Q3 2026", "26Q3", ""])
def test_a_malformed_quarter_is_refused_naming_the_field(written: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        domain.quarter_days(written)
    assert refused.value.fields == {"quarter": "YYYYQn"}


def test_a_review_period_is_a_quarter_or_two_days_never_both() -> None:
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    assert domain.review_period(None, first, last) == (first, last)
    assert domain.review_period("2026Q4", None, None) == (date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(ValidationFailed) as both:
        domain.review_period("2026Q4", first, None)
    assert both.value.fields == {"quarter": "not with since or until"}
    with pytest.raises(ValidationFailed) as half:
        domain.review_period(None, first, None)
    assert half.value.fields == {"until": "required without quarter"}
