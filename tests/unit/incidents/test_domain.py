from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.incidents import domain
from opsroom.incidents.domain import Priority, Status, Transition
from opsroom.infra.errors import InvalidTransition, ValidationFailed

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        (1, 1, 1),
        (1, 2, 2),
        (2, 1, 2),
        (1, 3, 3),
        (2, 2, 3),
        (3, 1, 3),
        (2, 3, 4),
        (3, 2, 4),
        (3, 3, 5),
    ],
)
def test_itil_priority_matrix(impact: int, urgency: int, expected: int) -> None:
    assert domain.priority(impact, urgency) == Priority(expected)


def test_priority_outside_the_matrix_is_a_field_error() -> None:
    with pytest.raises(ValidationFailed):
        domain.priority(0, 4)


def test_p1_and_p2_are_major_by_default() -> None:
    assert [p for p in Priority if domain.is_major(p)] == [Priority.P1, Priority.P2]


def test_invalid_transition_names_the_allowed_ones() -> None:
    with pytest.raises(InvalidTransition) as refused:
        domain.next_status(Status.TRIGGERED, Transition.CLOSE)
    assert (
        refused.value.message
        == "cannot close an incident that is triggered; allowed now: acknowledge, cancel, mitigate, resolve"
    )
    with pytest.raises(InvalidTransition) as final:
        domain.next_status(Status.CLOSED, Transition.REOPEN)
    assert final.value.message.endswith("nothing (it is final)")


def test_resolving_straight_away_fills_the_skipped_timestamps() -> None:
    stamped = domain.stamp({"detected_at": T0}, Transition.RESOLVE, T0 + timedelta(minutes=40))
    assert (
        stamped["acknowledged_at"]
        == stamped["mitigated_at"]
        == stamped["resolved_at"]
        == T0 + timedelta(minutes=40)
    )


def test_reopen_clears_mitigation_and_resolution_but_keeps_acknowledgement() -> None:
    resolved = {"detected_at": T0, "acknowledged_at": T0, "mitigated_at": T0, "resolved_at": T0}
    assert domain.stamp(resolved, Transition.REOPEN, T0) == {
        **resolved,
        "mitigated_at": None,
        "resolved_at": None,
    }


def test_timestamps_out_of_order_are_named() -> None:
    problems = domain.timestamp_problems(
        {"impact_started_at": T0, "detected_at": T0 - timedelta(minutes=1), "resolved_at": T0}
    )
    assert problems == {"detected_at": "is before impact_started_at"}


def test_sla_clocks_run_from_detection() -> None:
    clocks = domain.sla_clocks(
        Priority.P1, {"detected_at": T0, "acknowledged_at": T0 + timedelta(minutes=20)}
    )
    response, resolution = clocks
    assert (response.due_at, response.breached(T0), resolution.due_at) == (
        T0 + timedelta(minutes=15),
        True,
        T0 + timedelta(hours=4),
    )
    assert resolution.remaining(T0 + timedelta(hours=1)) == timedelta(hours=3)
    assert domain.sla_clocks(Priority.P5, {"detected_at": T0}) == []


def test_update_cadence_for_majors_only() -> None:
    assert domain.next_update_due(Priority.P1, T0) == T0 + timedelta(minutes=30)
    assert domain.next_update_due(Priority.P2, T0) == T0 + timedelta(hours=1)
    assert domain.next_update_due(Priority.P3, T0) is None


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Transition)), st.integers(min_value=0, max_value=10_000)),
        max_size=25,
    )
)
def test_no_sequence_of_actions_breaks_timestamp_order(moves: list[tuple[Transition, int]]) -> None:
    status, timestamps, now = (
        Status.TRIGGERED,
        {"impact_started_at": T0 - timedelta(minutes=5), "detected_at": T0},
        T0,
    )
    for move, seconds_later in moves:
        now += timedelta(seconds=seconds_later)
        try:
            status = domain.next_status(status, move)
        except InvalidTransition:
            continue
        timestamps = domain.stamp(timestamps, move, now)
        assert domain.timestamp_problems(timestamps) == {}
        if status in domain.OPEN:
            assert timestamps.get("resolved_at") is None
        if status in (Status.RESOLVED, Status.CLOSED):
            assert timestamps["resolved_at"] is not None


def test_sla_clock_state_for_people_watching_it() -> None:
    response = domain.SlaClock("response", timedelta(minutes=60), T0 + timedelta(minutes=60), None)
    assert [response.state(T0 + timedelta(minutes=m)) for m in (10, 50, 61)] == [
        "ok",
        "at_risk",
        "breached",
    ]
    met = domain.SlaClock(
        "response", timedelta(minutes=60), T0 + timedelta(minutes=60), T0 + timedelta(minutes=5)
    )
    assert met.state(T0 + timedelta(hours=3)) == "met"


@given(st.integers(min_value=0, max_value=10_000))
def test_the_next_update_reminder_is_the_first_cadence_step_after_now(minutes: int) -> None:
    due = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    now = due + timedelta(minutes=minutes)
    again = domain.next_update_reminder(Priority.P1, due, now)  # P1: every 30 minutes
    assert again is not None and now < again <= now + timedelta(minutes=30)
    assert (again - due) % timedelta(minutes=30) == timedelta(0)
    assert domain.next_update_reminder(Priority.P3, due, now) is None  # no cadence for P3


def test_an_edit_is_described_by_what_it_changed_only() -> None:
    before = {"title": "Slow", "impact": 2, "priority": 3, "services": ["a"], "bridge_url": ""}
    after = {**before, "priority": 2, "services": ["a", "b"], "bridge_url": "https://b.example"}

    assert domain.describe_edits(before, after) == (
        "priority P3 → P2; services a → a, b; bridge none → https://b.example"
    )
    assert domain.describe_edits(before, dict(before)) == ""
