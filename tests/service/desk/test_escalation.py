"""A ticket turned into an incident, or linked to the one others are affected by: its
requester is told, and hears the incident's customer updates from then on."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.desk import schemas
from opsroom.desk import service as desk
from opsroom.desk.domain import Status, Transition
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience
from opsroom.infra.errors import Conflict, Forbidden, ValidationFailed
from tests.improvement import RESPONDER
from tests.service.desk.test_desk import mail_to_requester, opened
from tests.service.desk.test_requesters import ANN


def test_a_ticket_becomes_an_incident_and_its_requester_hears_its_updates(
    platform: Session,
) -> None:
    key = opened(platform)
    wide = schemas.EscalationIn(impact=1, urgency=1)
    ticket = desk.read(desk.escalate(platform, actor=RESPONDER, key=key, data=wide), RESPONDER)
    assert ticket.incident is not None and ticket.status == Status.OPEN
    incident = incidents.get(platform, actor=RESPONDER, key=ticket.incident)
    assert (incident.title, incident.priority, incident.service_slugs) == (
        "Cannot pay my invoice",
        1,
        ["checkout"],
    )
    assert incident.description.startswith(f"Reported by ann@customer.example (Acme) in {key}.")
    update = incident_schemas.StatusUpdateIn(audience=Audience.CUSTOMER, body="Payments back")
    incidents.post_status_update(platform, actor=RESPONDER, key=incident.key, data=update)
    told = [m["body"] for m in mail_to_requester(platform)]
    assert told == [
        f"We are handling this as part of incident {incident.key}: Cannot pay my invoice.",
        "Payments back",
    ]


def test_a_ticket_is_turned_into_an_incident_once_and_only_while_open(platform: Session) -> None:
    key = opened(platform)
    desk.escalate(platform, actor=RESPONDER, key=key, data=schemas.EscalationIn())
    with pytest.raises(Conflict) as again:
        desk.escalate(platform, actor=RESPONDER, key=key, data=schemas.EscalationIn())
    assert again.value.fields == {"incident": "INC-1"}
    closed = opened(platform)
    resolve = schemas.TicketMove()
    desk.transition(platform, actor=RESPONDER, key=closed, move=Transition.RESOLVE, data=resolve)
    with pytest.raises(Conflict, match="a resolved ticket is not turned into an incident"):
        desk.escalate(platform, actor=RESPONDER, key=closed, data=schemas.EscalationIn())


def test_a_refused_escalation_declares_nothing(platform: Session) -> None:
    key = opened(platform)
    with pytest.raises(ValidationFailed) as unknown:
        desk.escalate(platform, actor=RESPONDER, key=key, data=schemas.EscalationIn(incident="x"))
    assert unknown.value.fields == {"incident": "no incident x"}
    with pytest.raises(Forbidden):
        desk.escalate(platform, actor=ANN, key=key, data=schemas.EscalationIn())
    assert incidents.search(platform, actor=RESPONDER).items == []
    assert desk.get(platform, actor=RESPONDER, key=key).incident_number is None
