"""The notification demo: stakeholders on the key journeys, once, with their update history."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opsroom import demo
from opsroom.catalog import manifest
from opsroom.demo import notify as notify_demo
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.notify import service as notify
from opsroom.notify import subscriptions
from tests.factories import ACTOR


def test_stakeholders_are_subscribed_once_and_their_updates_recorded_as_sent(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    manifest.apply_text(session, actor=ACTOR, text=demo.DEMO_CATALOG.read_text())
    data = incident_schemas.IncidentCreate(
        title="Invoices stuck", impact=1, urgency=1, services=["invoice-matching"]
    )
    key = incidents.declare(session, actor=ACTOR, data=data).key
    assert notify_demo.load(session, actor=ACTOR) == len(notify_demo.STAKEHOLDERS)
    assert notify_demo.load(session, actor=ACTOR) == 0
    assert len(subscriptions.listing(session, actor=ACTOR)) == len(notify_demo.STAKEHOLDERS)
    sent = notify.log(session, actor=ACTOR, incident=key).items
    assert {(m.person, m.kind, m.status) for m in sent} == {
        ("finance.director@example.com", "incident.status_update", "sent")
    }
