"""What every incident use case shares: finding an incident the caller may see, the
optimistic lock, timeline entries, the audit snapshot, and saving with a version bump."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsroom import keys
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.auth.domain import Role as AccountRole
from opsroom.errors import require_version
from opsroom.incidents import domain
from opsroom.incidents.models import Incident, IncidentParticipant

PREFIX = "INC"
SUBJECT = "incident"


def visible(query: Select[Incident], actor: Principal) -> Select[Incident]:
    """Vendor contacts see only incidents their vendor is engaged on."""
    if actor.role is not AccountRole.VENDOR_CONTACT:
        require(actor, Action.READ)
        return query
    engaged = select(IncidentParticipant.incident_id).where(
        IncidentParticipant.kind == "vendor", IncidentParticipant.ref == (actor.vendor or "")
    )
    return query.where(Incident.id.in_(engaged))


def get(session: Session, *, actor: Principal, key: str) -> Incident:
    query = visible(select(Incident), actor)
    return keys.find(session, query, Incident.number, key, PREFIX, "incident")


def lock(session: Session, actor: Principal, key: str, version: int | None) -> Incident:
    incident = get(session, actor=actor, key=key)
    require_version(incident.key, incident.version, version)
    return incident


def event(
    session: Session, incident: Incident, actor: Principal | str, kind: str, text: str, **data: Any
) -> None:
    audit.add_event(
        session,
        subject_type=SUBJECT,
        subject_key=incident.key,
        actor=str(actor),
        kind=kind,
        text=text,
        data=data or None,
    )


def audit_change(
    session: Session,
    actor: Principal | str,
    action: str,
    incident: Incident,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type=SUBJECT,
        subject_key=incident.key,
        before=before,
        after=after,
    )


def snapshot(incident: Incident) -> dict[str, Any]:
    fields = (
        "title",
        "status",
        "impact",
        "urgency",
        "priority",
        "major",
        "bridge_url",
        *domain.TIMESTAMPS,
    )
    return {name: getattr(incident, name) for name in fields} | {"services": incident.service_slugs}


def saved(
    session: Session, actor: Principal, incident: Incident, action: str, before: dict[str, Any]
) -> Incident:
    """Bump the version and audit the change (callers put their own words on the timeline)."""
    incident.version += 1
    session.flush()
    audit_change(session, actor, action, incident, before, snapshot(incident))
    return incident


def join(incident: Incident, kind: str, ref: str) -> bool:
    if any(p.kind == kind and p.ref == ref for p in incident.participants):
        return False
    incident.participants.append(IncidentParticipant(kind=kind, ref=ref))
    return True


def holder(incident: Incident, role: domain.Role) -> str | None:
    return next((r.person for r in incident.roles if r.role == role), None)
