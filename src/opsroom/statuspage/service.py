"""A platform's public status page: its services with the state customers are told, the open
incidents with their customer updates, uptime bars, scheduled maintenance and the recent
history. Anyone may read it, so it is read as the status page itself, never as the caller;
who may open it at all is the platform's setting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from opsroom.audit.documents import Document
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog
from opsroom.changes import service as changes
from opsroom.changes.domain import Status as ChangeStatus
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, Status
from opsroom.infra import clock
from opsroom.infra.errors import NotFound, Unauthenticated
from opsroom.kpis import daily
from opsroom.statuspage import domain, published, schemas
from opsroom.statuspage.domain import StatusPageSettings, Visibility

READER = Principal(name="status-page", role=Role.VIEWER, via="status-page")
HISTORY_DAYS = 90
HISTORY_SIZE = 50
ANNOUNCED = [ChangeStatus.APPROVED, ChangeStatus.SCHEDULED, ChangeStatus.IN_PROGRESS]


def _to_doc(rules: StatusPageSettings) -> schemas.StatusPageSettingsDoc:
    return schemas.StatusPageSettingsDoc(
        visibility=rules.visibility, maintenance_days=rules.maintenance_days
    )


def _to_rules(doc: schemas.StatusPageSettingsDoc) -> StatusPageSettings:
    return StatusPageSettings(visibility=doc.visibility, maintenance_days=doc.maintenance_days)


SETTINGS = Document(
    key="status_page",
    title="the status page settings",
    subject_type="status_page",
    subject_key="settings",
    written=schemas.StatusPageSettingsDoc,
    stamped=schemas.StatusPageSettingsRead,
    defaults=domain.DEFAULT_SETTINGS,
    to_rules=_to_rules,
    to_written=_to_doc,
)


def _platform(session: Session, platform: str) -> str:
    try:
        return catalog.get_platform(session, platform).slug
    except NotFound as exc:
        raise NotFound(f"no status page for '{platform}'") from exc


def opened(session: Session, *, platform: str, signed_in: bool) -> str:
    """The platform's slug when the caller may read its page: an unknown platform or a page
    switched off is not found, a page for signed-in readers asks the others to sign in."""
    slug = _platform(session, platform)
    visibility = SETTINGS.rules(session, slug).visibility
    if visibility is Visibility.OFF:
        raise NotFound(f"no status page for '{platform}'")
    if visibility is Visibility.SIGNED_IN and not signed_in:
        raise Unauthenticated("sign in to read this status page")
    return slug


def visible_page(
    session: Session, *, platform: str
) -> tuple[Visibility, schemas.StatusPage | None]:
    """Who may read the platform's page, and the page unless it is switched off; an unknown
    platform is not found."""
    slug = _platform(session, platform)
    visibility = SETTINGS.rules(session, slug).visibility
    return visibility, None if visibility is Visibility.OFF else status_page(session, platform=slug)


def read_settings(
    session: Session, *, actor: Principal, platform: str
) -> schemas.StatusPageSettingsRead:
    require(actor, Action.READ)
    return SETTINGS.read(session, _platform(session, platform))


def replace_settings(
    session: Session,
    *,
    actor: Principal,
    platform: str,
    doc: schemas.StatusPageSettingsDoc,
    version: int,
) -> schemas.StatusPageSettingsRead:
    """Open, restrict or switch off a platform's status page (its operations managers)."""
    scope = _platform(session, platform)
    require(actor, Action.GOVERN, platforms=[scope])
    published.forget_after_commit(session)
    return SETTINGS.replace(session, actor=actor, written=doc, version=version, scope=scope)


# --- the page -----------------------------------------------------------------------------


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


def _maintenance(session: Session, platform: str, days: int) -> list[schemas.Maintenance]:
    """Approved changes on the platform's services that end after now and start within
    `days`: when and where, never their title, plan or people."""
    now = clock.now()
    found = changes.search(
        session,
        actor=READER,
        status=ANNOUNCED,
        platforms=[platform],
        starts_to=now + timedelta(days=days),
        limit=HISTORY_SIZE,
    ).items
    shown = [c for c in found if c.planned_end > now]
    return [
        schemas.Maintenance(
            key=c.key, services=c.service_slugs, starts_at=c.planned_start, ends_at=c.planned_end
        )
        for c in sorted(shown, key=lambda c: c.planned_start)
    ]


def _components(session: Session, platform: str, open_: list[Any]) -> list[schemas.Component]:
    return [
        schemas.Component(
            slug=s.slug,
            name=s.name,
            state=domain.component_state([i.priority for i in open_ if s.slug in i.service_slugs]),
        )
        for s in catalog.all_services(session, platform=platform)
    ]


def status_page(session: Session, *, platform: str) -> schemas.StatusPage:
    found = catalog.get_platform(session, platform)
    open_ = incidents.search(
        session, actor=READER, platforms=[found.slug], open_only=True, limit=HISTORY_SIZE
    ).items
    now = clock.now()
    services, journeys = daily.daily_uptimes(
        session, platform=found.slug, days=HISTORY_DAYS, now=now
    )
    settings = SETTINGS.rules(session, found.slug)
    return schemas.StatusPage(
        platform=found.slug,
        name=found.name,
        state=domain.component_state([i.priority for i in open_]),
        components=_components(session, found.slug, open_),
        open_incidents=[_public(session, i) for i in open_],
        maintenance=_maintenance(session, found.slug, settings.maintenance_days),
        uptime=services,
        journey_uptime=journeys,
        history=[_public(session, i) for i in _recent(session, found.slug)],
    )
