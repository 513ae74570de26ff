"""`opsroom worker` killed with SIGKILL mid-escalation and started again carries on where it
was: the next level is paged, the level already paged is not paged again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from sqlalchemy import update

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs.models import Timer
from opsroom.oncall import service as oncall
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver

WAIT_SECONDS = 30


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPSROOM_DATABASE_URL": settings.database_url,
        "OPSROOM_TIMEZONE": settings.timezone,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "opsroom", "worker", "--poll", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_killed_worker_restarted_continues_the_escalation(
    paging: Settings, receiver: WebhookReceiver, wall_clock: None
) -> None:
    with session_scope(paging) as s:
        data = incident_schemas.IncidentCreate(title="Down", impact=3, urgency=1, services=["auth"])
        key = incidents.declare(s, actor=ACTOR, data=data).key
    worker = _worker(paging)
    try:
        _until(lambda: len(receiver.posts) == 1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    # The five minutes to the next level pass while no worker runs.
    with session_scope(paging) as s:
        s.execute(
            update(Timer).where(Timer.subject == f"escalation:{key}").values(due_at=clock.now())
        )
    worker = _worker(paging)
    try:
        _until(lambda: len(receiver.posts) == 2)
        time.sleep(1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=WAIT_SECONDS)
    first, second = (p.path.split("to=")[1] for p in receiver.posts)
    assert first in ("alice@example.com", "bob@example.com")  # whoever's week it is
    assert second == "carol@example.com"
    with session_scope(paging) as s:
        assert oncall.get_escalation(s, actor=ACTOR, incident=key).level == 1
