"""Which changes may have caused an incident: those on its services and on what they
depend on in the 24 h before impact, and the change events tools reported, ranked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from opsroom.alerts import service as alerts
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog
from opsroom.changes import domain, schemas
from opsroom.changes.assessment import overlapping
from opsroom.incidents import service as incidents


@dataclass(frozen=True)
class _Ran:
    """Something that ran before an incident: a change, or a change event a tool reported."""

    candidate: domain.Candidate
    title: str
    status: str
    cause: bool


def _changes_before(
    session: Session, since: datetime, until: datetime, incident: str
) -> list[_Ran]:
    ran = []
    for c in overlapping(session, since, until):
        at = c.started_at or (c.planned_start if c.status in domain.DONE else None)
        if at is not None:
            candidate = domain.Candidate(c.key, frozenset(c.service_slugs), at, c.failed)
            ran.append(_Ran(candidate, c.title, c.status, incident in c.incident_keys))
    return ran


def _events_before(
    session: Session, actor: Principal, services: set[str], since: datetime, until: datetime
) -> list[_Ran]:
    events = alerts.change_events_on(
        session, actor=actor, services=sorted(services), since=since, until=until
    )
    return [
        _Ran(
            domain.Candidate(f"event-{e.id}", frozenset({e.service or ""}), e.timestamp, False),
            e.summary,
            f"reported by {e.source or e.integration}",
            False,
        )
        for e in events
    ]


def suspects(session: Session, *, actor: Principal, incident_key: str) -> list[schemas.SuspectRead]:
    """Changes on the incident's services and what they depend on in the 24 h before impact,
    most suspicious first; change events reported by tools are ranked with them."""
    incident = incidents.get(session, actor=actor, key=incident_key)
    impact = incident.impact_started_at or incident.detected_at
    affected = set(incident.service_slugs)
    upstream = {u.slug for s in affected for u in catalog.dependencies(session, s).upstream}
    since = impact - domain.SUSPECT_WINDOW
    ran = _changes_before(session, since, impact, incident.key)
    ran += _events_before(session, actor, affected | upstream, since, impact)
    by_key = {r.candidate.key: r for r in ran}
    ranked = domain.rank_suspects([r.candidate for r in ran], affected, upstream, impact)
    return [
        schemas.SuspectRead(
            change=s.key,
            title=by_key[s.key].title,
            services=sorted(by_key[s.key].candidate.services),
            at=by_key[s.key].candidate.at,
            score=s.score,
            reasons=list(s.reasons),
            status=by_key[s.key].status,
            cause=by_key[s.key].cause,
        )
        for s in ranked
    ]
