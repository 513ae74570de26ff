from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.infra.config import Settings
from opsroom.infra.db import get_engine, session_scope


def _record(session: Session, n: int) -> None:
    for i in range(n):
        audit.record(
            session,
            actor="alice",
            action="thing.changed",
            subject_type="thing",
            subject_key=f"t{i}",
            after={"i": i},
        )


def _tamper(settings: Settings, sql: str) -> None:
    """What someone with database access could do: get past the append-only guard, then edit."""
    with get_engine(settings).begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
        else:  # a superuser skips triggers for this transaction only
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql))


def test_an_untouched_chain_verifies(session: Session) -> None:
    _record(session, 5)
    assert audit.verify(session) == (5, None)


def test_entries_link_each_to_the_previous_hash(session: Session) -> None:
    _record(session, 3)
    entries = sorted(audit.list_entries(session, limit=10).items, key=lambda e: e.seq)
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]


def test_the_database_refuses_to_change_an_entry(settings: Settings) -> None:
    with session_scope(settings) as s:
        _record(s, 1)
    with pytest.raises(DBAPIError, match="append-only"), get_engine(settings).begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'mallory'"))
    with pytest.raises(DBAPIError, match="append-only"), get_engine(settings).begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))


def test_a_changed_entry_is_reported_as_the_first_break(settings: Settings) -> None:
    with session_scope(settings) as s:
        _record(s, 6)
    _tamper(settings, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 4")
    with session_scope(settings) as s:
        _, broken = audit.verify(s)
    assert broken is not None
    assert (broken.seq, broken.reason) == (4, "content was changed after it was recorded")


def test_a_deleted_entry_is_reported_as_missing(settings: Settings) -> None:
    with session_scope(settings) as s:
        _record(s, 4)
    _tamper(settings, "DELETE FROM audit_entries WHERE seq = 2")
    with session_scope(settings) as s:
        result = audit.verification(s)
    assert (result.ok, result.broken_at) == (False, 2)


def test_a_truncated_tail_is_reported(settings: Settings) -> None:
    with session_scope(settings) as s:
        _record(s, 4)
    _tamper(settings, "DELETE FROM audit_entries WHERE seq = 4")
    with session_scope(settings) as s:
        result = audit.verification(s)
    assert (result.ok, result.broken_at) == (False, 4)


def test_a_rolled_back_change_leaves_no_entry(settings: Settings) -> None:
    with pytest.raises(RuntimeError), session_scope(settings) as s:
        _record(s, 2)
        raise RuntimeError("the use case failed after auditing")
    with session_scope(settings) as s:
        assert audit.verify(s) == (0, None)
        _record(s, 1)
        assert audit.list_entries(s).items[0].seq == 1
