"""Group commit for the ingest endpoints: requests accepted at the same time share one
transaction. Each request waits for the commit that holds it, so its 2xx still means its
row is durable; while one commit runs, the requests arriving meanwhile gather for the next,
so the busier the endpoint, the more requests a commit carries and nothing waits idle."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection

from opsroom.alerts import service as alerts
from opsroom.infra.config import Settings
from opsroom.infra.db import get_engine, session_scope
from opsroom.infra.errors import OpsroomError, Unauthenticated

MAX_REQUESTS = 512  # per commit
KNOWN_KEYS = 1024  # integration keys remembered per process


@dataclass(frozen=True)
class KnownKey:
    integration_id: int
    key_hash: str


class KeyCache:
    """Integration key hash -> integration, so a request needs no query to find its
    integration. Only a hint: the commit re-checks the key against the integration's row
    (locked anyway for its rate limit), so a rotated or disabled key is refused at once and
    forgotten here."""

    def __init__(self) -> None:
        self._known: dict[str, KnownKey] = {}
        self._lock = threading.Lock()

    def known(self, key: str) -> KnownKey | None:
        return self._known.get(alerts.key_digest(key))

    def look_up(self, settings: Settings, key: str) -> KnownKey:
        """The integration holding `key`, from the database (401 when none does)."""
        with session_scope(settings, write=False) as session:
            integration = alerts.integration_for_key(session, key)
            known = KnownKey(integration.id, integration.key_hash)
        with self._lock:
            if len(self._known) >= KNOWN_KEYS:
                self._known.clear()
            self._known[known.key_hash] = known
        return known

    def forget(self, key_hash: str) -> None:
        with self._lock:
            self._known.pop(key_hash, None)


keys = KeyCache()


# What a commit answers each request with: None once its row is committed, else its
# refusal (401, 429) or the database's failure.
Outcome = Exception | None


@dataclass
class _Waiting:
    request: alerts.Pending
    answer: asyncio.Future[Outcome]


@dataclass
class GroupCommit:
    """One per event loop: the queue of accepted requests and the task committing them. The
    commits run on one thread over one database connection kept open, so a commit costs no
    connecting; and on SQLite, with a connection always open, the others closing never make
    SQLite checkpoint its write-ahead log in their way."""

    settings: Settings
    loop: asyncio.AbstractEventLoop
    queue: list[_Waiting] = field(default_factory=list)
    committing: bool = False
    thread: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="opsroom-intake-commit")
    )
    connection: Connection | None = None

    async def keep(self, request: alerts.Pending) -> None:
        """Return once the request's row is committed; raise its refusal (401, 429) or the
        database's failure."""
        waiting = _Waiting(request, self.loop.create_future())
        self.queue.append(waiting)
        if not self.committing:
            self.committing = True
            self.loop.create_task(self._commit_all())
        outcome = await waiting.answer
        if outcome is not None:
            raise outcome

    async def _commit_all(self) -> None:
        try:
            while self.queue:
                batch, self.queue = self.queue[:MAX_REQUESTS], self.queue[MAX_REQUESTS:]
                await self._commit(batch)
        finally:
            self.committing = False

    async def _commit(self, batch: Sequence[_Waiting]) -> None:
        requests = [w.request for w in batch]
        try:
            outcomes: list[Outcome] = list(
                await self.loop.run_in_executor(self.thread, self._write, requests)
            )
        except Exception as exc:  # the database failed: every request in the batch gets it
            outcomes = [exc] * len(batch)
        else:
            alerts.intake_arrived.set()
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Unauthenticated):
                keys.forget(waiting.request.key_hash)
            if not waiting.answer.done():  # its request may have been cancelled meanwhile
                waiting.answer.set_result(outcome)

    async def close(self) -> None:
        """Let go of the connection and the thread (once no commit is left to run)."""
        await self.loop.run_in_executor(self.thread, self._disconnect)
        self.thread.shutdown()

    def _disconnect(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _write(self, requests: list[alerts.Pending]) -> list[OpsroomError | None]:
        if self.connection is None:
            self.connection = get_engine(self.settings).connect()
        try:
            with alerts.intake_gate.intake(self.settings), self.connection.begin():
                return alerts.accept(self.connection, requests)
        except Exception:
            self.connection.close()  # it may be broken: the next commit connects afresh
            self.connection = None
            raise


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, GroupCommit]] = (
    weakref.WeakKeyDictionary()
)


def writer(settings: Settings) -> GroupCommit:
    """The group commit of the running event loop (one per loop and database)."""
    loop = asyncio.get_running_loop()
    of_loop = _writers.setdefault(loop, {})
    if settings.database_url not in of_loop:
        of_loop[settings.database_url] = GroupCommit(settings, loop)
    return of_loop[settings.database_url]


async def close_writers() -> None:
    """Close the running event loop's group commits (its server is stopping)."""
    for commit in _writers.pop(asyncio.get_running_loop(), {}).values():
        await commit.close()
