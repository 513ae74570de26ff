from __future__ import annotations

from datetime import date, timedelta

import pytest

from opsroom.actions import domain
from opsroom.actions.domain import Status, Transition
from opsroom.incidents.domain import Priority
from opsroom.infra.errors import Conflict, InvalidTransition, ValidationFailed


def test_an_item_is_done_then_verified() -> None:
    status = domain.next_status(Status.OPEN, Transition.START)
    status = domain.next_status(status, Transition.COMPLETE)
    assert domain.next_status(status, Transition.VERIFY) is Status.VERIFIED


def test_wont_do_needs_acceptance_and_can_be_refused() -> None:
    requested = domain.next_status(Status.IN_PROGRESS, Transition.REQUEST_WONT_DO)
    assert requested is Status.WONT_DO_REQUESTED
    assert domain.next_status(requested, Transition.ACCEPT_WONT_DO) is Status.WONT_DO
    assert domain.next_status(requested, Transition.REJECT_WONT_DO) is Status.OPEN
    with pytest.raises(InvalidTransition, match="cannot accept wont do"):
        domain.next_status(Status.OPEN, Transition.ACCEPT_WONT_DO)


def test_wont_do_needs_a_reason() -> None:
    with pytest.raises(ValidationFailed) as refused:
        domain.check_reason(Transition.REQUEST_WONT_DO, "  ")
    assert "reason" in refused.value.fields
    domain.check_reason(Transition.COMPLETE, "")


def test_independent_verification_refuses_the_implementer() -> None:
    with pytest.raises(Conflict):
        domain.check_verifier(independent=True, implementer="a@x", verifier="a@x")
    domain.check_verifier(independent=True, implementer="a@x", verifier="b@x")
    domain.check_verifier(independent=False, implementer="a@x", verifier="a@x")


def test_due_dates_follow_priority() -> None:
    today = date(2026, 11, 2)
    assert domain.default_due(Priority.P1, today) == date(2026, 11, 16)
    assert domain.default_due(Priority.P3, today) == today + timedelta(days=60)


def test_only_outstanding_items_past_their_date_are_overdue() -> None:
    today = date(2026, 11, 2)
    yesterday = today - timedelta(days=1)
    assert domain.is_overdue(Status.IN_PROGRESS, yesterday, today)
    assert not domain.is_overdue(Status.IN_PROGRESS, today, today)
    assert not domain.is_overdue(Status.DONE, yesterday, today)


def test_escalation_comes_a_week_after_the_due_date() -> None:
    assert domain.escalation_due(date(2026, 11, 2)) == date(2026, 11, 10)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0-7 days"),
        (7.9, "0-7 days"),
        (8, "8-30 days"),
        (45, "31-90 days"),
        (91, "over 90 days"),
    ],
)
def test_aging_buckets(days: float, bucket: str) -> None:
    assert domain.age_bucket(timedelta(days=days)) == bucket


def test_bucket_days_agree_with_the_buckets() -> None:
    for label in domain.bucket_labels():
        start, end = domain.bucket_days(label)
        assert domain.age_bucket(timedelta(days=start)) == label
        if end is not None:
            assert domain.age_bucket(timedelta(days=end, hours=23)) == label
    with pytest.raises(ValidationFailed):
        domain.bucket_days("ancient")


def test_aging_counts_every_bucket() -> None:
    counts = domain.aging([timedelta(days=1), timedelta(days=2), timedelta(days=100)])
    assert counts == {"0-7 days": 2, "8-30 days": 0, "31-90 days": 0, "over 90 days": 1}


def test_figures_math() -> None:
    assert domain.median_days([timedelta(days=1), timedelta(days=3), timedelta(days=10)]) == 3.0
    assert domain.median_days([]) is None
    assert domain.share(1, 3) == 33.3
    assert domain.share(0, 0) is None
