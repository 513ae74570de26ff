"""An incident whose services reach another platform: it says so, that platform's operations
managers and the squads owning its services there are told (at declaration, or when such a
service is added later, once), and it stays its own platform's."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.auth import service as accounts
from opsroom.auth.domain import Role
from opsroom.auth.schemas import UserCreate
from opsroom.catalog.schemas import MemberIn
from opsroom.incidents import schemas
from opsroom.incidents import service as incidents
from opsroom.infra.clock import FrozenClock
from opsroom.notify.models import OutboxMessage
from tests import factories
from tests.factories import ACTOR


def _manager(session: Session, email: str, platforms: list[str], active: bool = True) -> None:
    data = UserCreate(
        email=email, display_name=email, role=Role.OPERATIONS_MANAGER, service_account=True
    )
    user = accounts.create_user(session, actor=ACTOR, data=data)
    user.is_active = active
    accounts.assign_platforms(session, actor=ACTOR, email=email, platforms=platforms)


@pytest.fixture
def platforms(session: Session, frozen_clock: FrozenClock) -> Session:
    """procurement's db, commerce's cart and pay (the shop squad's, Sam in it); a manager of
    each platform, and a disabled one of commerce."""
    for slug in ("procurement", "commerce"):
        factories.platform(session, slug)
    factories.squad(session, "identity")
    sam = MemberIn(name="Sam", email="sam@example.com")
    factories.squad(session, "shop", platform="commerce", members=[sam])
    factories.service(session, "db")
    factories.service(session, "cart", owner="shop", platform="commerce")
    factories.service(session, "pay", owner="shop", platform="commerce")
    _manager(session, "om@example.com", ["procurement"])
    _manager(session, "om.commerce@example.com", ["commerce"])
    _manager(session, "gone@example.com", ["commerce"], active=False)
    return session


def _notified(session: Session) -> list[tuple[str, str]]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind != "incident.page"))
    return sorted((r.person, r.message["title"]) for r in rows)


def test_an_incident_reaching_another_platform_says_so_and_tells_its_manager(
    platforms: Session,
) -> None:
    data = schemas.IncidentCreate(title="Orders fail", services=["db", "cart"], impact=1)
    incident = incidents.declare(platforms, actor=ACTOR, data=data)
    read = incidents.read(platforms, incident)
    assert (read.platform, read.also_affects) == ("procurement", ["commerce"])
    title = f"[{read.priority}] {read.key} on procurement also affects commerce: Orders fail"
    assert _notified(platforms) == [("om.commerce@example.com", title), ("sam@example.com", title)]


def test_an_incident_on_its_own_platform_tells_no_other_manager(platforms: Session) -> None:
    data = schemas.IncidentCreate(title="DB slow", services=["db"])
    incident = incidents.declare(platforms, actor=ACTOR, data=data)
    assert incidents.read(platforms, incident).also_affects == []
    assert _notified(platforms) == []


def test_a_service_of_another_platform_added_later_tells_that_platform_once(
    platforms: Session,
) -> None:
    data = schemas.IncidentCreate(title="DB slow", services=["db"])
    key = incidents.declare(platforms, actor=ACTOR, data=data).key
    incidents.add_services(platforms, actor=ACTOR, key=key, services=["cart"])
    title = f"[P3] {key} on procurement also affects commerce: DB slow"
    told = [("om.commerce@example.com", title), ("sam@example.com", title)]
    assert _notified(platforms) == told
    incident = incidents.get(platforms, actor=ACTOR, key=key)
    edit = schemas.IncidentUpdate(version=incident.version, services=["db", "cart", "pay"])
    incidents.update(platforms, actor=ACTOR, key=key, data=edit)
    assert _notified(platforms) == told


def test_a_resolved_incident_tells_nobody_of_a_service_added(platforms: Session) -> None:
    data = schemas.IncidentCreate(title="DB slow", services=["db"])
    key = incidents.declare(platforms, actor=ACTOR, data=data).key
    incident = incidents.get(platforms, actor=ACTOR, key=key)
    incident.status = "resolved"
    incidents.add_services(platforms, actor=ACTOR, key=key, services=["cart"])
    assert _notified(platforms) == []
