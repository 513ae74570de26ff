"""What is said about an incident: status updates to stakeholders (each restarts a major
incident's update cadence) and the timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.incidents import domain, policy, schemas
from opsroom.incidents.clocks import schedule_update_reminder
from opsroom.incidents.models import StatusUpdate
from opsroom.incidents.records import INCIDENT, SUBJECT, get
from opsroom.infra import clock, events


def post_status_update(
    session: Session, *, actor: Principal, key: str, data: schemas.StatusUpdateIn
) -> StatusUpdate:
    """A stakeholder update; it restarts the update cadence of a major incident."""
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
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
        schedule_update_reminder(session, incident, policy.current(session))
    return update_


def status_updates(session: Session, *, actor: Principal, key: str) -> list[StatusUpdate]:
    incident = get(session, actor=actor, key=key)
    query = select(StatusUpdate).where(StatusUpdate.incident_id == incident.id)
    return list(session.scalars(query.order_by(StatusUpdate.at.desc(), StatusUpdate.id.desc())))


def timeline(session: Session, *, actor: Principal, key: str) -> list[Any]:
    incident = get(session, actor=actor, key=key)
    return audit.timeline(session, subject_type=SUBJECT, subject_key=incident.key)
