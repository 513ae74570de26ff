"""Schedule, cancel, claim and run durable timers. Handlers register by kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from opsroom import clock
from opsroom.jobs import domain
from opsroom.jobs.domain import TimerStatus
from opsroom.jobs.models import Timer

Handler = Callable[[Session, domain.Due], None]
_handlers: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs timers of this kind (in the timer's own transaction)."""

    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


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
    now = clock.now()
    due = (
        select(Timer.id)
        .where(
            Timer.status == TimerStatus.PENDING,
            Timer.due_at <= now,
            or_(Timer.lease_until.is_(None), Timer.lease_until < now),
        )
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(Timer)
            .where(Timer.id.in_(ids))
            .values(lease_owner=owner, lease_until=now + domain.LEASE)
        )
    return ids


def run(session: Session, *, timer_id: int, owner: str) -> bool:
    """Run one leased timer. True if it ran (and is done); False if it is no longer ours."""
    timer = session.get(Timer, timer_id, with_for_update=True)
    if timer is None or timer.status != TimerStatus.PENDING or timer.lease_owner != owner:
        return False
    handler = _handlers.get(timer.kind)
    if handler is None:
        raise LookupError(f"no handler for timer kind '{timer.kind}'")
    handler(session, domain.Due(timer.kind, timer.subject, timer.due_at, dict(timer.payload)))
    timer.status, timer.finished_at, timer.lease_owner, timer.lease_until = (
        TimerStatus.DONE,
        clock.now(),
        None,
        None,
    )
    return True


def record_failure(session: Session, *, timer_id: int, error: str) -> None:
    """After a handler failed (its transaction rolled back): back off, or give up for good."""
    timer = session.get_one(Timer, timer_id)
    timer.attempts += 1
    timer.last_error = error[:2000]
    timer.lease_owner, timer.lease_until = None, None
    if domain.gives_up(timer.attempts):
        timer.status, timer.finished_at = TimerStatus.FAILED, clock.now()
    else:
        timer.due_at = clock.now() + domain.retry_delay(timer.attempts)


def lag_seconds(session: Session) -> float:
    """How late the oldest due timer is: the worker's backlog, for /metrics and health."""
    oldest = session.scalar(
        select(Timer.due_at)
        .where(Timer.status == TimerStatus.PENDING, Timer.due_at <= clock.now())
        .order_by(Timer.due_at)
        .limit(1)
    )
    return (clock.now() - oldest).total_seconds() if oldest else 0.0
