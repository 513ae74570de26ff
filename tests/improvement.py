"""Two squads and resolved incidents: what problem, review and action-item tests start from."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog.schemas import MemberIn
from opsroom.incidents import schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from tests import factories

RESPONDER = Principal(name="resp@example.com", role=Role.RESPONDER)
OTHER_RESPONDER = Principal(name="other@example.com", role=Role.RESPONDER)
MANAGER = Principal(
    name="om@example.com", role=Role.OPERATIONS_MANAGER, platforms=frozenset({"procurement"})
)
# Settings of every platform are the guild lead's (or an administrator's).
GUILD_LEAD = Principal(name="guild.lead@example.com", role=Role.GUILD_LEAD)
PAYMENTS_LEAD = Principal(
    name="lead@example.com", role=Role.SQUAD_LEAD, squads=frozenset({"payments"})
)


def two_squads(session: Session) -> None:
    """small_platform (squad identity) plus squad payments owning checkout, led by lead@."""
    factories.small_platform(session)
    factories.squad(
        session,
        "payments",
        members=[MemberIn(name="Lee", email="lead@example.com", role="squad lead")],
    )
    factories.service(session, "checkout", owner="payments", tier=1)


def resolved(
    session: Session,
    *,
    title: str = "Checkout fails",
    services: list[str] | None = None,
    impact: int = 1,
    urgency: int = 1,
) -> Any:
    data = schemas.IncidentCreate(
        title=title, services=services or ["checkout"], impact=impact, urgency=urgency
    )
    incident = incidents.declare(session, actor=RESPONDER, data=data)
    return incidents.transition(
        session,
        actor=RESPONDER,
        key=incident.key,
        move=Transition.RESOLVE,
        data=schemas.TransitionIn(),
    )
