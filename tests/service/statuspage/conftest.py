"""What the status page tests share: two squads' services, at the frozen moment."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.infra import clock
from tests.improvement import two_squads


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session
