"""A worker killed with SIGKILL while it is handing pages to a webhook receiver: another
worker leaves its leased pages alone until their short lease runs out, within 30 seconds of
the crash, then delivers every one; only the sends the dead worker had under way go out a
second time, each with the idempotency key of its first attempt, so that the receiver can
drop the repeat (docs/operating.md, "Scale-out: N servers and M workers")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify
from opsroom.notify.models import OutboxMessage
from opsroom.runtime.worker import run_once
from tests.cli.test_processes import STARTUP_SECONDS
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver
from tests.service.oncall.conftest import paging, receiver  # noqa: F401 - fixtures

INCIDENTS = 20
IN_FLIGHT = 4  # posts the receiver must hold before the worker is killed
AFTER = f"INC-{INCIDENTS + 1}"  # declared once the worker has been killed
RESUMED_WITHIN = timedelta(seconds=30)  # from the crash to another worker taking over


def _worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSROOM_DATABASE_URL": settings.database_url}
    command = [sys.executable, "-m", "opsroom", "worker", "--poll", "0.1"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _until(condition: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS * 4
    while not condition():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def _declare(settings: Settings, *titles: str) -> None:
    with session_scope(settings) as s:
        for title in titles:
            data = incident_schemas.IncidentCreate(
                title=title, impact=3, urgency=1, services=["auth"]
            )
            incidents.declare(s, actor=ACTOR, data=data)


def _outbox(settings: Settings) -> list[tuple[str, str, int]]:
    with session_scope(settings, write=False) as s:
        rows = notify.log(s, actor=ACTOR, limit=500).items
        return [(row.incident_key or "", row.status, row.attempts) for row in rows]


def _received(r: WebhookReceiver) -> Counter[str]:
    return Counter(post.json()["incident"] for post in list(r.posts))


def _leases(settings: Settings) -> list[datetime]:
    with session_scope(settings, write=False) as s:
        return [lease for lease in s.scalars(select(OutboxMessage.lease_until)) if lease]


def _drain_at(settings: Settings, at: datetime, owner: str, *titles: str) -> None:
    """Declare `titles`, then run a worker until it has nothing left to do, at `at`."""
    previous = clock.use(clock.FrozenClock(at))
    try:
        _declare(settings, *titles)
        while run_once(settings, owner=owner):
            pass
    finally:
        clock.use(previous)


def _keys(r: WebhookReceiver) -> dict[str, set[tuple[str, str]]]:
    """Each incident's pages: the idempotency keys of every post (header, body)."""
    keys: dict[str, set[tuple[str, str]]] = {}
    for post in list(r.posts):
        body = post.json()
        sent = (post.headers["idempotency-key"], body["idempotency_key"])
        keys.setdefault(body["incident"], set()).add(sent)
    return keys


def test_sigkill_mid_send_delivers_every_page_and_repeats_only_the_interrupted_sends(
    paging: Settings,  # noqa: F811 - the fixture imported above
    receiver: WebhookReceiver,  # noqa: F811
    tmp_path: Path,
    wall_clock: None,
) -> None:
    log = tmp_path / "worker.log"
    _declare(paging, *(f"Broken {n}" for n in range(INCIDENTS)))
    receiver.gate.clear()  # the receiver takes posts but does not answer yet
    worker = _worker(paging, log)
    _until(lambda: len(receiver.posts) >= IN_FLIGHT, log)
    worker.send_signal(signal.SIGKILL)
    killed_at = datetime.now(UTC)
    worker.wait(timeout=STARTUP_SECONDS)
    receiver.gate.set()
    leases = _leases(paging)
    assert len(leases) == INCIDENTS and max(leases) <= killed_at + RESUMED_WITHIN

    # Until the dead worker's leases run out, another worker carries on with new work only.
    _drain_at(paging, min(leases) - timedelta(seconds=1), "before-the-lease-ends", "After")
    interrupted = set(_received(receiver)) - {AFTER}
    assert AFTER in _received(receiver) and len(interrupted) >= IN_FLIGHT
    leased = [(status, n) for key, status, n in _outbox(paging) if key != AFTER]
    assert leased == [("pending", 1)] * INCIDENTS

    # Once they have run out, every leased row is sent; a repeat carries its first key.
    _drain_at(paging, max(leases) + timedelta(seconds=1), "after-the-lease")
    received = _received(receiver)
    assert set(received) == {f"INC-{n}" for n in range(1, INCIDENTS + 2)}
    assert {k for k, n in received.items() if n > 1} == interrupted
    assert set(received.values()) == {1, 2}
    keys = _keys(receiver)
    assert {len(sent) for sent in keys.values()} == {1}
    assert all(header == body for sent in keys.values() for header, body in sent)
    assert len({header for sent in keys.values() for header, _ in sent}) == INCIDENTS + 1
    assert {(status, n) for key, status, n in _outbox(paging) if key != AFTER} == {("sent", 2)}
