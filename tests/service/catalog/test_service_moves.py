"""Moving a service to another platform: its new owner and platform, the open incidents and
changes on it told, governed on both platforms, refused with the field named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.catalog import schemas
from opsroom.catalog import service as catalog
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.errors import Forbidden, ValidationFailed
from tests import factories
from tests.improvement import GUILD_LEAD, MANAGER, RESPONDER


@pytest.fixture
def two_platforms(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    factories.small_platform(session)
    factories.platform(session, "commerce")
    factories.squad(session, "shop", platform="commerce")
    return session


def move(session: Session, owner: str = "shop", platform: str = "commerce", **kw: object) -> object:
    version = catalog.get_service(session, "search").version
    data = schemas.ServiceMove(version=version, platform=platform, owner=owner)
    return catalog.move_service(
        session, actor=kw.get("actor", GUILD_LEAD), slug="search", data=data
    )


def test_a_moved_service_has_its_new_owner_and_its_open_records_say_so(
    two_platforms: Session,
) -> None:
    session = two_platforms
    declared = incidents.declare(
        session,
        actor=RESPONDER,
        data=incident_schemas.IncidentCreate(
            title="Search slow", services=["search"], impact=2, urgency=2
        ),
    )
    start = clock.now() + timedelta(days=1)
    change = changes.create(
        session,
        actor=RESPONDER,
        data=change_schemas.ChangeCreate(
            title="Reindex",
            services=["search"],
            squad="identity",
            planned_start=start,
            planned_end=start + timedelta(hours=1),
        ),
    )
    move(session)
    moved = catalog.get_service(session, "search")
    assert (moved.platform.slug, moved.owner.slug) == ("commerce", "shop")
    (entry,) = audit.list_entries(session, subject_type="service", subject_key="search").items[:1]
    assert entry.action == "service.moved" and entry.after["owner"] == "shop"
    incident = incidents.find(session, declared.key)
    assert incident.platform_slug == "procurement"  # it stays where it was declared
    told = [e.text for e in incidents.timeline(session, actor=RESPONDER, key=declared.key)]
    assert "search moved from procurement to commerce; the incident stays with procurement" in told
    noted = [e.text for e in changes.timeline(session, actor=RESPONDER, key=change.key)]
    assert "search moved from procurement to commerce" in noted


def test_moving_a_service_needs_governing_both_platforms(two_platforms: Session) -> None:
    with pytest.raises(Forbidden, match="not assigned to commerce"):
        move(two_platforms, actor=MANAGER)


@pytest.mark.parametrize(
    ("owner", "platform", "field"),
    [
        ("identity", "commerce", "owner"),
        ("shop", "procurement", "platform"),
        ("shop", "retail", "platform"),
        ("ghosts", "commerce", "owner"),
    ],
    ids=["owner on another platform", "the same platform", "unknown platform", "unknown squad"],
)
def test_a_move_that_does_not_fit_is_refused_with_the_field_named(
    two_platforms: Session, owner: str, platform: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        move(two_platforms, owner=owner, platform=platform)
    assert field in refused.value.fields
    assert catalog.get_service(two_platforms, "search").platform.slug == "procurement"
