"""The background worker: claims due timers and runs each in its own transaction.
Runs inside `opsroom serve` by default, or alone as `opsroom worker` for scale-out."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from opsroom.config import Settings
from opsroom.db import session_scope
from opsroom.jobs import service as jobs
from opsroom.registry import HANDLER_MODULES

log = logging.getLogger("opsroom.worker")
BATCH = 50


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(settings: Settings, *, owner: str, batch: int = BATCH) -> int:
    """Claim what is due and run it; returns how many timers ran."""
    with session_scope(settings) as session:
        claimed = jobs.claim_due(session, owner=owner, limit=batch)
    ran = 0
    for timer_id in claimed:
        ran += _run_one(settings, timer_id, owner)
    return ran


def _run_one(settings: Settings, timer_id: int, owner: str) -> int:
    try:
        with session_scope(settings) as session:
            return int(jobs.run(session, timer_id=timer_id, owner=owner))
    except Exception as exc:
        log.exception("timer %s failed", timer_id)
        with session_scope(settings) as session:
            jobs.record_failure(session, timer_id=timer_id, error=f"{type(exc).__name__}: {exc}")
        return 0


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
