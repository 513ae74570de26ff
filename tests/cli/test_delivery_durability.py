"""A worker killed with SIGKILL while it is handing pages to a webhook receiver: after a
restart every page is delivered, and only the sends it had under way when it died go out a
second time, once their lease has run out (docs/oncall.md, "Delivery guarantees")."""

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

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import domain as notify_domain
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from tests.cli.test_processes import STARTUP_SECONDS
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver
from tests.service.oncall.conftest import paging, receiver  # noqa: F401 - fixtures

INCIDENTS = 20
IN_FLIGHT = 4  # posts the receiver must hold before the worker is killed
AFTER = f"INC-{INCIDENTS + 1}"  # declared once the worker has been restarted


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
    worker.wait(timeout=STARTUP_SECONDS)
    receiver.gate.set()

    # Restarted, the worker carries on with new work but leaves leased rows alone.
    restarted = _worker(paging, log)
    try:
        _declare(paging, "After the restart")
        _until(lambda: AFTER in _received(receiver), log)
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=STARTUP_SECONDS) == 0
    interrupted = set(_received(receiver)) - {AFTER}
    assert len(interrupted) >= IN_FLIGHT
    leased = [(status, n) for key, status, n in _outbox(paging) if key != AFTER]
    assert leased == [("pending", 1)] * INCIDENTS

    # Once the dead worker's lease has run out, every leased row is sent.
    later = clock.FrozenClock(
        datetime.now(UTC) + notify_domain.DELIVERY_LEASE + timedelta(seconds=1)
    )
    previous = clock.use(later)
    try:
        while run_once(paging, owner="after-the-lease"):
            pass
    finally:
        clock.use(previous)
    received = _received(receiver)
    assert set(received) == {f"INC-{n}" for n in range(1, INCIDENTS + 2)}
    assert {k for k, n in received.items() if n > 1} == interrupted
    assert set(received.values()) == {1, 2}
    assert {(status, n) for key, status, n in _outbox(paging) if key != AFTER} == {("sent", 2)}
