"""The background worker: runs due timers in batches (one transaction each, a savepoint per
timer) and, while it does, hands the outbox's due messages to their channels from a pool of
threads.
Runs inside `opsroom serve` by default, or alone as `opsroom worker` for scale-out."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from functools import cache

from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs import service as jobs
from opsroom.mailin import mailbox
from opsroom.notify import delivery as notify
from opsroom.notify import domain as notify_domain
from opsroom.runtime.wiring import TIMERS

log = logging.getLogger("opsroom.worker")
BATCH = 100
DELIVERY_BATCH = 100
RECORD_AFTER = 1000
SENDERS = 8


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(
    settings: Settings, *, owner: str, batch: int = BATCH, kinds: jobs.Kinds = TIMERS
) -> int:
    """Run what is due, then hand the outbox's due messages over and record the outcomes;
    returns how much was done."""
    deliveries = Deliveries(settings, owner=owner)
    done = run_round(settings, deliveries, batch=batch, kinds=kinds)
    deliveries.finish()
    return done


def run_round(
    settings: Settings, deliveries: Deliveries, *, batch: int, kinds: jobs.Kinds = TIMERS
) -> int:
    """Run a batch of due timers and lease the outbox rows due by then (the pages those
    timers queued among them) in one transaction, then start sending what was leased.
    Returns how many timers ran and sends started."""
    with session_scope(settings) as session:
        ran = jobs.run_due(session, owner=deliveries.owner, limit=batch, kinds=kinds)
        leased = deliveries.lease(session)
    return ran + deliveries.send(leased)


class Deliveries:
    """The outbox rows this worker has leased and handed to its sending threads. Leasing is
    committed before the sends, sends happen outside any transaction, and outcomes are
    recorded for the rows still leased to the worker with the same attempt, so the worker
    can run timers while the sends are in flight."""

    def __init__(self, settings: Settings, *, owner: str, limit: int = DELIVERY_BATCH) -> None:
        self.settings, self.owner, self.limit = settings, owner, limit
        self.in_flight: dict[Future[notify.Outcome], notify.Handoff] = {}
        self.finished: list[tuple[notify.Handoff, notify.Outcome]] = []
        self.renewed_at = clock.now()

    def lease(self, session: Session) -> list[notify.Handoff]:
        """Lease due rows, up to the room left in flight, in the caller's transaction."""
        room = self.limit - len(self.in_flight)
        if room <= 0:
            return []
        return notify.claim_deliveries(session, owner=self.owner, limit=room)

    def send(self, leased: list[notify.Handoff]) -> int:
        """Start sending rows whose lease has committed."""
        for handoff in leased:
            sending = _senders().submit(notify.hand_over, self.settings, handoff)
            self.in_flight[sending] = handoff
        return len(leased)

    def renew(self) -> int:
        """Renew the leases of the sends in flight or not yet recorded, once LEASE_RENEWAL has
        passed since the last renewal, so that no other worker takes them over while this one
        holds them; how many leases were renewed."""
        now = clock.now()
        held = [*self.in_flight.values(), *(handoff for handoff, _ in self.finished)]
        if not held or now - self.renewed_at < notify_domain.LEASE_RENEWAL:
            return 0
        self.renewed_at = now
        ids = [handoff.id for handoff in held]
        with session_scope(self.settings) as session:
            return notify.renew_leases(session, owner=self.owner, ids=ids)

    def collect(self) -> None:
        """Take the finished sends out of flight (making room for more), their outcomes kept
        until they are recorded."""
        for sending in [s for s in self.in_flight if s.done()]:
            self.finished.append((self.in_flight.pop(sending), sending.result()))

    def record_finished(self) -> int:
        """Record, in one transaction, the outcomes of the sends that have finished."""
        self.collect()
        if not self.finished:
            return 0
        with session_scope(self.settings) as session:
            notify.record_deliveries(session, owner=self.owner, outcomes=self.finished)
        recorded, self.finished = len(self.finished), []
        return recorded

    def wait(self, timeout: float) -> None:
        """Until half the sends in flight have finished (or the timeout): recording them one
        by one as they trickle in would cost a transaction each."""
        enough = max(1, len(self.in_flight) // 2)
        try:
            for finished, _ in enumerate(as_completed(self.in_flight, timeout=timeout), 1):
                if finished >= enough:
                    return
        except TimeoutError:
            return

    def finish(self) -> None:
        """Wait for every send in flight and record the outcomes."""
        wait(self.in_flight)
        self.record_finished()


def step(settings: Settings, deliveries: Deliveries, *, batch: int = BATCH) -> int:
    """One round of the pipeline: run a batch of due timers, lease and start sending the
    outbox rows now due. Outcomes are recorded in a round with nothing else to do, or once
    RECORD_AFTER have piled up: in a burst (1,000 escalations due at once) each transaction
    spent recording would hold up a page. Returns how many timers ran and sends started."""
    deliveries.collect()
    deliveries.renew()
    busy = run_round(settings, deliveries, batch=batch)
    if not busy or len(deliveries.finished) >= RECORD_AFTER:
        deliveries.record_finished()
    return busy


@cache
def _senders() -> ThreadPoolExecutor:
    """A few threads per process: sends wait on the network, not on the interpreter."""
    return ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="opsroom-send")


def run_forever(settings: Settings, stop: threading.Event, *, poll_seconds: float = 1.0) -> None:
    owner = worker_name()
    log.info("worker %s started for timers %s", owner, ", ".join(sorted(TIMERS)))
    with session_scope(settings) as session:
        mailbox.start(session)
    deliveries = Deliveries(settings, owner=owner)
    while not stop.is_set():
        try:
            busy = step(settings, deliveries)
        except Exception:
            log.exception("worker loop error; retrying")
            busy = 0
        if busy:
            continue
        if deliveries.in_flight:
            deliveries.wait(poll_seconds)
        else:
            stop.wait(poll_seconds)
    deliveries.finish()
    log.info("worker %s stopped", owner)


Loop = Callable[[Settings, threading.Event], None]


class EmbeddedWorker:
    """A worker loop as a daemon thread of the web process, started and stopped with the
    app: the timers by default. `wake` is the event the loop sleeps on, if not its stop."""

    def __init__(
        self,
        settings: Settings,
        *,
        loop: Loop = run_forever,
        name: str = "opsroom-worker",
        wake: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.stop = threading.Event()
        self.wake = wake
        self.thread = threading.Thread(
            target=loop, args=(settings, self.stop), name=name, daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.wake is not None:
            self.wake.set()
        self.thread.join(timeout=10)
