"""Finding incidents: the filtered, paginated list (by status, priority, service, squad,
journey, platform, text, detection time) and the open major incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog
from opsroom.incidents import domain
from opsroom.incidents.domain import Priority, Status
from opsroom.incidents.models import Incident, IncidentService
from opsroom.incidents.records import PREFIX, visible
from opsroom.infra.pagination import Page, paginate


def search(
    session: Session,
    *,
    actor: Principal,
    status: Sequence[Status] = (),
    priority: Sequence[Priority] = (),
    service: str | None = None,
    squad: str | None = None,
    journey: str | None = None,
    platforms: Sequence[str] = (),
    major: bool | None = None,
    open_only: bool = False,
    detected_from: datetime | None = None,
    detected_to: datetime | None = None,
    text: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Incident]:
    query = visible(select(Incident), actor)
    if status:
        query = query.where(Incident.status.in_(list(status)))
    if open_only:
        query = query.where(Incident.status.in_(list(domain.OPEN)))
    if priority:
        query = query.where(Incident.priority.in_([int(p) for p in priority]))
    if major is not None:
        query = query.where(Incident.major.is_(major))
    if platforms:
        query = query.where(Incident.platform_slug.in_(list(platforms)))
    if detected_from:
        query = query.where(Incident.detected_at >= detected_from)
    if detected_to:
        query = query.where(Incident.detected_at < detected_to)
    if text:
        query = query.where(_mentions(text))
    for condition in _service_conditions(session, service, squad, journey):
        query = query.where(_affecting(session, condition))
    # A summary shows the affected services: load them for the whole page in one query.
    query = query.options(selectinload(Incident.services))
    return paginate(session, query, Incident.number, limit=limit, cursor=cursor, descending=True)


def keys_on(platform: str) -> Select[str]:
    """The keys of the platform's incidents, for records that hold an incident key."""
    key = literal(f"{PREFIX}-", String) + cast(Incident.number, String)
    return select(key).where(Incident.platform_slug == platform)


def _mentions(text: str) -> ColumnElement[bool]:
    pattern = f"%{text.lower()}%"
    return or_(
        func.lower(Incident.title).like(pattern), func.lower(Incident.description).like(pattern)
    )


def _service_conditions(
    session: Session, service: str | None, squad: str | None, journey: str | None
) -> list[ColumnElement[bool]]:
    conditions = []
    if service:
        conditions.append(IncidentService.service_slug == service)
    if squad:
        conditions.append(IncidentService.owner_squad == squad)
    if journey:
        steps = catalog.get_journey(session, journey).services
        conditions.append(IncidentService.service_slug.in_(steps))
    return conditions


# Past this many incidents on the matching services, a page is found sooner by walking the
# incidents newest first and checking each one than by collecting every match and sorting.
COMMON_MATCH = 1000


def _affecting(session: Session, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Incidents with an affected service matching `condition`, written the way that suits
    how common the match is (SQLite keeps no statistics to choose for itself)."""
    matching = select(IncidentService.incident_id).where(condition)
    # Counting row ids (not incident ids) is answered from the index alone.
    sample = select(IncidentService.id).where(condition).limit(COMMON_MATCH + 1)
    if (session.scalar(select(func.count()).select_from(sample.subquery())) or 0) > COMMON_MATCH:
        return exists(matching.where(IncidentService.incident_id == Incident.id))
    return Incident.id.in_(matching)


def open_major(session: Session, *, actor: Principal | None = None) -> list[Incident]:
    """Open major incidents, for the banner on every page; those `actor` may see when given."""
    query = select(Incident).where(Incident.major.is_(True), Incident.status.in_(list(domain.OPEN)))
    if actor is not None:
        query = visible(query, actor)
    return list(session.scalars(query.order_by(Incident.priority, Incident.number)))
