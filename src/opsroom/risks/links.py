"""Risks that materialise: the incidents, problems and failed changes linked to a risk as
evidence, and the links opsroom proposes when an incident hits a service an open risk
names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.changes import service as changes
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import IncidentDeclared, IncidentResolved
from opsroom.infra import keys
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.problems import service as problems
from opsroom.risks import domain
from opsroom.risks.domain import Affects, Evidence
from opsroom.risks.models import Risk, RiskAffected, RiskLink
from opsroom.risks.records import RISK, get, snapshot

SYSTEM = "opsroom"
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Occurrence:
    """When a linked record happened and what downtime it cost."""

    number: int
    at: datetime
    downtime_hours: float


def _incident(incident: incidents.Incident) -> Occurrence:
    at = incident.impact_started_at or incident.detected_at
    down = (incident.resolved_at - at).total_seconds() if incident.resolved_at else 0.0
    return Occurrence(incident.number, at, down / SECONDS_PER_HOUR)


def _occurrence(session: Session, actor: Principal, kind: Evidence, key: str) -> Occurrence:
    if kind is Evidence.INCIDENT:
        return _incident(incidents.get(session, actor=actor, key=key))
    if kind is Evidence.PROBLEM:
        problem = problems.get(session, actor=actor, key=key)
        return Occurrence(problem.number, problem.created_at, 0.0)
    change = changes.get(session, actor=actor, key=key)
    if not change.failed:
        raise ValidationFailed(
            f"{change.key} did not fail: only a failed change shows a risk materialised",
            fields={"record": "a failed or rolled-back change"},
        )
    return Occurrence(change.number, change.finished_at or change.planned_start, 0.0)


def evidence_of(key: str) -> Evidence:
    prefix = key.upper().partition("-")[0]
    kind = next((k for k, p in domain.EVIDENCE_PREFIX.items() if p == prefix), None)
    if kind is None:
        raise ValidationFailed(
            f"'{key}' is no incident, problem or change", fields={"record": "INC-, PRB- or CHG-"}
        )
    return kind


def link(session: Session, *, actor: Principal, key: str, record: str) -> Risk:
    """Link evidence that the risk materialised; confirms a link opsroom proposed."""
    require(actor, Action.WORK_INCIDENTS)
    risk = get(session, actor=actor, key=key)
    kind = evidence_of(record)
    try:
        found = _occurrence(session, actor, kind, record)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"record": exc.message}) from None
    named = keys.format_key(domain.EVIDENCE_PREFIX[kind], found.number)
    existing = next(
        (lk for lk in risk.links if lk.kind == kind and lk.number == found.number), None
    )
    if existing is not None and not existing.proposed:
        raise Conflict(
            f"{named} is already linked to {risk.key}", fields={"record": "already linked"}
        )
    before = snapshot(risk)
    if existing is not None:
        existing.proposed, existing.linked_by = False, str(actor)
    else:
        risk.links.append(_row(kind, found, str(actor)))
    RISK.event(session, risk, actor, "link", f"Materialised: {named} linked")
    return RISK.saved(session, risk, actor, "risk.linked", before)


def _row(kind: Evidence, found: Occurrence, by: str, *, proposed: bool = False) -> RiskLink:
    return RiskLink(
        kind=kind,
        number=found.number,
        proposed=proposed,
        occurred_at=found.at,
        downtime_hours=round(found.downtime_hours, 3),
        linked_by=by,
    )


def unlink(session: Session, *, actor: Principal, key: str, record: str) -> Risk:
    """Remove a link, or dismiss a proposed one."""
    require(actor, Action.WORK_INCIDENTS)
    risk = get(session, actor=actor, key=key)
    kind, number = (
        evidence_of(record),
        keys.parse(record, domain.EVIDENCE_PREFIX[evidence_of(record)]),
    )
    found = next((lk for lk in risk.links if lk.kind == kind and lk.number == number), None)
    if found is None:
        raise NotFound(f"{record.upper()} is not linked to {risk.key}")
    before = snapshot(risk)
    risk.links.remove(found)
    RISK.event(session, risk, actor, "unlink", f"{record.upper()} unlinked")
    return RISK.saved(session, risk, actor, "risk.unlinked", before)


def propose_on_declaration(session: Session, event: IncidentDeclared) -> None:
    """An incident on a service (or a journey through it) that an open risk names: propose
    the link on the risk, for its owner to confirm or dismiss."""
    incident = incidents.find(session, event.key)
    services = incident.service_slugs
    journeys = catalog.journeys_through(session, services)
    named = (RiskAffected.kind == Affects.SERVICE) & RiskAffected.slug.in_(services)
    on_journey = (RiskAffected.kind == Affects.JOURNEY) & RiskAffected.slug.in_(journeys)
    query = (
        select(Risk)
        .join(RiskAffected)
        .where(Risk.status.in_(list(domain.OPEN)), named | on_journey)
        .distinct()
    )
    for risk in session.scalars(query):
        risk.links.append(_row(Evidence.INCIDENT, _incident(incident), SYSTEM, proposed=True))
        RISK.event(
            session, risk, SYSTEM, "proposal", f"{incident.key} may show this risk materialised"
        )


def record_downtime(session: Session, event: IncidentResolved) -> None:
    """An incident linked to risks resolved: its downtime counts on them now."""
    found = _incident(incidents.find(session, event.key))
    query = select(RiskLink).where(
        RiskLink.kind == Evidence.INCIDENT, RiskLink.number == found.number
    )
    for row in session.scalars(query):
        row.downtime_hours = round(found.downtime_hours, 3)
