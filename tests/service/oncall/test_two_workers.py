"""Two workers racing over the same outbox never hand the same page over twice."""

from __future__ import annotations

import threading
from collections import Counter

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver

INCIDENTS = 40


def _drain(settings: Settings, owner: str, idle_rounds: int = 3) -> None:
    idle = 0
    while idle < idle_rounds:
        idle = 0 if run_once(settings, owner=owner, batch=5) else idle + 1


def test_two_workers_send_every_page_exactly_once(
    paging: Settings, receiver: WebhookReceiver
) -> None:
    with session_scope(paging) as s:
        for n in range(INCIDENTS):
            data = incident_schemas.IncidentCreate(
                title=f"Broken {n}", impact=3, urgency=1, services=["auth"]
            )
            incidents.declare(s, actor=ACTOR, data=data)
    workers = [threading.Thread(target=_drain, args=(paging, f"w{i}")) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    sent = Counter(p.json()["incident"] for p in receiver.posts)
    assert len(sent) == INCIDENTS
    assert set(sent.values()) == {1}
    with session_scope(paging) as s:
        log = notify.log(s, actor=ACTOR, limit=500).items
    assert [(m.status, m.attempts) for m in log] == [("sent", 1)] * INCIDENTS
