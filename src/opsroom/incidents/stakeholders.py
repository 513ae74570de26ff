"""What an incident tells the people around it: its stakeholders' subscriptions get the news
(declared, status updates, raised to P1/P2, resolved), and the communications lead is told
when the next stakeholder update is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from opsroom.incidents.domain import Audience, Priority, declaration_body
from opsroom.incidents.models import Incident
from opsroom.infra import clock
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
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
    news = notify_schemas.IncidentNews(
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
    return notify.tell_stakeholders(session, news=news)


def declared(session: Session, incident: Incident) -> None:
    """Everyone hears of the declaration; only internal subscribers get the description,
    written for responders. Told once per subscriber and occasion, the internal ones hear it
    first, so the notice without the description reaches the customer audience alone."""
    for audience in (Audience.INTERNAL, Audience.CUSTOMER):
        body = declaration_body(incident.description, audience)
        tell(session, incident, "declared", occasion="declared", body=body, audience=audience)


def priority_changed(session: Session, incident: Incident, before: Priority) -> None:
    now = Priority(incident.priority)
    if now != before and now in ANNOUNCED:
        tell(
            session,
            incident,
            f"is now {now.label}",
            occasion=f"priority:{now.label}:{clock.now().isoformat()}",
            body=f"Priority changed from {before.label} to {now.label}.",
        )


def update_due(session: Session, incident: Incident, moment: datetime, whom: str | None) -> None:
    """Tell the communications lead (or the commander) that a stakeholder update is due;
    once per reminder `moment`."""
    if whom is None:
        return
    since = incident.last_update_at
    last = (
        f"last update {_ago(since)} ago"
        if since
        else f"no update since detection {_ago(incident.detected_at)} ago"
    )
    notify.notify_person(
        session,
        person=whom,
        kind=NoticeKind.UPDATE_DUE,
        subject=incident.key,
        title=f"Update due for {incident.key}, {last}",
        body=f"{incident.title}: post a stakeholder status update ({Priority(incident.priority).label}, "
        f"{'major incident' if incident.major else 'incident'}).",
        path=f"/incidents/{incident.key}",
        dedup=f"update-due:{incident.key}:{moment.isoformat()}",
        incident=incident.key,
    )


def _ago(moment: datetime | None) -> str:
    minutes = int((clock.now() - moment).total_seconds() // 60) if moment else 0
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 120 else f"{minutes} min"
