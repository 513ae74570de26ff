"""An incident's clocks as durable timers: SLA targets that breach and major incidents'
stakeholder updates that fall overdue, scheduled when the incident opens or changes and
handled by the worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.incidents import domain, policy
from opsroom.incidents.domain import Priority
from opsroom.incidents.models import Incident
from opsroom.incidents.records import INCIDENT, PREFIX, holder
from opsroom.infra import clock, events, keys
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due

SLA_TIMER = "incident.sla"
UPDATE_TIMER = "incident.update_due"
WORKER = "opsroom-worker"


def schedule_clocks(session: Session, incident: Incident, rules: domain.Policy) -> None:
    timestamps = {name: getattr(incident, name) for name in domain.TIMESTAMPS}
    for sla in domain.sla_clocks(Priority(incident.priority), timestamps, rules):
        if sla.met_at is None:
            jobs.schedule(
                session,
                kind=SLA_TIMER,
                subject=incident.key,
                due_at=sla.due_at,
                payload={"kind": sla.kind},
                dedup_key=f"{incident.key}:sla:{sla.kind}",
            )
    schedule_update_reminder(session, incident, rules)


def schedule_update_reminder(session: Session, incident: Incident, rules: domain.Policy) -> None:
    due = domain.next_update_due(
        Priority(incident.priority), incident.last_update_at or incident.detected_at, rules
    )
    if due is not None and incident.major:
        jobs.schedule(
            session,
            kind=UPDATE_TIMER,
            subject=incident.key,
            due_at=due,
            dedup_key=f"{incident.key}:update",
        )


def _open_incident(session: Session, timer: Due) -> Incident | None:
    """The incident a timer is about, while it is still open."""
    incident = session.scalar(
        select(Incident).where(Incident.number == keys.parse(timer.subject, PREFIX))
    )
    return incident if incident is not None and incident.status in domain.OPEN else None


def check_sla(session: Session, timer: Due) -> None:
    incident = _open_incident(session, timer)
    if incident is None:
        return
    timestamps = {name: getattr(incident, name) for name in domain.TIMESTAMPS}
    rules = policy.current(session, incident.platform_slug)
    for sla in domain.sla_clocks(Priority(incident.priority), timestamps, rules):
        if sla.kind == timer.payload["kind"] and sla.met_at is None and sla.breached(clock.now()):
            setattr(incident, f"{sla.kind}_breached", True)
            INCIDENT.event(
                session,
                incident,
                WORKER,
                "sla_breach",
                f"{sla.kind.capitalize()} SLA breached ({Priority(incident.priority).label} target {_minutes(sla.target)})",
            )
            INCIDENT.audited(
                session, incident, WORKER, "incident.sla_breached", None, after={"sla": sla.kind}
            )


def remind_update_due(session: Session, timer: Due) -> None:
    incident = _open_incident(session, timer)
    if incident is None:
        return
    due = domain.next_update_due(
        Priority(incident.priority),
        incident.last_update_at or incident.detected_at,
        policy.current(session, incident.platform_slug),
    )
    if due is None or due > clock.now():
        return  # an update was posted since this reminder was set: a newer one is pending
    incident.update_overdue_since = incident.update_overdue_since or due
    INCIDENT.event(
        session,
        incident,
        WORKER,
        "update_overdue",
        f"Stakeholder update overdue since {due:%H:%M} UTC",
    )
    commander = holder(incident, domain.Role.COMMUNICATIONS_LEAD) or holder(
        incident, domain.Role.COMMANDER
    )
    INCIDENT.audited(
        session, incident, WORKER, "incident.update_overdue", None, after={"remind": commander}
    )
    events.record(session, domain.StakeholderUpdateDue(incident.key, timer.due_at, commander))
    _remind_again(session, incident, due)


def _remind_again(session: Session, incident: Incident, due: datetime) -> None:
    """Until an update is posted or the incident is resolved (the handler then stops)."""
    again = domain.next_update_reminder(
        Priority(incident.priority),
        due,
        clock.now(),
        policy.current(session, incident.platform_slug),
    )
    if again is not None:
        jobs.schedule(
            session,
            kind=UPDATE_TIMER,
            subject=incident.key,
            due_at=again,
            dedup_key=f"{incident.key}:update:{again.isoformat()}",
        )


def _minutes(delta: Any) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 and minutes >= 60 else f"{minutes} min"
