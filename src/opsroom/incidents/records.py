"""What every incident use case shares: finding an incident the caller may see, the audit
snapshot, and `INCIDENT` for the optimistic lock, timeline entries, audit entries and saving
with a version bump."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.auth.domain import Role as AccountRole
from opsroom.incidents import domain
from opsroom.incidents.models import Incident, IncidentParticipant
from opsroom.infra import keys

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


def engaged_vendor(incident: Incident, actor: Principal) -> str | None:
    """The caller's vendor, when it takes part in the incident."""
    vendors = {p.ref for p in incident.participants if p.kind == "vendor"}
    return actor.vendor if actor.vendor in vendors else None


def get(session: Session, *, actor: Principal, key: str) -> Incident:
    query = visible(select(Incident), actor)
    return keys.find(session, query, Incident.number, key, PREFIX, "incident")


def find(session: Session, key: str) -> Incident:
    """The incident `key`, for the reactions to its own events (they act for no caller)."""
    return keys.find(session, select(Incident), Incident.number, key, PREFIX, "incident")


def snapshot(incident: Incident) -> dict[str, Any]:
    fields = (
        "title",
        "status",
        "impact",
        "urgency",
        "priority",
        "major",
        "bridge_url",
        "resolution_summary",
        *domain.TIMESTAMPS,
    )
    return {name: getattr(incident, name) for name in fields} | {"services": incident.service_slugs}


INCIDENT = Record(SUBJECT, snapshot)


def join(incident: Incident, kind: str, ref: str) -> bool:
    if any(p.kind == kind and p.ref == ref for p in incident.participants):
        return False
    incident.participants.append(IncidentParticipant(kind=kind, ref=ref))
    return True


def holder(incident: Incident, role: domain.Role) -> str | None:
    return next((r.person for r in incident.roles if r.role == role), None)
