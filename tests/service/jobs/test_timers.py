from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs import domain
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.jobs.models import Timer
from opsroom.runtime.wiring import TIMERS
from opsroom.runtime.worker import run_once

FAILURES: Counter[str] = Counter()


def _record(session: Session, timer: Due) -> None:
    audit.record(
        session, actor="worker", action="test.ran", subject_type="timer", subject_key=timer.subject
    )


def _flaky(session: Session, timer: Due) -> None:
    _record(session, timer)
    if FAILURES[timer.subject] < timer.payload["fail_times"]:
        FAILURES[timer.subject] += 1
        raise RuntimeError("the mail server said no")


def _runs(settings: Settings, subject: str) -> int:
    with session_scope(settings) as s:
        return sum(
            1
            for e in audit.list_entries(s, subject_key=subject, limit=500).items
            if e.action == "test.ran"
        )


def _schedule(
    settings: Settings,
    n: int,
    *,
    kind: str = "test.record",
    due_in: timedelta = timedelta(0),
    **payload: int,
) -> None:
    with session_scope(settings) as s:
        for i in range(n):
            jobs.schedule(
                s, kind=kind, subject=f"t{i}", due_at=clock.now() + due_in, payload=payload
            )


def test_a_timer_runs_once_when_due_and_not_before(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    _schedule(settings, 1, due_in=timedelta(minutes=5))
    assert run_once(settings, owner="w1", kinds=KINDS) == 0
    frozen_clock.advance(timedelta(minutes=5))
    assert run_once(settings, owner="w1", kinds=KINDS) == 1
    assert run_once(settings, owner="w1", kinds=KINDS) == 0
    assert _runs(settings, "t0") == 1


def test_scheduling_with_a_dedup_key_moves_the_timer_instead_of_adding_one(
    session: Session,
) -> None:
    first = jobs.schedule(
        session, kind="test.record", subject="inc", due_at=clock.now(), dedup_key="inc:reminder"
    )
    second = jobs.schedule(
        session,
        kind="test.record",
        subject="inc",
        due_at=clock.now() + timedelta(hours=1),
        dedup_key="inc:reminder",
    )
    session.flush()
    assert first.id == second.id
    assert [t.due_at for t in jobs.pending(session, subject="inc")] == [second.due_at]


def test_cancelled_timers_never_run(settings: Settings) -> None:
    _schedule(settings, 1)
    with session_scope(settings) as s:
        assert jobs.cancel(s, subject="t0") == 1
    assert run_once(settings, owner="w1", kinds=KINDS) == 0


def test_a_failing_timer_backs_off_then_succeeds(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    FAILURES.clear()
    _schedule(settings, 1, kind="test.flaky", fail_times=2)
    assert run_once(settings, owner="w1", kinds=KINDS) == 0
    assert _runs(settings, "t0") == 0  # the failed attempt's writes rolled back
    frozen_clock.advance(domain.RETRY.delay(1))
    assert run_once(settings, owner="w1", kinds=KINDS) == 0
    frozen_clock.advance(domain.RETRY.delay(2))
    assert run_once(settings, owner="w1", kinds=KINDS) == 1
    assert _runs(settings, "t0") == 1


def test_a_timer_that_always_fails_is_given_up_with_its_error(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    FAILURES.clear()
    _schedule(settings, 1, kind="test.flaky", fail_times=99)
    for attempt in range(1, domain.RETRY.attempts + 1):
        run_once(settings, owner="w1", kinds=KINDS)
        frozen_clock.advance(domain.RETRY.delay(attempt))
    with session_scope(settings) as s:
        timer = s.query(Timer).one()
        assert (timer.status, timer.attempts) == ("failed", domain.RETRY.attempts)
        assert timer.last_error == "RuntimeError: the mail server said no"


def test_a_crashed_workers_timers_are_taken_over_after_the_lease(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    _schedule(settings, 3)
    with session_scope(settings) as s:
        assert len(jobs.claim_due(s, owner="crashed", limit=10)) == 3  # then it died
    assert run_once(settings, owner="w2", kinds=KINDS) == 0
    frozen_clock.advance(domain.LEASE + timedelta(seconds=1))
    assert run_once(settings, owner="w2", kinds=KINDS) == 3
    assert [_runs(settings, f"t{i}") for i in range(3)] == [1, 1, 1]


def test_a_worker_that_lost_its_lease_does_not_run_the_timer(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    _schedule(settings, 1)
    with session_scope(settings) as s:
        (timer_id,) = jobs.claim_due(s, owner="slow", limit=1)
    frozen_clock.advance(domain.LEASE + timedelta(seconds=1))
    assert run_once(settings, owner="fast", kinds=KINDS) == 1
    with session_scope(settings) as s:
        assert jobs.run(s, timer_id=timer_id, owner="slow", kinds=KINDS) is False
    assert _runs(settings, "t0") == 1


@pytest.mark.parametrize("workers", [4])
def test_concurrent_workers_run_every_timer_exactly_once(settings: Settings, workers: int) -> None:
    _schedule(settings, 120)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            while run_once(settings, owner=name, batch=7, kinds=KINDS):
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(settings) as s:
        ran = Counter(
            e.subject_key for e in audit.list_entries(s, limit=500).items if e.action == "test.ran"
        )
        assert audit.verify(s)[1] is None
    assert ran == Counter({f"t{i}": 1 for i in range(120)})


def _batch(session: Session, timers: Sequence[Due]) -> None:
    for timer in timers:
        _record(session, timer)
        if timer.payload.get("broken"):
            raise RuntimeError(f"{timer.subject} is broken")


# The worker's timers, and kinds of these tests' own.
KINDS = {
    **TIMERS,
    "test.record": jobs.each(_record),
    "test.flaky": jobs.each(_flaky),
    "test.batch": jobs.together(_batch),
}


def test_a_batch_runs_together_and_a_broken_timer_in_it_fails_alone(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        for n in range(3):
            payload = {"broken": n == 1}
            jobs.schedule(
                s, kind="test.batch", subject=f"b{n}", due_at=clock.now(), payload=payload
            )
    assert run_once(settings, owner="w1", kinds=KINDS) == 2
    assert [_runs(settings, f"b{n}") for n in range(3)] == [1, 0, 1]
    with session_scope(settings) as s:
        broken = s.query(Timer).filter_by(subject="b1").one()
        assert (broken.status, broken.attempts) == ("pending", 1)
        assert broken.last_error == "RuntimeError: b1 is broken"
