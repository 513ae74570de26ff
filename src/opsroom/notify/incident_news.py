"""What an incident tells the people around it, in reaction to its events: its stakeholders'
subscriptions get the news (declared, status updates, raised to P1/P2, resolved), and the
communications lead is told when the next stakeholder update is due."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from opsroom.auth import service as accounts
from opsroom.catalog import service as catalog
from opsroom.incidents import domain as incident_events
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, Priority, declaration_body
from opsroom.incidents.service import Incident
from opsroom.infra import clock
from opsroom.notify import schemas, service
from opsroom.notify.domain import NoticeKind

# Priorities whose arrival stakeholders hear about.
ANNOUNCED = (Priority.P1, Priority.P2)


def tell(
    session: Session,
    incident: Incident,
    headline: str,
    *,
    occasion: str,
    body: str = "",
    audience: Audience = Audience.CUSTOMER,
) -> int:
    """Queue the news to every subscriber of an affected service or journey who hears its
    audience; returns how many."""
    news = schemas.IncidentNews(
        key=incident.key,
        title=incident.title,
        priority=Priority(incident.priority).label,
        status=incident.status,
        services=tuple(incident.service_slugs),
        headline=headline,
        body=body,
        occasion=occasion,
        audience=audience,
    )
    return service.tell_stakeholders(session, news=news)


def declared(session: Session, event: incident_events.IncidentDeclared) -> None:
    """Everyone hears of the declaration; only internal subscribers get the description,
    written for responders. Told once per subscriber and occasion, the internal ones hear it
    first, so the notice without the description reaches the customer audience alone."""
    incident = incidents.find(session, event.key)
    for audience in (Audience.INTERNAL, Audience.CUSTOMER):
        body = declaration_body(incident.description, audience)
        tell(session, incident, "declared", occasion="declared", body=body, audience=audience)


def other_platforms(session: Session, event: incident_events.IncidentDeclared) -> None:
    """Every other platform whose services the incident impacts hears of it (it stays its own
    platform's, counted there alone)."""
    incident = incidents.find(session, event.key)
    _tell_other_platforms(session, incident, incidents.also_affects(session, incident))


def services_added(session: Session, event: incident_events.IncidentServicesAdded) -> None:
    """A service of another platform joining an open incident's blast radius later tells
    that platform, as a declaration would have; a platform already told is not told again."""
    incident = incidents.find(session, event.key)
    if incident.status not in incident_events.OPEN:
        return
    reached = set(catalog.platforms_of(session, services=event.services))
    _tell_other_platforms(session, incident, sorted(reached - {incident.platform_slug}))


def _told_on(session: Session, incident: Incident, platform: str) -> list[str]:
    """Who hears of the incident on another platform: its operations managers and the
    members of the squads owning its affected services there."""
    squads = {
        a.owner_squad
        for a in incident.services
        if catalog.get_service(session, a.service_slug).platform.slug == platform
    }
    members = [m.email for s in sorted(squads) for m in catalog.get_squad(session, s).members]
    return list(dict.fromkeys([*accounts.governors_of(session, platform), *members]))


def _tell_other_platforms(session: Session, incident: Incident, platforms: Iterable[str]) -> None:
    # One dedup per incident and platform: whether reached at declaration or later, once.
    for platform in platforms:
        for person in _told_on(session, incident, platform):
            service.notify_person(
                session,
                person=person,
                kind=NoticeKind.STATUS_UPDATE,
                subject=incident.key,
                title=f"[{Priority(incident.priority).label}] {incident.key} on {incident.platform_slug} also affects {platform}: {incident.title}",
                body=f"Impacted services: {', '.join(incident.service_slugs)}.",
                path=f"/incidents/{incident.key}",
                dedup=f"other-platform:{incident.key}:{platform}",
                incident=incident.key,
            )


def reprioritised(session: Session, event: incident_events.IncidentReprioritised) -> None:
    if event.after in ANNOUNCED:
        tell(
            session,
            incidents.find(session, event.key),
            f"is now {event.after.label}",
            occasion=f"priority:{event.after.label}:{clock.now().isoformat()}",
            body=f"Priority changed from {event.before.label} to {event.after.label}.",
        )


def status_update(session: Session, event: incident_events.StatusUpdatePosted) -> None:
    tell(
        session,
        incidents.find(session, event.key),
        "update",
        occasion=f"update:{event.update_id}",
        body=event.body,
        audience=event.audience,
    )


def resolved(session: Session, event: incident_events.IncidentResolved) -> None:
    tell(
        session,
        incidents.find(session, event.key),
        "resolved",
        occasion=f"resolved:{event.resolved_at}",
        body="The incident is resolved.",
    )


def update_due(session: Session, event: incident_events.StakeholderUpdateDue) -> None:
    """Tell the communications lead (or the commander) that a stakeholder update is due;
    once per reminder moment."""
    if event.whom is None:
        return
    incident = incidents.find(session, event.key)
    since = incident.last_update_at
    last = (
        f"last update {_ago(since)} ago"
        if since
        else f"no update since detection {_ago(incident.detected_at)} ago"
    )
    service.notify_person(
        session,
        person=event.whom,
        kind=NoticeKind.UPDATE_DUE,
        subject=incident.key,
        title=f"Update due for {incident.key}, {last}",
        body=f"{incident.title}: post a stakeholder status update ({Priority(incident.priority).label}, "
        f"{'major incident' if incident.major else 'incident'}).",
        path=f"/incidents/{incident.key}",
        dedup=f"update-due:{incident.key}:{event.moment.isoformat()}",
        incident=incident.key,
    )


def _ago(moment: datetime | None) -> str:
    minutes = int((clock.now() - moment).total_seconds() // 60) if moment else 0
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 120 else f"{minutes} min"
