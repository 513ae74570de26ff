"""An incident's lifecycle: moving it through acknowledge, mitigate, resolve, close and
reopen, what follows each move within incidents (its timers), the events other domains
react to (paging stops, stakeholders told, a review drafted), and which moves are open."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.incidents import domain, policy, schemas
from opsroom.incidents.clocks import schedule_clocks
from opsroom.incidents.domain import Status, Transition
from opsroom.incidents.models import Incident
from opsroom.incidents.participants import assign_role
from opsroom.incidents.records import INCIDENT, get, holder, snapshot
from opsroom.infra import clock, events
from opsroom.infra.errors import Conflict
from opsroom.jobs import service as jobs


def transition(
    session: Session, *, actor: Principal, key: str, move: Transition, data: schemas.TransitionIn
) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    incident = INCIDENT.held(get(session, actor=actor, key=key), data.version)
    target = domain.next_status(Status(incident.status), move)
    if data.commander:
        assign_role(
            session,
            actor=actor,
            key=key,
            data=schemas.RoleIn(role=domain.Role.COMMANDER, person=data.commander),
        )
    if (
        move is Transition.ACKNOWLEDGE
        and incident.major
        and not holder(incident, domain.Role.COMMANDER)
    ):
        raise Conflict(
            f"{incident.key} is a major incident: assign an incident commander to acknowledge it",
            fields={"commander": "required for a major incident"},
        )
    before = snapshot(incident)
    stamped = domain.stamp({n: getattr(incident, n) for n in domain.TIMESTAMPS}, move, clock.now())
    for name, value in stamped.items():
        setattr(incident, name, value)
    incident.status = target
    if move is Transition.RESOLVE:
        incident.resolution_summary = data.note
    if move is Transition.REOPEN:
        incident.reopen_count += 1
        incident.resolution_summary = ""
    INCIDENT.event(
        session,
        incident,
        actor,
        move.value,
        f"{target.value.capitalize()}" + (f": {data.note}" if data.note else ""),
    )
    _after_transition(session, incident, move)
    if move is Transition.RESOLVE:
        events.record(session, domain.IncidentResolved(incident.key, incident.resolved_at, actor))
    events.record(session, domain.IncidentMoved(incident.key, move, target, actor))
    return INCIDENT.saved(session, incident, actor, f"incident.{move.value}", before)


def _after_transition(session: Session, incident: Incident, move: Transition) -> None:
    if incident.status not in domain.OPEN:
        jobs.cancel(session, subject=incident.key)
    elif move is Transition.REOPEN:
        schedule_clocks(session, incident, policy.current(session, incident.platform_slug))


def allowed_transitions(incident: Incident) -> list[Transition]:
    return [
        t for t, (sources, _) in domain.TRANSITIONS.items() if Status(incident.status) in sources
    ]
