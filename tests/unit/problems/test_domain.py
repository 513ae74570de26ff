from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.infra.errors import InvalidTransition
from opsroom.problems import domain
from opsroom.problems.domain import MatchRule, Occurrence, Status, Symptoms, Transition

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def test_a_problem_walks_from_new_to_closed() -> None:
    status = Status.NEW
    for move in (
        Transition.INVESTIGATE,
        Transition.IDENTIFY_ROOT_CAUSE,
        Transition.MARK_KNOWN_ERROR,
        Transition.START_FIX,
        Transition.RESOLVE,
        Transition.CLOSE,
    ):
        status = domain.next_status(status, move)
    assert status is Status.CLOSED


def test_an_invalid_move_names_the_allowed_ones() -> None:
    with pytest.raises(InvalidTransition, match="allowed now: investigate"):
        domain.next_status(Status.NEW, Transition.CLOSE)


def test_reopening_sends_a_problem_back_to_investigation() -> None:
    assert domain.next_status(Status.CLOSED, Transition.REOPEN) is Status.INVESTIGATING
    assert domain.allowed(Status.CLOSED) == [Transition.REOPEN]


SEEN = Symptoms(
    services=frozenset({"payments"}),
    title="Payments API timing out at checkout",
    alert_labels=[{"alertname": "HighLatency", "service": "payments"}],
)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (MatchRule(services=frozenset({"payments"})), True),
        (MatchRule(services=frozenset({"search"})), False),
        (MatchRule(title_contains="TIMING OUT"), True),
        (MatchRule(services=frozenset({"payments"}), title_contains="disk full"), False),
        (MatchRule(labels={"alertname": "HighLatency"}), True),
        (MatchRule(labels={"alertname": "HighLatency", "service": "search"}), False),
        (MatchRule(), False),
    ],
)
def test_a_known_error_matches_when_every_rule_given_holds(rule: MatchRule, expected: bool) -> None:
    assert domain.matches(rule, SEEN) is expected


def _occ(key: str, title: str, day: int, service: str = "payments") -> Occurrence:
    return Occurrence(key, service, title, START + timedelta(days=day))


def test_three_alike_incidents_within_the_window_recur() -> None:
    found = domain.recurring(
        [
            _occ("INC-1", "Payments API timeouts", 0),
            _occ("INC-2", "Search index stale", 1),
            _occ("INC-3", "payments api timeouts again", 5),
            _occ("INC-4", "Timeouts on the payments API", 20),
        ]
    )
    assert [[o.key for o in g] for g in found] == [["INC-1", "INC-3", "INC-4"]]


def test_alike_incidents_spread_beyond_the_window_do_not_recur() -> None:
    spread = [_occ(f"INC-{n}", "Payments API timeouts", 20 * n) for n in range(3)]
    assert domain.recurring(spread) == []
    assert len(domain.recurring(spread, domain.Recurrence(window=timedelta(days=40)))) == 1


def test_alike_titles_on_different_services_are_not_one_group() -> None:
    mixed = [_occ(f"INC-{n}", "Disk full", n, service=f"svc-{n}") for n in range(3)]
    assert domain.recurring(mixed) == []


def test_a_group_already_decided_is_not_proposed_again() -> None:
    earlier = [frozenset({"INC-1", "INC-2", "INC-3"})]
    assert domain.already_proposed(frozenset({"INC-1", "INC-3"}), earlier)
    assert not domain.already_proposed(frozenset({"INC-1", "INC-4"}), earlier)
