"""`opsroom worker` killed with SIGKILL while a vendor's ladder climbs, and started again,
carries on where it was: the next level is called, none is called twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from sqlalchemy import update

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs.models import Timer
from opsroom.vendors import service
from tests.factories import ACTOR
from tests.service.vendors.test_engagements import (
    LADDER,
    declared,
    engage,
    notified,
    vendor_platform,
)

WAIT_SECONDS = 30


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSROOM_DATABASE_URL": settings.database_url}
    return subprocess.Popen(
        [sys.executable, "-m", "opsroom", "worker", "--poll", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _level(settings: Settings, engagement: int) -> int:
    with session_scope(settings) as s:
        return service.get(s, actor=ACTOR, engagement_id=engagement).level


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _next_step_due_now(settings: Settings, engagement: int) -> None:
    """The minutes to the next level pass while no worker runs."""
    with session_scope(settings) as s:
        s.execute(
            update(Timer)
            .where(Timer.subject == f"vendor-engagement:{engagement}")
            .values(due_at=clock.now())
        )


def test_a_killed_worker_restarted_climbs_the_rest_of_the_ladder(
    settings: Settings, wall_clock: None
) -> None:
    with session_scope(settings) as s:
        vendor_platform(s)
        engagement = engage(s, declared(s)).id
    _next_step_due_now(settings, engagement)
    worker = _worker(settings)
    try:
        _until(lambda: _level(settings, engagement) == 2)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    _next_step_due_now(settings, engagement)
    worker = _worker(settings)
    try:
        _until(lambda: _level(settings, engagement) == 3)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=WAIT_SECONDS)
    with session_scope(settings) as s:
        assert [notified(s, email) for _, email, _ in LADDER] == [1, 1, 1]
