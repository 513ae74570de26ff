from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Principal, Role
from opsroom.demo import incidents as demo_history
from opsroom.incidents import domain, schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Priority, Status
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.conftest import ADMIN, TEST_NOW, DemoHistory

PAYFLOW_CONTACT = Principal(
    name="contact@payflow.example.com", role=Role.VENDOR_CONTACT, vendor="payflow"
)
NOW = TEST_NOW  # where the frozen_clock fixture stands, and the demo history too


@pytest.fixture
def settings(history: DemoHistory) -> Settings:
    """The demo catalog, then the incident history up to NOW."""
    return history.settings


@pytest.fixture
def loaded(history: DemoHistory) -> int:
    """How many incidents the history load made."""
    return history.incidents


def _history(session: Session) -> list[schemas.IncidentRead]:
    page = incidents.search(session, actor=ADMIN, limit=500)
    assert page.next_cursor is None
    return [incidents.read(session, i) for i in page.items]


def _check_mix(history: list[schemas.IncidentRead]) -> None:
    priorities = Counter(i.priority for i in history)
    assert priorities["P1"] == 6  # five in the past, one going on now
    assert priorities["P3"] + priorities["P4"] + priorities["P5"] > 0.75 * len(history)
    assert min(i.detected_at for i in history) < NOW - timedelta(days=100)
    assert sum(i.reopen_count > 0 for i in history) >= 2
    breached = [i for i in history if any(c.breached for c in i.sla)]
    assert 2 <= len(breached) <= 0.15 * len(history)


def _check_timestamps(history: list[schemas.IncidentRead]) -> None:
    for incident in history:
        stamps = incident.model_dump(include=set(domain.TIMESTAMPS))
        assert domain.timestamp_problems(stamps) == {}, incident.key
        assert all(v <= NOW for v in stamps.values() if v is not None), incident.key


def _check_open_major(session: Session) -> None:
    [major] = incidents.open_major(session)
    read = incidents.read(session, major)
    assert (read.priority, read.status) == ("P1", Status.ACKNOWLEDGED)
    assert read.detected_at == NOW - timedelta(minutes=40)
    assert set(read.roles) >= {"commander", "communications_lead", "scribe"}
    assert [c.breached for c in read.sla] == [False, False]
    # The demo's vendor contact has something to see: Payflow is engaged on it.
    assert [i.key for i in incidents.search(session, actor=PAYFLOW_CONTACT).items] == [major.key]
    assert incidents.status_updates(session, actor=PAYFLOW_CONTACT, key=major.key)


def _check_major_timeline(session: Session, incident: schemas.IncidentRead) -> None:
    key = incident.key
    kinds = Counter(e.kind for e in incidents.timeline(session, actor=ADMIN, key=key))
    updates = Counter(u.audience for u in incidents.status_updates(session, actor=ADMIN, key=key))
    links = {link.kind for link in incidents.links(session, actor=ADMIN, key=key)}
    assert 4 <= kinds["note"] <= 8, key
    assert 3 <= updates["internal"] + updates["customer"] <= 6 and updates["customer"], key
    assert len(incidents.tasks(session, actor=ADMIN, key=key)) >= 2, key
    assert "duplicate_of (inverse)" in links, key
    assert incident.status == Status.ACKNOWLEDGED or "related" in links, key


def test_history_is_months_of_believable_incidents(
    settings: Settings, loaded: int, frozen_clock: clock.FrozenClock
) -> None:
    assert frozen_clock.now() == NOW
    with session_scope(settings, write=False) as session:
        history = _history(session)
        assert 120 <= loaded == len(history) <= 200
        _check_mix(history)
        _check_timestamps(history)
        _check_open_major(session)
        majors = [i for i in history if i.priority == Priority.P1.label]
        for incident in majors:
            _check_major_timeline(session, incident)
    vendors = [i for i in majors if any(p.kind == "vendor" for p in i.participants)]
    assert len(vendors) >= 4


def test_loading_again_creates_nothing_and_the_audit_chain_holds(
    settings: Settings, loaded: int
) -> None:
    with session_scope(settings) as session:
        assert demo_history.load(session, actor=ADMIN, now=NOW + timedelta(days=1)) == 0
    with session_scope(settings, write=False) as session:
        assert len(_history(session)) == loaded
        checked, broken = audit.verify(session)
    assert broken is None
    assert checked > loaded
