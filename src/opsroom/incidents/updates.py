"""What is said about an incident: status updates to stakeholders (each restarts a major
incident's update cadence) and the timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.auth.domain import Role as AccountRole
from opsroom.incidents import domain, policy, schemas
from opsroom.incidents.clocks import schedule_update_reminder
from opsroom.incidents.models import StatusUpdate
from opsroom.incidents.records import INCIDENT, SUBJECT, engaged_vendor, get
from opsroom.infra import clock, events
from opsroom.infra.errors import ValidationFailed


def post_status_update(
    session: Session, *, actor: Principal, key: str, data: schemas.StatusUpdateIn
) -> StatusUpdate:
    """A stakeholder update; it restarts the update cadence of a major incident. A vendor
    contact reports to the people working an incident their vendor is engaged on."""
    incident = get(session, actor=actor, key=key)
    require(actor, Action.POST_UPDATES, vendor=engaged_vendor(incident, actor))
    if actor.role is AccountRole.VENDOR_CONTACT and data.audience is not domain.Audience.INTERNAL:
        raise ValidationFailed(
            "vendor contacts post updates for the people working the incident",
            fields={"audience": "must be internal"},
        )
    update_ = StatusUpdate(
        incident_id=incident.id, author=str(actor), audience=data.audience, body=data.body
    )
    session.add(update_)
    session.flush()
    incident.last_update_at, incident.update_overdue_since = clock.now(), None
    events.record(
        session, domain.StatusUpdatePosted(incident.key, update_.id, data.body, data.audience)
    )
    INCIDENT.event(
        session,
        incident,
        actor,
        "status_update",
        f"{data.audience.value.capitalize()} update: {data.body}",
    )
    INCIDENT.audited(
        session,
        incident,
        actor,
        "incident.status_update_posted",
        None,
        after={"audience": data.audience.value},
    )
    if incident.status in domain.OPEN:
        schedule_update_reminder(session, incident, policy.current(session, incident.platform_slug))
    return update_


def status_updates(session: Session, *, actor: Principal, key: str) -> list[StatusUpdate]:
    """The incident's updates; for a vendor contact, those meant for them: the customer
    updates and their own."""
    incident = get(session, actor=actor, key=key)
    query = select(StatusUpdate).where(StatusUpdate.incident_id == incident.id)
    if actor.role is AccountRole.VENDOR_CONTACT:
        query = query.where(
            or_(
                StatusUpdate.audience == domain.Audience.CUSTOMER, StatusUpdate.author == str(actor)
            )
        )
    return list(session.scalars(query.order_by(StatusUpdate.at.desc(), StatusUpdate.id.desc())))


def timeline(session: Session, *, actor: Principal, key: str) -> list[Any]:
    incident = get(session, actor=actor, key=key)
    return audit.timeline(session, subject_type=SUBJECT, subject_key=incident.key)
