"""The public status page of a platform: its services with the state customers are told,
the open incidents with their customer updates, and the recent history. Anyone may read it,
so it is read as the status page itself, never as the caller."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.desk import domain, schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, Status
from opsroom.infra import clock

READER = Principal(name="status-page", role=Role.VIEWER, via="status-page")
HISTORY_DAYS = 90
HISTORY_SIZE = 50


def _public(session: Session, incident: Any) -> schemas.PublicIncident:
    updates = incidents.status_updates(session, actor=READER, key=incident.key)
    return schemas.PublicIncident(
        key=incident.key,
        title=incident.title,
        status=incident.status,
        services=incident.service_slugs,
        detected_at=incident.detected_at,
        resolved_at=incident.resolved_at,
        updates=[
            schemas.PublicUpdate(at=u.at, body=u.body)
            for u in updates
            if u.audience == Audience.CUSTOMER
        ],
    )


def _recent(session: Session, platform: str) -> list[Any]:
    page = incidents.search(
        session,
        actor=READER,
        platforms=[platform],
        status=[Status.RESOLVED, Status.CLOSED],
        detected_from=clock.now() - timedelta(days=HISTORY_DAYS),
        limit=HISTORY_SIZE,
    )
    return page.items


def status_page(session: Session, *, platform: str) -> schemas.StatusPage:
    found = catalog.get_platform(session, platform)
    open_ = incidents.search(
        session, actor=READER, platforms=[found.slug], open_only=True, limit=HISTORY_SIZE
    ).items
    components = [
        schemas.Component(
            slug=s.slug,
            name=s.name,
            state=domain.component_state([i.priority for i in open_ if s.slug in i.service_slugs]),
        )
        for s in catalog.all_services(session, platform=found.slug)
    ]
    return schemas.StatusPage(
        platform=found.slug,
        name=found.name,
        state=domain.component_state([i.priority for i in open_]),
        components=components,
        open_incidents=[_public(session, i) for i in open_],
        history=[_public(session, i) for i in _recent(session, found.slug)],
    )
