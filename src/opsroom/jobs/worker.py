"""The background worker: runs due timers in batches (one transaction each, a savepoint per
timer) and hands the outbox's due messages to their channels.
Runs inside `opsroom serve` by default, or alone as `opsroom worker` for scale-out."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial

from opsroom.config import Settings
from opsroom.db import session_scope
from opsroom.jobs import service as jobs
from opsroom.notify import service as notify
from opsroom.registry import HANDLER_MODULES

log = logging.getLogger("opsroom.worker")
BATCH = 100
DELIVERY_BATCH = 100
SENDERS = 8


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(settings: Settings, *, owner: str, batch: int = BATCH) -> int:
    """Run what is due, then hand the outbox's due messages over; returns how much was done."""
    with session_scope(settings) as session:
        ran = jobs.run_due(session, owner=owner, limit=batch)
    return ran + hand_over(settings, owner=owner, batch=DELIVERY_BATCH)


def hand_over(settings: Settings, *, owner: str, batch: int) -> int:
    """Lease due deliveries (committed), send them concurrently outside any transaction, then
    record every outcome in one transaction. Returns how many were attempted."""
    with session_scope(settings) as session:
        claimed = notify.claim_deliveries(session, owner=owner, limit=batch)
    if not claimed:
        return 0
    failures = _senders().map(partial(notify.hand_over, settings), claimed)
    with session_scope(settings) as session:
        notify.record_deliveries(
            session, owner=owner, outcomes=list(zip(claimed, failures, strict=True))
        )
    return len(claimed)


@cache
def _senders() -> ThreadPoolExecutor:
    """A few threads per process: sends wait on the network, not on the interpreter."""
    return ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="opsroom-send")


def run_forever(settings: Settings, stop: threading.Event, *, poll_seconds: float = 1.0) -> None:
    owner = worker_name()
    log.info("worker %s started for %s", owner, ", ".join(m.__name__ for m in HANDLER_MODULES))
    while not stop.is_set():
        try:
            busy = run_once(settings, owner=owner)
        except Exception:
            log.exception("worker loop error; retrying")
            busy = 0
        if busy == 0:
            stop.wait(poll_seconds)
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
