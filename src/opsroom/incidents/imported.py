"""Incident history imported from other tools: each record created or updated by the
other tool's reference, without timers (its SLA outcomes are read from its timestamps)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.incidents import domain, policy, schemas
from opsroom.incidents.models import Incident, IncidentParticipant
from opsroom.incidents.records import INCIDENT, PREFIX, join, snapshot
from opsroom.infra import keys

IMPORTED_FIELDS = (
    "title",
    "platform_slug",
    "source",
    "status",
    "impact",
    "urgency",
    "priority",
    "major",
    "reopen_count",
    "reassignment_count",
    "resolution_breached",
    *domain.TIMESTAMPS,
)


def import_record(
    session: Session, *, actor: Principal, data: schemas.IncidentImport
) -> tuple[Incident, str]:
    """Create or update the incident another tool knows as `data.external_ref`; returns it
    and what happened (created, updated or unchanged). History needs no timers: its SLA
    outcomes are read from its timestamps."""
    require(actor, Action.GOVERN)
    domain.check_timestamps({name: getattr(data, name) for name in domain.TIMESTAMPS})
    incident = session.scalar(select(Incident).where(Incident.external_ref == data.external_ref))
    held = {incident.platform_slug} if incident else set()
    require(actor, Action.GOVERN, platforms={data.platform, *held})
    values = data.model_dump(exclude={"external_ref", "squads", "platform"}) | {
        "platform_slug": data.platform,
        "major": domain.is_major(data.priority, policy.current(session, data.platform)),
        "priority": int(data.priority),
    }
    if incident is None:
        return _imported(session, actor, data, values), "created"
    before = snapshot(incident)
    if all(getattr(incident, name) == values[name] for name in IMPORTED_FIELDS):
        return incident, "unchanged"
    for name in IMPORTED_FIELDS:
        setattr(incident, name, values[name])
    for squad in data.squads:
        join(incident, "squad", squad)
    return INCIDENT.saved(session, incident, actor, "incident.reimported", before), "updated"


def _imported(
    session: Session, actor: Principal, data: schemas.IncidentImport, values: dict[str, Any]
) -> Incident:
    incident = Incident(
        number=keys.next_number(session, PREFIX),
        external_ref=data.external_ref,
        declared_by=str(actor),
        priority_reason=f"imported from {data.source}",
        participants=[IncidentParticipant(kind="squad", ref=s) for s in dict.fromkeys(data.squads)],
        services=[],  # known empty: the audit snapshot need not load it
        **{name: values[name] for name in IMPORTED_FIELDS},
    )
    session.add(incident)
    session.flush()
    INCIDENT.audited(session, incident, actor, "incident.imported", None)
    INCIDENT.event(
        session, incident, actor, "imported", f"Imported from {data.source} ({data.external_ref})"
    )
    return incident
