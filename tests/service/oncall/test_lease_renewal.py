"""A worker holds on to the pages it is sending for as long as the send takes, renewing
their short lease; a second worker takes none of them over, and each page goes out once
(docs/operating.md, "Scale-out: N servers and M workers")."""

from __future__ import annotations

import time
from collections.abc import Callable

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra.clock import FrozenClock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import domain as notify_domain
from opsroom.notify import service as notify
from opsroom.runtime.worker import Deliveries, run_once, run_round
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver

INCIDENTS = 3


def _until(condition: Callable[[], bool]) -> None:
    """The sending threads reach the receiver in their own time: wait for them, not for a
    time (the receiver holds every post until its gate opens)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def _declare(settings: Settings) -> None:
    with session_scope(settings) as s:
        for n in range(INCIDENTS):
            data = incident_schemas.IncidentCreate(
                title=f"Broken {n}", impact=3, urgency=1, services=["auth"]
            )
            incidents.declare(s, actor=ACTOR, data=data)


def _outbox(settings: Settings) -> list[tuple[str, int]]:
    with session_scope(settings, write=False) as s:
        return [(m.status, m.attempts) for m in notify.log(s, actor=ACTOR, limit=50).items]


def test_a_slow_send_keeps_its_lease_and_no_other_worker_sends_it_again(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: FrozenClock
) -> None:
    _declare(paging)
    receiver.gate.clear()
    sending = Deliveries(paging, owner="slow")
    assert run_round(paging, sending, batch=10) == INCIDENTS
    _until(lambda: len(receiver.posts) == INCIDENTS)
    almost = notify_domain.DELIVERY_LEASE - notify_domain.LEASE_RENEWAL
    for _ in range(3):  # a minute of sending, the lease renewed all along
        frozen_clock.advance(almost)
        assert sending.renew() == INCIDENTS
        assert run_once(paging, owner="other") == 0
    receiver.gate.set()
    sending.finish()
    assert len(receiver.posts) == INCIDENTS
    assert _outbox(paging) == [("sent", 1)] * INCIDENTS


def test_leases_are_renewed_only_every_renewal_interval(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: FrozenClock
) -> None:
    _declare(paging)
    receiver.gate.clear()
    sending = Deliveries(paging, owner="slow")
    run_round(paging, sending, batch=10)
    _until(lambda: len(receiver.posts) == INCIDENTS)
    assert sending.renew() == 0  # just leased
    frozen_clock.advance(notify_domain.LEASE_RENEWAL)
    assert sending.renew() == INCIDENTS
    receiver.gate.set()
    sending.finish()
    assert sending.renew() == 0  # nothing held any more
