"""Service dependencies: the graph (no cycles), what a service depends on and what depends
on it, and the blast radius of a failing service across services, journeys and platforms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, aliased

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import domain, schemas
from opsroom.catalog.models import Journey, JourneyStep, Service, ServiceDependency
from opsroom.catalog.records import by_slug
from opsroom.infra.errors import Conflict, NotFound


def _edges(session: Session) -> list[domain.Edge]:
    dependant, dependency = aliased(Service), aliased(Service)
    rows = session.execute(
        select(dependant.slug, dependency.slug)
        .join(ServiceDependency, ServiceDependency.service_id == dependant.id)
        .join(dependency, ServiceDependency.depends_on_id == dependency.id)
    )
    return [(a, b) for a, b in rows]


def graph(session: Session) -> Any:
    slugs = session.scalars(select(Service.slug)).all()
    return domain.dependency_graph(slugs, _edges(session))


def add_dependency(session: Session, *, actor: Principal, slug: str, depends_on: str) -> Service:
    service = by_slug(session, Service, slug)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[service.owner.slug])
    upstream_service = by_slug(session, Service, depends_on, field="depends_on")
    edges = _edges(session)
    if (slug, depends_on) in edges:
        raise Conflict(
            f"{slug} already depends on {depends_on}", fields={"depends_on": "already a dependency"}
        )
    loop = domain.cycle_if_added(edges, (slug, depends_on))
    if loop is not None:
        raise Conflict(
            f"{slug} cannot depend on {depends_on}: that closes the loop {' -> '.join(loop)}",
            fields={"depends_on": "would create a dependency cycle"},
        )
    session.add(ServiceDependency(service_id=service.id, depends_on_id=upstream_service.id))
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="service.dependency_added",
        subject_type="service",
        subject_key=slug,
        after={"depends_on": depends_on},
    )
    return service


def remove_dependency(session: Session, *, actor: Principal, slug: str, depends_on: str) -> Service:
    service = by_slug(session, Service, slug)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[service.owner.slug])
    upstream_service = by_slug(session, Service, depends_on)
    removed = session.execute(
        delete(ServiceDependency).where(
            ServiceDependency.service_id == service.id,
            ServiceDependency.depends_on_id == upstream_service.id,
        )
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"{slug} does not depend on {depends_on}")
    audit.record(
        session,
        actor=str(actor),
        action="service.dependency_removed",
        subject_type="service",
        subject_key=slug,
        before={"depends_on": depends_on},
    )
    return service


def _refs(session: Session, slugs: Iterable[str]) -> list[schemas.ServiceRef]:
    wanted = set(slugs)
    if not wanted:
        return []
    rows = session.scalars(
        select(Service).where(Service.slug.in_(wanted)).order_by(Service.tier, Service.slug)
    )
    return [
        schemas.ServiceRef(slug=s.slug, name=s.name, tier=s.tier, platform=s.platform.slug)
        for s in rows
    ]


def dependencies(session: Session, slug: str) -> schemas.DependenciesRead:
    by_slug(session, Service, slug)
    g = graph(session)
    return schemas.DependenciesRead(
        service=slug,
        depends_on=_refs(session, g.successors(slug)),
        depended_on_by=_refs(session, g.predecessors(slug)),
        upstream=_refs(session, domain.upstream(g, slug)),
        downstream=_refs(session, domain.downstream(g, slug)),
    )


def _journey_steps(session: Session) -> dict[str, list[str]]:
    steps: dict[str, list[str]] = {}
    rows = session.execute(
        select(Journey.slug, Service.slug)
        .join(JourneyStep, JourneyStep.journey_id == Journey.id)
        .join(Service, JourneyStep.service_id == Service.id)
        .order_by(Journey.slug, JourneyStep.position)
    )
    for journey, service in rows:
        steps.setdefault(journey, []).append(service)
    return steps


def blast_radius(session: Session, slug: str) -> schemas.BlastRadiusRead:
    failing = by_slug(session, Service, slug)
    radius = domain.blast_radius(graph(session), slug, _journey_steps(session))
    refs = {r.slug: r for r in _refs(session, radius.services)}
    journeys = session.scalars(
        select(Journey).where(Journey.slug.in_(radius.journeys)).order_by(Journey.slug)
    )
    affected = [
        schemas.AffectedService(**refs[s].model_dump(), hops=h) for s, h in radius.services.items()
    ]
    return schemas.BlastRadiusRead(
        service=slug,
        services=affected,
        journeys=[
            schemas.JourneyRef(slug=j.slug, name=j.name, criticality=j.criticality)
            for j in journeys
        ],
        platforms=sorted({failing.platform.slug, *(a.platform for a in affected)}),
    )
