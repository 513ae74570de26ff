"""The worker's pipeline: while a channel holds its answers, the worker goes on running
escalation timers, and the held pages are recorded as sent once they are answered."""

from __future__ import annotations

import time
from datetime import timedelta

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify
from opsroom.oncall import service as oncall
from opsroom.runtime.worker import Deliveries, step
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver

WAIT_SECONDS = 30


def _statuses(settings: Settings, key: str) -> list[tuple[str, str]]:
    with session_scope(settings) as s:
        rows = notify.log(s, actor=ACTOR, incident=key).items
        return sorted((row.person, row.status) for row in rows)


def test_escalation_timers_run_while_a_channel_holds_its_answers(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(paging) as s:
        data = incident_schemas.IncidentCreate(title="Down", impact=3, urgency=1, services=["auth"])
        key = incidents.declare(s, actor=ACTOR, data=data).key
    receiver.gate.clear()  # the receiver takes the post and answers only once the gate opens
    deliveries = Deliveries(paging, owner="w")
    assert step(paging, deliveries) == 1  # the level-1 page is leased and being sent
    deadline = time.monotonic() + WAIT_SECONDS
    while not receiver.posts:
        assert time.monotonic() < deadline, "the page never reached the receiver"
        time.sleep(0.05)

    frozen_clock.advance(timedelta(minutes=5))
    step(paging, deliveries)  # the level-2 timer runs though the level-1 send has not returned
    with session_scope(paging) as s:
        assert oncall.get_escalation(s, actor=ACTOR, incident=key).level == 1
    assert len(deliveries.in_flight) >= 1
    assert ("alice@example.com", "pending") in _statuses(paging, key)

    receiver.gate.set()
    deliveries.finish()
    step(paging, deliveries)
    deliveries.finish()
    assert _statuses(paging, key) == [("alice@example.com", "sent"), ("carol@example.com", "sent")]
