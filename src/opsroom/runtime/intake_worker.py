"""The intake drainer: turns accepted ingest requests into alerts and incidents, each batch
in its own transaction. It runs as a thread of `opsroom serve` (woken the moment the intake
commits a request) and of `opsroom worker` (which polls, as other processes write)."""

from __future__ import annotations

import gc
import logging
import threading

from opsroom.alerts import intake
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope

log = logging.getLogger("opsroom.intake")
# Another process's commits cannot wake this one: how often `opsroom worker` looks.
STANDALONE_POLL_SECONDS = 0.2


def drain(settings: Settings, *, wait: bool = False) -> int:
    """Drain every waiting request; returns how many alerts were processed. Integrations
    another worker is draining are left to it, or with `wait` (for tests and the bench,
    which want the intake empty) drained after it."""
    total, seen = 0, None
    while True:
        with session_scope(settings, write=False) as session:
            waiting = intake.waiting_integrations(session)
            newest = intake.newest(session)
        arriving = seen is not None and newest > seen
        drained = sum(_drain_one(settings, i, wait, arriving=arriving) for i in waiting)
        if drained == 0:
            return total
        total, seen = total + drained, newest


def _drain_one(settings: Settings, integration_id: int, wait: bool, *, arriving: bool) -> int:
    with intake.gate.drain(settings, arriving=arriving), session_scope(settings) as session:
        return intake.drain_integration(session, integration_id, wait=wait).received


def run_forever(settings: Settings, stop: threading.Event, *, poll_seconds: float = 1.0) -> None:
    log.info("intake drainer started")
    # What is alive by now (modules, mappers, the app) lives as long as the process. Frozen,
    # it is left out of the collector's full passes, which the thousands of objects of every
    # drain set off: walking it each time took a sixth of the drain.
    gc.freeze()
    while not stop.is_set():
        intake.arrived.clear()
        try:
            drained = drain(settings)
        except Exception:
            log.exception("intake drain failed; retrying")
            drained = 0
        if drained == 0:
            intake.arrived.wait(poll_seconds)
    log.info("intake drainer stopped")
