"""Who works an incident: notes, roles (commander, communications lead ...) and
participants (people, squads, vendors, stakeholders)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opsroom.auth import service as accounts
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.incidents import schemas
from opsroom.incidents.models import Incident, IncidentRole
from opsroom.incidents.records import INCIDENT, get, holder, join
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed


def add_note(session: Session, *, actor: Principal, key: str, text: str) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    INCIDENT.event(session, incident, actor, "note", text)
    INCIDENT.audited(session, incident, actor, "incident.note_added", None, after={"note": text})
    return incident


def assign_role(session: Session, *, actor: Principal, key: str, data: schemas.RoleIn) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    person = _known_person(session, data.person)
    previous = holder(incident, data.role)
    incident.roles = [r for r in incident.roles if r.role != data.role] + [
        IncidentRole(role=data.role, person=person)
    ]
    join(incident, "person", person)
    session.flush()
    label = data.role.value.replace("_", " ")
    INCIDENT.event(
        session,
        incident,
        actor,
        "role",
        f"{person} is {label}" + (f" (was {previous})" if previous else ""),
    )
    INCIDENT.audited(
        session,
        incident,
        actor,
        "incident.role_assigned",
        {data.role.value: previous},
        after={data.role.value: person},
    )
    return incident


def _known_person(session: Session, email: str) -> str:
    try:
        return accounts.get_user(session, email).email
    except NotFound:
        raise ValidationFailed(
            f"no account '{email}'", fields={"person": f"unknown account '{email}'"}
        ) from None


def add_participant(
    session: Session, *, actor: Principal, key: str, data: schemas.ParticipantIn
) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    ref = _participant_ref(session, data)
    if not join(incident, data.kind, ref):
        raise Conflict(
            f"{ref} already takes part in {incident.key}", fields={"ref": "already a participant"}
        )
    session.flush()
    INCIDENT.event(
        session, incident, actor, "participant", f"{data.kind.capitalize()} {ref} joined"
    )
    INCIDENT.audited(
        session,
        incident,
        actor,
        "incident.participant_added",
        None,
        after={"kind": data.kind, "ref": ref},
    )
    return incident


def _participant_ref(session: Session, data: schemas.ParticipantIn) -> str:
    """The canonical reference of a catalog participant; stakeholders are free text."""
    try:
        if data.kind == "person":
            return _known_person(session, data.ref)
        if data.kind == "squad":
            return catalog.get_squad(session, data.ref).slug
        if data.kind == "vendor":
            return catalog.get_vendor(session, data.ref).slug
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"ref": exc.message}) from None
    return data.ref
