"""Links between incidents (related, caused by, duplicates merged into their primary) and
the tasks of an incident."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.incidents import domain, schemas
from opsroom.incidents.domain import Status
from opsroom.incidents.models import Incident, IncidentLink, IncidentTask
from opsroom.incidents.records import (
    INCIDENT,
    PREFIX,
    SUBJECT,
    get,
    join,
    snapshot,
)
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.jobs import service as jobs


def link(session: Session, *, actor: Principal, key: str, data: schemas.LinkIn) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    other = _link_target(session, actor, data.to)
    if other.id == incident.id:
        raise ValidationFailed("an incident cannot link to itself", fields={"to": "same incident"})
    if data.kind is domain.LinkKind.DUPLICATE_OF:
        return merge_duplicate(session, actor=actor, duplicate=incident, primary=other)
    if session.scalar(
        select(IncidentLink.id).where(
            IncidentLink.from_id == incident.id,
            IncidentLink.to_id == other.id,
            IncidentLink.kind == data.kind,
        )
    ):
        raise Conflict(
            f"{incident.key} is already linked to {other.key}", fields={"to": "already linked"}
        )
    session.add(IncidentLink(from_id=incident.id, to_id=other.id, kind=data.kind))
    label = data.kind.value.replace("_", " ")
    INCIDENT.event(session, incident, actor, "link", f"Linked: {label} {other.key}")
    INCIDENT.event(session, other, actor, "link", f"Linked from {incident.key} ({label})")
    INCIDENT.audited(
        session,
        incident,
        actor,
        "incident.linked",
        None,
        after={"kind": data.kind.value, "to": other.key},
    )
    return incident


def _link_target(session: Session, actor: Principal, key: str) -> Incident:
    """The incident to link to; an unknown one is a mistake in the form, not a missing page."""
    try:
        return get(session, actor=actor, key=key)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"to": exc.message}) from None


def merge_duplicate(
    session: Session, *, actor: Principal, duplicate: Incident, primary: Incident
) -> Incident:
    """Fold a duplicate into its primary: participants and timeline move, the duplicate closes."""
    _check_mergeable(duplicate, primary)
    for participant in duplicate.participants:
        join(primary, participant.kind, participant.ref)
    moved = audit.move_timeline(
        session, subject_type=SUBJECT, from_key=duplicate.key, to_key=primary.key
    )
    before = snapshot(duplicate)
    duplicate.duplicate_of_number, duplicate.status = primary.number, Status.CANCELLED
    session.add(
        IncidentLink(from_id=duplicate.id, to_id=primary.id, kind=domain.LinkKind.DUPLICATE_OF)
    )
    jobs.cancel(session, subject=duplicate.key)
    moved_here = f"Merged duplicate {duplicate.key} ({moved} timeline entries moved here)"
    INCIDENT.event(session, primary, actor, "merged", moved_here)
    INCIDENT.event(
        session,
        duplicate,
        actor,
        "merged",
        f"Duplicate of {primary.key}; its timeline continues there",
    )
    INCIDENT.saved(session, duplicate, actor, "incident.merged", before)
    return primary


def _check_mergeable(duplicate: Incident, primary: Incident) -> None:
    if duplicate.status not in domain.OPEN:
        raise Conflict(
            f"{duplicate.key} is already {duplicate.status}; only open incidents can be merged",
            fields={"status": duplicate.status},
        )
    if primary.duplicate_of_number is not None:
        raise Conflict(
            f"{primary.key} is itself a duplicate; merge into INC-{primary.duplicate_of_number}",
            fields={"to": "is a duplicate"},
        )


def links(session: Session, *, actor: Principal, key: str) -> list[schemas.LinkRead]:
    incident = get(session, actor=actor, key=key)
    rows = session.execute(
        select(IncidentLink.kind, IncidentLink.from_id, Incident.number, Incident.title)
        .join(
            Incident,
            or_(
                (IncidentLink.from_id == incident.id) & (Incident.id == IncidentLink.to_id),
                (IncidentLink.to_id == incident.id) & (Incident.id == IncidentLink.from_id),
            ),
        )
        .order_by(IncidentLink.id)
    )
    return [
        schemas.LinkRead(
            kind=kind if from_id == incident.id else f"{kind} (inverse)",
            incident=f"{PREFIX}-{number}",
            title=title,
        )
        for kind, from_id, number, title in rows
    ]


def add_task(session: Session, *, actor: Principal, key: str, data: schemas.TaskIn) -> IncidentTask:
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    task = IncidentTask(incident_id=incident.id, title=data.title, assignee=data.assignee)
    session.add(task)
    session.flush()
    INCIDENT.event(session, incident, actor, "task", f"Task added: {data.title}")
    return task


def set_task_done(
    session: Session, *, actor: Principal, key: str, task_id: int, done: bool
) -> IncidentTask:
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    task = session.scalar(
        select(IncidentTask).where(
            IncidentTask.id == task_id, IncidentTask.incident_id == incident.id
        )
    )
    if task is None:
        raise NotFound(f"{incident.key} has no task {task_id}")
    task.done_at, task.done_by = (clock.now(), str(actor)) if done else (None, "")
    INCIDENT.event(
        session, incident, actor, "task", f"Task {'done' if done else 'reopened'}: {task.title}"
    )
    return task


def tasks(session: Session, *, actor: Principal, key: str) -> list[IncidentTask]:
    incident = get(session, actor=actor, key=key)
    return list(
        session.scalars(
            select(IncidentTask)
            .where(IncidentTask.incident_id == incident.id)
            .order_by(IncidentTask.id)
        )
    )
