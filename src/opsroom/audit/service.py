"""Append to the audit chain, read it, and verify it."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from opsroom.audit import domain
from opsroom.audit.models import AuditEntry, AuditHead, TimelineEvent
from opsroom.audit.schemas import VerifyRead
from opsroom.infra import clock
from opsroom.infra.pagination import Page, paginate

VERIFY_BATCH = 2000


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_key: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction; it commits or vanishes with the change."""
    before, after = domain.diff(domain.to_json_value(before), domain.to_json_value(after))
    seq, prev_hash = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    at = clock.now()
    fields: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_key": subject_key,
        "before": before,
        "after": after,
    }
    digest = domain.entry_hash(seq=seq, at=at, prev_hash=prev_hash, **fields)
    entry = AuditEntry(seq=seq, at=at, prev_hash=prev_hash, hash=digest, **fields)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    return entry


def list_entries(
    session: Session,
    *,
    subject_type: str | None = None,
    subject_key: str | None = None,
    actor: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[AuditEntry]:
    query = select(AuditEntry)
    if subject_type:
        query = query.where(AuditEntry.subject_type == subject_type)
    if subject_key:
        query = query.where(AuditEntry.subject_key == subject_key)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return paginate(session, query, AuditEntry.seq, limit=limit, cursor=cursor, descending=True)


def actors(
    session: Session, *, subject_type: str, subject_key: str, actions: Collection[str]
) -> set[str]:
    """Who did any of `actions` to one subject (who wrote a review, say)."""
    query = select(AuditEntry.actor).where(
        AuditEntry.subject_type == subject_type,
        AuditEntry.subject_key == subject_key,
        AuditEntry.action.in_(actions),
    )
    return set(session.scalars(query.distinct()))


def _links(session: Session) -> Iterator[domain.ChainLink]:
    last = 0
    while True:
        batch = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last)
            .order_by(AuditEntry.seq)
            .limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return
        for e in batch:
            yield domain.ChainLink(
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.subject_type,
                e.subject_key,
                e.before,
                e.after,
                e.prev_hash,
                e.hash,
            )
        last = batch[-1].seq


def verify(session: Session) -> tuple[int, domain.ChainBreak | None]:
    """How many entries were checked, and the first broken link if any."""
    head = session.get_one(AuditHead, 1)
    checked = 0

    def counted() -> Iterator[domain.ChainLink]:
        nonlocal checked
        for link in _links(session):
            checked += 1
            yield link

    broken = domain.first_break(counted())
    if broken is None and checked != head.seq:
        broken = domain.ChainBreak(
            checked + 1, f"the chain ends at {checked} but {head.seq} entries were recorded"
        )
    return checked, broken


def verification(session: Session) -> VerifyRead:
    checked, broken = verify(session)
    if broken is None:
        return VerifyRead(ok=True, checked=checked)
    return VerifyRead(ok=False, checked=checked, broken_at=broken.seq, reason=broken.reason)


def add_event(
    session: Session,
    *,
    subject_type: str,
    subject_key: str,
    actor: str,
    kind: str,
    text: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEvent:
    """Add to a subject's timeline (the audit chain records the change itself)."""
    event = TimelineEvent(
        subject_type=subject_type,
        subject_key=subject_key,
        at=at or clock.now(),
        actor=actor,
        kind=kind,
        text=text,
        data=domain.to_json_value(data) if data else None,
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class Event:
    """A timeline entry to add with many others (`add_events`)."""

    subject_type: str
    subject_key: str
    kind: str
    text: str
    data: dict[str, Any] | None = None
    actor: str = "opsroom"


def add_events(session: Session, events: Sequence[Event]) -> None:
    """Add many timeline entries in one statement, without objects for the session to track:
    what a burst of escalations or deliveries writes."""
    at = clock.now()
    rows = [
        {
            "subject_type": e.subject_type,
            "subject_key": e.subject_key,
            "at": at,
            "actor": e.actor,
            "kind": e.kind,
            "text": e.text,
            "data": domain.to_json_value(e.data) if e.data else None,
        }
        for e in events
    ]
    if rows:
        session.execute(insert(TimelineEvent), rows)


def timeline(session: Session, *, subject_type: str, subject_key: str) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(
        TimelineEvent.subject_type == subject_type, TimelineEvent.subject_key == subject_key
    )
    return list(session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))


def move_timeline(session: Session, *, subject_type: str, from_key: str, to_key: str) -> int:
    """Re-home one subject's events onto another (when a duplicate is merged)."""
    moved = session.execute(
        update(TimelineEvent)
        .where(TimelineEvent.subject_type == subject_type, TimelineEvent.subject_key == from_key)
        .values(subject_key=to_key)
    )
    return int(moved.rowcount)  # type: ignore[attr-defined]


def note_events(session: Session, events: Sequence[Event], *, same: str) -> None:
    """Timeline entries that say how something is going rather than add to the story: one
    per subject, kind and `data[same]`, its text replaced as things move on (a delivery
    retried eight times is one entry, not eight)."""
    fresh: list[Event] = []
    for e in events:
        query = select(TimelineEvent).where(
            TimelineEvent.subject_type == e.subject_type,
            TimelineEvent.subject_key == e.subject_key,
            TimelineEvent.kind == e.kind,
        )
        wanted = (e.data or {}).get(same)
        found = next(
            (t for t in session.scalars(query) if (t.data or {}).get(same) == wanted), None
        )
        if found is None:
            fresh.append(e)
        else:
            found.text = e.text
    add_events(session, fresh)
