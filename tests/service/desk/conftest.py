"""What the desk's service tests share: two squads' services, at the frozen moment."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.desk import organisations, schemas
from opsroom.infra import clock
from tests.improvement import two_squads

KEEPER = Principal(name="admin@example.com", role=Role.ADMIN)


def customers(session: Session) -> None:
    """The customer organisations Acme and Globex, of procurement."""
    for name in ("Acme", "Globex"):
        data = schemas.OrganisationCreate(name=name, platforms=["procurement"])
        organisations.create(session, actor=KEEPER, data=data)


@pytest.fixture
def catalogued(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


@pytest.fixture
def platform(catalogued: Session) -> Session:
    """The two squads' services, and the customer organisations Acme and Globex."""
    customers(catalogued)
    return catalogued
