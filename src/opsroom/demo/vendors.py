"""The demo vendors held to their contracts: Payflow answered one incident in time and
breached another, a P1 it acknowledged 40 minutes late and that took six hours to resolve,
so it owes a service credit; its contract is inside its renewal notice, Nimbus Cloud's is
not. Recorded through the services with the clock moved to each moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.vendors import contracts, schemas, service
from opsroom.vendors.domain import SupportLevel

RESPONDER = Principal(name="responder@example.com", role=Role.RESPONDER)
MANAGER = Principal(name="om@example.com", role=Role.OPERATIONS_MANAGER)
CONTACT = Principal(name="contact@payflow.example.com", role=Role.VENDOR_CONTACT, vendor="payflow")


@dataclass(frozen=True)
class Engagement:
    days_ago: int
    title: str
    service: str
    urgency: int  # impact 1: urgency 1 makes it a P1, 2 a P2
    acknowledged_after: int  # minutes
    resolved_after: int  # minutes


STORIES = (
    Engagement(30, "Card payments declined at checkout", "checkout-service", 2, 10, 120),
    Engagement(9, "Supplier payouts stuck in Payflow's queue", "payments", 1, 55, 360),
)
CONTRACTS = (
    ("payflow", -400, 60, SupportLevel.PREMIUM),
    ("nimbus-cloud", -700, 400, SupportLevel.ENTERPRISE),
)


def load(session: Session, *, now: datetime) -> dict[str, int]:
    """Load the demo engagements and contracts; none when Payflow was ever engaged."""
    if service.engaged_ever(session, vendor="payflow"):
        return {"vendor engagements": 0, "vendor contracts": 0}
    for story in STORIES:
        _play(session, story, now - timedelta(days=story.days_ago))
    for slug, started, ends, level in CONTRACTS:
        _contract(session, slug, now.date(), started, ends, level)
    return {"vendor engagements": len(STORIES), "vendor contracts": len(CONTRACTS)}


def _play(session: Session, story: Engagement, declared_at: datetime) -> None:
    data = incident_schemas.IncidentCreate(
        title=story.title, impact=1, urgency=story.urgency, services=[story.service]
    )
    with clock.standing_at(declared_at):
        key = incidents.declare(session, actor=RESPONDER, data=data).key
    with clock.standing_at(declared_at + timedelta(minutes=5)):
        choice = schemas.EngagementIn(vendor="payflow")
        engagement = service.engage(session, actor=RESPONDER, key=key, data=choice).id
    with clock.standing_at(declared_at + timedelta(minutes=5 + story.acknowledged_after)):
        service.acknowledge(session, actor=CONTACT, engagement_id=engagement)
    with clock.standing_at(declared_at + timedelta(minutes=5 + story.resolved_after)):
        move = incident_schemas.TransitionIn()
        incidents.transition(session, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=move)


def _contract(
    session: Session, slug: str, today: date, started: int, ends: int, level: SupportLevel
) -> None:
    data = schemas.ContractIn(
        starts_on=today + timedelta(days=started),
        ends_on=today + timedelta(days=ends),
        support_level=level,
    )
    contracts.set_contract(session, actor=MANAGER, slug=slug, data=data)
