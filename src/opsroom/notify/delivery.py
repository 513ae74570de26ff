"""Delivery: the worker leases due outbox rows, hands each to its channel outside any
transaction and records what became of it on the incident's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.wording import counted
from opsroom.jobs import service as jobs
from opsroom.notify import channels, domain
from opsroom.notify.domain import Channel, Delivery
from opsroom.notify.models import OutboxMessage
from opsroom.notify.service import INCIDENT, PAGE


@dataclass(frozen=True)
class Handoff:
    """One leased delivery attempt, as the sending thread sees it (no session)."""

    id: int
    attempt: int
    channel: Channel
    address: str
    message: domain.Sendable
    key: str  # the idempotency key, the same on every attempt


def claim_deliveries(session: Session, *, owner: str, limit: int) -> list[Handoff]:
    """Lease up to `limit` due outbox rows to `owner`, counting the attempt now: a send
    that never reports back is retried only once the lease has run out. Two statements,
    no objects: the worker leases in every round."""
    now = clock.now()
    o = OutboxMessage
    due = jobs.due_rows(
        o,
        o.id,
        o.attempts,
        o.channel,
        o.address,
        o.message,
        o.dedup_key,
        pending=Delivery.PENDING,
        limit=limit,
        now=now,
    )
    rows = session.execute(due).all()
    if rows:
        leased = (
            update(o)
            .where(o.id.in_([r.id for r in rows]))
            .values(
                lease_owner=owner, lease_until=now + domain.DELIVERY_LEASE, attempts=o.attempts + 1
            )
        )
        session.execute(leased)
    return [
        Handoff(
            r.id,
            r.attempts + 1,
            Channel(r.channel),
            r.address,
            domain.from_dict(r.message),
            domain.idempotency_key(r.dedup_key),
        )
        for r in rows
    ]


def renew_leases(session: Session, *, owner: str, ids: Sequence[int]) -> int:
    """Hold on to the rows `owner` is still sending for another DELIVERY_LEASE; how many it
    still held (a row whose lease ran out and was taken over is left alone)."""
    o = OutboxMessage
    renewed = (
        update(o)
        .where(o.id.in_(ids), o.lease_owner == owner, o.status == Delivery.PENDING)
        .values(lease_until=clock.now() + domain.DELIVERY_LEASE)
    )
    return int(session.execute(renewed).rowcount)  # type: ignore[attr-defined]


# What became of one hand-over: nothing went wrong, or why it failed.
Outcome = channels.DeliveryFailed | None


def hand_over(settings: Settings, handoff: Handoff) -> Outcome:
    """Send one leased delivery outside any transaction; the failure, if any, is returned."""
    try:
        channels.send(
            settings,
            handoff.channel,
            handoff.address,
            handoff.message,
            delivery=handoff.id,
            key=handoff.key,
        )
    except channels.DeliveryFailed as failure:
        return failure
    except Exception as exc:  # a bug in one send must not leave its batch unrecorded
        return channels.DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False)
    return None


def record_deliveries(
    session: Session,
    *,
    owner: str,
    outcomes: Sequence[tuple[Handoff, Outcome]],
) -> None:
    """Mark what was sent and back off what failed, for the rows still leased to `owner`
    with the same attempt (a row whose lease ran out and was taken over is left alone)."""
    ids = [handoff.id for handoff, _ in outcomes]
    query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).with_for_update()
    rows = {row.id: row for row in session.scalars(query)}
    events: list[audit.Event] = []
    for handoff, failure in outcomes:
        row = rows.get(handoff.id)
        if row is None or (row.status, row.lease_owner, row.attempts) != (
            Delivery.PENDING,
            owner,
            handoff.attempt,
        ):
            continue
        row.lease_owner, row.lease_until = None, None
        kind, text = _sent(row) if failure is None else _failed(row, failure)
        if row.incident_key:
            data = {"outbox": row.id, "channel": row.channel}
            events.append(audit.Event(INCIDENT, row.incident_key, kind, text, data))
    audit.add_events(session, [e for e in events if e.kind != RETRYING])
    audit.note_events(session, [e for e in events if e.kind == RETRYING], same="outbox")


# A delivery being retried has one timeline entry, updated at each attempt.
RETRYING = "page_retry"


def _sent(row: OutboxMessage) -> tuple[str, str]:
    """Mark the row sent; the timeline entry (kind, text) that says so."""
    row.status, row.sent_at, row.last_error = Delivery.SENT, clock.now(), None
    return "page_sent", f"{_reached(row)} by {row.channel}, delivered {row.sent_at:%H:%M:%S} UTC"


def _failed(row: OutboxMessage, failure: channels.DeliveryFailed) -> tuple[str, str]:
    """Back the row off, or give up on it; the timeline entry (kind, text) that says so."""
    row.last_error = str(failure)[:2000]
    if domain.gives_up(row.attempts, permanent=failure.permanent):
        row.status = Delivery.FAILED
        return (
            "page_failed",
            f"{_sending(row)} by {row.channel} failed for good after {counted(row.attempts, 'attempt')}: {failure}",
        )
    now = clock.now()
    retry_at = now + domain.RETRY.delay(row.attempts)
    row.due_at = retry_at
    return (
        RETRYING,
        f"{_sending(row)} by {row.channel} failed (attempt {row.attempts} at {now:%H:%M:%S} UTC): {failure}; retrying at {retry_at:%H:%M:%S} UTC",
    )


def _reached(row: OutboxMessage) -> str:
    if row.kind == PAGE:
        return f"Paged {row.person}"
    return f"Sent {_what(row)} to {row.person}"


def _sending(row: OutboxMessage) -> str:
    if row.kind == PAGE:
        return f"Page to {row.person}"
    return f"{_what(row).capitalize()} to {row.person}"


def _what(row: OutboxMessage) -> str:
    return row.kind.split(".")[-1].replace("_", " ")
