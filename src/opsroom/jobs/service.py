"""Schedule, cancel, claim and run durable timers; what runs for each kind is the caller's
(the worker's wiring)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.jobs import domain
from opsroom.jobs.domain import TimerStatus
from opsroom.jobs.models import Timer

Handler = Callable[[Session, domain.Due], None]
BatchHandler = Callable[[Session, Sequence[domain.Due]], None]
log = logging.getLogger("opsroom.worker")


@dataclass(frozen=True)
class Runs:
    """How the timers of one kind run, in the timers' own transaction. A batched kind takes
    many due timers at once (set-based queries instead of a round of them per timer); it
    must treat each timer as a run of one would, since a batch that fails runs again one
    timer at a time."""

    handler: BatchHandler
    batched: bool = False


def each(handler: Handler) -> Runs:
    def one_by_one(session: Session, timers: Sequence[domain.Due]) -> None:
        for timer in timers:
            handler(session, timer)

    return Runs(one_by_one)


def together(handler: BatchHandler) -> Runs:
    return Runs(handler, batched=True)


# Timer kind -> how its timers run (the worker's `opsroom.runtime.wiring.TIMERS`).
Kinds = Mapping[str, Runs]


def schedule(
    session: Session,
    *,
    kind: str,
    subject: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> Timer:
    """Schedule in the caller's transaction; with a dedup_key, a second schedule moves the first."""
    existing = (
        session.scalar(select(Timer).where(Timer.dedup_key == dedup_key)) if dedup_key else None
    )
    if existing is not None:
        existing.due_at, existing.payload, existing.status, existing.attempts = (
            due_at,
            payload or {},
            TimerStatus.PENDING,
            0,
        )
        return existing
    timer = Timer(
        kind=kind,
        subject=subject,
        due_at=due_at,
        payload=payload or {},
        dedup_key=dedup_key,
        status=TimerStatus.PENDING,
    )
    session.add(timer)
    return timer


def cancel(session: Session, *, subject: str, kind: str | None = None) -> int:
    query = update(Timer).where(Timer.subject == subject, Timer.status == TimerStatus.PENDING)
    if kind is not None:
        query = query.where(Timer.kind == kind)
    result = session.execute(query.values(status=TimerStatus.CANCELLED, finished_at=clock.now()))
    return int(result.rowcount)  # type: ignore[attr-defined]


def pending(session: Session, *, subject: str) -> list[Timer]:
    query = select(Timer).where(Timer.subject == subject, Timer.status == TimerStatus.PENDING)
    return list(session.scalars(query.order_by(Timer.due_at)))


def claim_due(session: Session, *, owner: str, limit: int) -> list[int]:
    """Lease up to `limit` due timers to `owner`. On PostgreSQL, rows another worker is
    claiming are skipped (SKIP LOCKED); SQLite serialises writers, so it needs nothing more."""
    return [timer.id for timer in _claim(session, owner=owner, limit=limit)]


def _claim(session: Session, *, owner: str, limit: int) -> list[Timer]:
    timers: list[Timer] = lease_due(
        session, Timer, pending=TimerStatus.PENDING, owner=owner, limit=limit, lease=domain.LEASE
    )
    return timers


def lease_due(
    session: Session, model: Any, *, pending: str, owner: str, limit: int, lease: timedelta
) -> list[Any]:
    """Lease up to `limit` due rows of a queue table (status, due_at, lease_owner,
    lease_until) to `owner`, oldest first (see `due_rows`)."""
    now = clock.now()
    rows = list(session.scalars(due_rows(model, model, pending=pending, limit=limit, now=now)))
    for row in rows:
        row.lease_owner, row.lease_until = owner, now + lease
    return rows


def due_rows(model: Any, *columns: Any, pending: str, limit: int, now: datetime) -> Select[Any]:
    """The query for up to `limit` rows of a queue table due `now` and not leased, oldest
    first, locked for the caller's transaction: on PostgreSQL rows another worker is
    claiming are skipped (SKIP LOCKED), SQLite serialises writers."""
    return (
        select(*columns)
        .where(
            model.status == pending,
            model.due_at <= now,
            or_(model.lease_until.is_(None), model.lease_until < now),
        )
        .order_by(model.due_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def run(session: Session, *, timer_id: int, owner: str, kinds: Kinds) -> bool:
    """Run one leased timer. True if it ran (and is done); False if it is no longer ours."""
    timer = session.get(Timer, timer_id, with_for_update=True)
    if timer is None or timer.status != TimerStatus.PENDING or timer.lease_owner != owner:
        return False
    _execute(session, kinds, [timer])
    return True


def run_due(session: Session, *, owner: str, limit: int, kinds: Kinds) -> int:
    """Claim up to `limit` due timers and run them in the caller's transaction, each in a
    savepoint, so a failing timer's writes roll back alone and only it backs off. Kinds
    with a batch handler run together in one savepoint first, one at a time if that fails.
    Returns how many ran."""
    by_kind: dict[str, list[Timer]] = {}
    for timer in _claim(session, owner=owner, limit=limit):
        by_kind.setdefault(timer.kind, []).append(timer)
    ran = 0
    for kind, timers in by_kind.items():
        batched = kind in kinds and kinds[kind].batched
        if batched and len(timers) > 1 and _run_together(session, kinds, timers):
            ran += len(timers)
        else:
            ran += sum(_run_alone(session, kinds, timer.id) for timer in timers)
    return ran


def _run_together(session: Session, kinds: Kinds, timers: list[Timer]) -> bool:
    try:
        with session.begin_nested():
            _execute(session, kinds, timers)
        return True
    except Exception:
        log.warning(
            "a batch of %d '%s' timers failed; running them one by one", len(timers), timers[0].kind
        )
        return False


def _run_alone(session: Session, kinds: Kinds, timer_id: int) -> bool:
    try:
        with session.begin_nested():
            _execute(session, kinds, [session.get_one(Timer, timer_id)])
        return True
    except Exception as exc:
        log.exception("timer %s failed", timer_id)
        record_failure(session, timer_id=timer_id, error=f"{type(exc).__name__}: {exc}")
        return False


def _execute(session: Session, kinds: Kinds, timers: Sequence[Timer]) -> None:
    runs = kinds.get(timers[0].kind)
    if runs is None:
        raise LookupError(f"no handler for timer kind '{timers[0].kind}'")
    runs.handler(
        session, [domain.Due(t.kind, t.subject, t.due_at, dict(t.payload)) for t in timers]
    )
    for timer in timers:
        timer.status, timer.finished_at, timer.lease_owner, timer.lease_until = (
            TimerStatus.DONE,
            clock.now(),
            None,
            None,
        )


def record_failure(session: Session, *, timer_id: int, error: str) -> None:
    """After a handler failed (its transaction rolled back): back off, or give up for good."""
    timer = session.get_one(Timer, timer_id)
    timer.attempts += 1
    timer.last_error = error[:2000]
    timer.lease_owner, timer.lease_until = None, None
    if domain.RETRY.gives_up(timer.attempts):
        timer.status, timer.finished_at = TimerStatus.FAILED, clock.now()
    else:
        timer.due_at = clock.now() + domain.RETRY.delay(timer.attempts)


def lag_seconds(session: Session) -> float:
    """How late the oldest due timer is: the worker's backlog, for /metrics and health."""
    oldest = session.scalar(
        select(Timer.due_at)
        .where(Timer.status == TimerStatus.PENDING, Timer.due_at <= clock.now())
        .order_by(Timer.due_at)
        .limit(1)
    )
    return (clock.now() - oldest).total_seconds() if oldest else 0.0
