"""What a change risks and runs into: its explained risk score, collisions with other
changes, the freezes it falls in, and the approvals that follow from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog
from opsroom.changes import approvals, domain, schemas
from opsroom.changes.domain import ChangeType
from opsroom.changes.models import Change, ChangeService
from opsroom.changes.models import FreezeWindow as FreezeRow
from opsroom.changes.policy import approval_policy
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.slos import service as slos
from opsroom.slos.schemas import SloSummary

RISK = domain.DEFAULT_RISK_POLICY
# Risk reads the incident history the same way whoever asks.
_HISTORY_READER = Principal(name="system:changes", role=Role.VIEWER, via="cli")
RECENT_INCIDENTS = 50


def filtered(
    session: Session,
    query: Select[Any],
    *,
    service: str | None = None,
    squad: str | None = None,
    journey: str | None = None,
) -> Select[Any]:
    services = [service] if service else []
    if journey:
        services += catalog.get_journey(session, journey).services
    if services:
        touching = select(ChangeService.change_id).where(ChangeService.service_slug.in_(services))
        query = query.where(Change.id.in_(touching))
    if squad:
        query = query.where(Change.squad == squad)
    return query


def overlapping(
    session: Session,
    start: datetime,
    end: datetime,
    statuses: Sequence[str] = (),
    **where: str | None,
) -> list[Change]:
    """Changes whose planned window overlaps [start, end); `where`: service, squad, journey."""
    query = filtered(session, select(Change), **where)
    query = query.where(Change.planned_start < end, Change.planned_end > start)
    if statuses:
        query = query.where(Change.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(Change.planned_start, Change.number)))


@dataclass(frozen=True)
class Assessment:
    risk: domain.Risk
    collisions: list[schemas.CollisionRead]
    freezes: list[FreezeRow]
    journeys: dict[str, str]  # touched journey -> criticality
    platform: str
    change_type: ChangeType
    exhausted: list[SloSummary]  # SLOs on its services whose error budget is spent
    approval_rules: approvals.ApprovalPolicy  # its platform's

    @property
    def required(self) -> list[approvals.Requirement]:
        return approvals.required_approvals(
            self.change_type,
            self.risk.level,
            self.journeys,
            self.approval_rules,
            bool(self.exhausted),
        )


def services_named(session: Session, slugs: Sequence[str]) -> list[Any]:
    found = []
    for slug in dict.fromkeys(slugs):
        try:
            found.append(catalog.get_service(session, slug))
        except NotFound:
            raise ValidationFailed(
                f"no service '{slug}'", fields={"services": f"unknown service '{slug}'"}
            ) from None
    return found


def squad_named(session: Session, slug: str) -> str:
    try:
        return str(catalog.get_squad(session, slug).slug)
    except NotFound:
        raise ValidationFailed(f"no squad '{slug}'", fields={"squad": "unknown squad"}) from None


def freeze_scope(session: Session, row: FreezeRow) -> domain.Freeze:
    services = set(row.services)
    for journey in row.journeys:
        services.update(catalog.get_journey(session, journey).services)
    for platform in row.platforms:
        services.update(s.slug for s in catalog.all_services(session, platform=platform))
    window = domain.freeze_window(row.starts_on, row.ends_on, row.timezone)
    return domain.Freeze(row.name, window, frozenset(services), row.everything)


def freezes_over(
    session: Session, services: Sequence[str], window: domain.Window
) -> list[FreezeRow]:
    rows = session.scalars(select(FreezeRow).order_by(FreezeRow.starts_on))
    return [r for r in rows if freeze_scope(session, r).covers(services, window)]


def _neighbours(session: Session, services: Sequence[str]) -> dict[str, set[str]]:
    graph = catalog.graph(session)
    return {s: {*graph.successors(s), *graph.predecessors(s)} for s in services}


def planned(change: Change) -> domain.Planned:
    window = domain.Window(change.planned_start, change.planned_end)
    return domain.Planned(change.key, frozenset(change.service_slugs), change.squad, window)


def collisions(
    session: Session, mine: domain.Planned, others: Sequence[Change] | None = None
) -> list[schemas.CollisionRead]:
    if others is None:
        others = overlapping(session, mine.window.start, mine.window.end, list(domain.ACTIVE))
    by_key = {c.key: c for c in others}
    neighbours = _neighbours(session, sorted(mine.services))
    return [
        schemas.CollisionRead(
            change=c.key,
            title=by_key[c.key].title,
            reason=c.reason,
            planned_start=by_key[c.key].planned_start,
            planned_end=by_key[c.key].planned_end,
        )
        for c in domain.collisions(mine, [planned(o) for o in others], neighbours)
    ]


def _blast(session: Session, services: Sequence[Any]) -> tuple[set[str], dict[str, str]]:
    downstream: set[str] = set()
    journeys: dict[str, str] = {}
    for service in services:
        radius = catalog.blast_radius(session, service.slug)
        downstream.update(s.slug for s in radius.services)
        journeys.update({j.slug: j.criticality for j in radius.journeys})
    return downstream - {s.slug for s in services}, journeys


def _history(session: Session, services: Sequence[str]) -> tuple[int, int, int]:
    """Finished changes, failed ones and incidents on these services in the look-back window."""
    since = clock.now() - timedelta(days=RISK.look_back_days)
    touching = select(ChangeService.change_id).where(ChangeService.service_slug.in_(services))
    query = select(Change.failed, Change.number).where(
        Change.id.in_(touching), Change.status.in_(list(domain.DONE)), Change.finished_at >= since
    )
    rows = list(session.execute(query))
    seen: set[str] = set()
    for slug in services:
        page = incidents.search(
            session,
            actor=_HISTORY_READER,
            service=slug,
            detected_from=since,
            limit=RECENT_INCIDENTS,
        )
        seen.update(i.key for i in page.items)
    return len(rows), sum(r.failed for r in rows), len(seen)


def assessment(session: Session, fields: schemas.ChangeFields, key: str = "") -> Assessment:
    window = domain.check_window(fields.planned_start, fields.planned_end)
    services = services_named(session, fields.services)
    slugs = [s.slug for s in services]
    mine = domain.Planned(key, frozenset(slugs), fields.squad, window)
    found = collisions(session, mine)
    freezes = freezes_over(session, slugs, window)
    downstream, journeys = _blast(session, services)
    changes, failures, recent_incidents = _history(session, slugs)
    exhausted = slos.exhausted_on(session, slugs)
    inputs = domain.RiskInputs(
        change_type=fields.type,
        tier=min(s.tier for s in services),
        downstream_services=len(downstream),
        critical_journeys=sum(c == "critical" for c in journeys.values()),
        recent_changes=changes,
        recent_failures=failures,
        recent_incidents=recent_incidents,
        in_freeze=bool(freezes),
        collisions=len(found),
        exhausted_budgets=tuple(f"{s.key} {s.name}" for s in exhausted),
    )
    risk = domain.assess(inputs, RISK)
    platform = services[0].platform.slug
    return Assessment(
        risk,
        found,
        freezes,
        journeys,
        platform,
        fields.type,
        exhausted,
        approval_policy(session, platform),
    )


def preview(
    session: Session, *, actor: Principal, fields: schemas.ChangeFields, key: str = ""
) -> schemas.AssessmentRead:
    """Risk, collisions, freezes and approvals for a change as it would be, saving nothing."""
    require(actor, Action.READ)
    return read_assessment(assessment(session, fields, key))


def read_assessment(a: Assessment) -> schemas.AssessmentRead:
    return schemas.AssessmentRead(
        risk=_read_risk(a.risk),
        collisions=a.collisions,
        freezes=[schemas.FreezeHit(slug=f.slug, name=f.name) for f in a.freezes],
        required_approvals=[r.ref for r in a.required],
        exhausted_budgets=[s.key for s in a.exhausted],
        budget_rule=a.approval_rules.budget_rule,
    )


def _read_risk(risk: domain.Risk) -> schemas.RiskRead:
    return schemas.RiskRead(
        score=risk.score,
        level=risk.level,
        factors=[schemas.FactorRead(**vars(f)) for f in risk.factors],
    )
