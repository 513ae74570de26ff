"""The kit for records people edit under an optimistic lock (incidents, changes, problems,
reviews, action items, catalog entries, schedules, escalation policies): a stale edit is
refused, a save bumps the version, and every change is audited with the record's snapshot.
Each domain declares one `Record` per kind of record and calls it the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.audit.domain import Actor
from opsroom.infra.db import locked
from opsroom.infra.errors import require_version


class Versioned(Protocol):
    version: int


V = TypeVar("V", bound=Versioned)


@dataclass(frozen=True)
class Record(Generic[V]):
    """How one kind of record is audited: under `subject_type` and its key, with `snapshot`
    as the state before and after a change. `named` is how a refused edit names it."""

    subject_type: str
    snapshot: Callable[[V], dict[str, Any]]
    key: Callable[[V], str] = attrgetter("key")
    named: str = "{key}"

    def held(self, record: V, version: int | None) -> V:
        """`record`, unless `version` (the one the caller loaded; None: the caller does not
        guard against concurrent edits) is no longer its version. The record is locked and
        read again first, so that of two concurrent edits from one version one is refused."""
        locked(record)
        require_version(self.named.format(key=self.key(record)), record.version, version)
        return record

    def event(
        self,
        session: Session,
        record: V,
        actor: Actor,
        kind: str,
        text: str,
        **data: Any,
    ) -> None:
        audit.add_event(
            session,
            subject_type=self.subject_type,
            subject_key=self.key(record),
            actor=str(actor),
            kind=kind,
            text=text,
            data=data or None,
        )

    def audited(
        self,
        session: Session,
        record: V,
        actor: Actor,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None = None,
    ) -> V:
        """Audit a change to the record; `after` is its snapshot, taken once the row is
        flushed, unless the caller records something else (a note, a reminder)."""
        session.flush()
        audit.record(
            session,
            actor=str(actor),
            action=action,
            subject_type=self.subject_type,
            subject_key=self.key(record),
            before=before,
            after=self.snapshot(record) if after is None else after,
        )
        return record

    def saved(
        self,
        session: Session,
        record: V,
        actor: Actor,
        action: str,
        before: dict[str, Any],
    ) -> V:
        """Bump the version and audit the change (callers put their own words on the timeline)."""
        record.version += 1
        return self.audited(session, record, actor, action, before)

    def removed(self, session: Session, record: V, actor: Actor, action: str) -> None:
        """Delete the record and audit what it was."""
        before = self.snapshot(record)
        session.delete(record)
        session.flush()
        audit.record(
            session,
            actor=str(actor),
            action=action,
            subject_type=self.subject_type,
            subject_key=self.key(record),
            before=before,
        )
