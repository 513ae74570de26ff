"""What customers are told of a service, how a day's bar is coloured, and the signed links of
a subscription."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.statuspage.domain import (
    Bar,
    ComponentState,
    LinkPurpose,
    bar,
    bar_runs,
    component_state,
    link_token,
    link_valid,
)

SECRET = "s" * 32


@pytest.mark.parametrize(
    ("priorities", "state"),
    [
        ([], ComponentState.OPERATIONAL),
        ([4, 3], ComponentState.DEGRADED),
        ([3, 2], ComponentState.PARTIAL_OUTAGE),
        ([2, 1, 4], ComponentState.MAJOR_OUTAGE),
    ],
)
def test_the_worst_open_incident_decides(priorities: list[int], state: ComponentState) -> None:
    assert component_state(priorities) is state


@pytest.mark.parametrize(
    ("availability", "colour"),
    [(None, Bar.NO_DATA), (1.0, Bar.UP), (0.995, Bar.DIP), (0.99, Bar.DIP), (0.5, Bar.DOWN)],
)
def test_a_day_is_coloured_by_its_downtime(availability: float | None, colour: Bar) -> None:
    assert bar(availability) is colour


def test_days_alike_are_drawn_together_and_each_day_with_downtime_alone() -> None:
    runs = bar_runs(date(2026, 1, 30), [None, 1.0, 1.0, 0.5, 0.995, 1.0])
    assert [(r.start, r.length, r.colour, r.last) for r in runs] == [
        (0, 1, Bar.NO_DATA, date(2026, 1, 30)),
        (1, 2, Bar.UP, date(2026, 2, 1)),
        (3, 1, Bar.DOWN, date(2026, 2, 2)),
        (4, 1, Bar.DIP, date(2026, 2, 3)),
        (5, 1, Bar.UP, date(2026, 2, 4)),
    ]
    assert runs[2].availability == 0.5


def test_a_link_is_valid_only_for_its_purpose_subscriber_and_address() -> None:
    token = link_token(SECRET, LinkPurpose.CONFIRM, subscriber=7, email="Ann@Example.org")
    assert link_valid(
        SECRET, LinkPurpose.CONFIRM, subscriber=7, email="ann@example.org", token=token
    )
    assert not link_valid(
        SECRET, LinkPurpose.UNSUBSCRIBE, subscriber=7, email="ann@example.org", token=token
    )
    assert not link_valid(
        SECRET, LinkPurpose.CONFIRM, subscriber=8, email="ann@example.org", token=token
    )
    assert not link_valid(
        "t" * 32, LinkPurpose.CONFIRM, subscriber=7, email="ann@example.org", token=token
    )


@given(st.text(min_size=1, max_size=40))
def test_a_guessed_token_is_refused(guess: str) -> None:
    assert not link_valid(
        SECRET, LinkPurpose.CONFIRM, subscriber=1, email="a@b.example", token=guess
    )
