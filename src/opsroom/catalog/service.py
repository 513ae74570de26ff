"""Catalog use cases: platforms, squads, services and their dependencies, journeys,
vendors and RACI. Every change is audited; nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, String, cast, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import domain, schemas
from opsroom.catalog.models import (
    Journey,
    JourneyStep,
    Platform,
    RaciAssignment,
    Service,
    ServiceDependency,
    Squad,
    SquadMember,
    Vendor,
    VendorEscalationLevel,
    VendorService,
)
from opsroom.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from opsroom.pagination import Page, paginate

Named = TypeVar("Named", Platform, Squad, Service, Journey, Vendor)


# --- shared helpers ---------------------------------------------------------------------


def _by_slug(session: Session, model: type[Named], slug: str, *, field: str | None = None) -> Named:
    found = session.scalar(select(model).where(model.slug == slug))
    if found is None:
        noun = model.__tablename__.rstrip("s")
        message = f"no {noun} '{slug}'"
        if field:
            raise ValidationFailed(message, fields={field: f"unknown {noun} '{slug}'"})
        raise NotFound(message)
    return found


def _ensure_unique(
    session: Session,
    model: type[Named],
    *,
    slug: str | None,
    name: str | None,
    exclude: int | None = None,
) -> None:
    noun = model.__tablename__.rstrip("s")
    for field, value in (("slug", slug), ("name", name)):
        if value is None:
            continue
        query = select(model.id).where(func.lower(getattr(model, field)) == value.lower())
        if exclude is not None:
            query = query.where(model.id != exclude)
        if session.scalar(query) is not None:
            raise Conflict(
                f"a {noun} with {field} '{value}' already exists", fields={field: "already taken"}
            )


def _check_version(record: Named, version: int) -> None:
    if record.version != version:
        raise StaleVersion(
            f"'{record.slug}' was changed by someone else (you edited version {version}, "
            f"it is now version {record.version}); reload and try again",
            fields={"version": f"current version is {record.version}"},
        )


def _apply_fields(record: Any, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(record, field, value)


def _changes(update: BaseModel, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = {"version", *exclude}
    return {k: v for k, v in update.model_dump(exclude_unset=True).items() if k not in skip}


def _bump(record: Named) -> None:
    record.version += 1


def _audit(
    session: Session,
    actor: Principal,
    action: str,
    record: Named,
    before: BaseModel | None,
    read: type[BaseModel],
) -> None:
    """Record the change with before and after snapshots, taken once the row is flushed."""
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type=record.__tablename__.rstrip("s"),
        subject_key=record.slug,
        before=before.model_dump(mode="json") if before else None,
        after=read.model_validate(record).model_dump(mode="json"),
    )


# --- platforms --------------------------------------------------------------------------


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).order_by(Platform.name)))


def get_platform(session: Session, slug: str) -> Platform:
    return _by_slug(session, Platform, slug)


def create_platform(
    session: Session, *, actor: Principal, data: schemas.PlatformCreate
) -> Platform:
    require(actor, Action.GOVERN)
    _ensure_unique(session, Platform, slug=data.slug, name=data.name)
    platform = Platform(**data.model_dump())
    session.add(platform)
    _audit(
        session,
        actor,
        "platform.created",
        platform,
        None,
        schemas.PlatformRead,
    )
    return platform


def update_platform(
    session: Session, *, actor: Principal, slug: str, data: schemas.PlatformUpdate
) -> Platform:
    require(actor, Action.GOVERN)
    platform = get_platform(session, slug)
    _check_version(platform, data.version)
    _ensure_unique(session, Platform, slug=None, name=data.name, exclude=platform.id)
    before = schemas.PlatformRead.model_validate(platform)
    _apply_fields(platform, _changes(data))
    _bump(platform)
    _audit(
        session,
        actor,
        "platform.updated",
        platform,
        before,
        schemas.PlatformRead,
    )
    return platform


# --- squads -----------------------------------------------------------------------------


def list_squads(session: Session, *, platform: str | None = None) -> list[Squad]:
    query = select(Squad).order_by(Squad.name)
    if platform:
        query = query.where(Squad.platform_id == get_platform(session, platform).id)
    return list(session.scalars(query))


def get_squad(session: Session, slug: str) -> Squad:
    return _by_slug(session, Squad, slug)


def create_squad(session: Session, *, actor: Principal, data: schemas.SquadCreate) -> Squad:
    require(actor, Action.GOVERN)
    _ensure_unique(session, Squad, slug=data.slug, name=data.name)
    platform = _by_slug(session, Platform, data.platform, field="platform")
    squad = Squad(
        slug=data.slug,
        name=data.name,
        platform=platform,
        description=data.description,
        email=data.email,
        chat_channel=data.chat_channel,
        members=[SquadMember(**m.model_dump()) for m in data.members],
    )
    session.add(squad)
    _audit(session, actor, "squad.created", squad, None, schemas.SquadRead)
    return squad


def update_squad(
    session: Session, *, actor: Principal, slug: str, data: schemas.SquadUpdate
) -> Squad:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[slug])
    squad = get_squad(session, slug)
    _check_version(squad, data.version)
    _ensure_unique(session, Squad, slug=None, name=data.name, exclude=squad.id)
    before = schemas.SquadRead.model_validate(squad)
    _apply_fields(squad, _changes(data))
    _bump(squad)
    _audit(session, actor, "squad.updated", squad, before, schemas.SquadRead)
    return squad


def replace_members(
    session: Session, *, actor: Principal, slug: str, members: Sequence[schemas.MemberIn]
) -> Squad:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[slug])
    squad = get_squad(session, slug)
    before = schemas.SquadRead.model_validate(squad)
    squad.members = []
    session.flush()  # old rows go before their replacements: (squad_id, email) is unique
    squad.members = [SquadMember(**m.model_dump()) for m in members]
    _bump(squad)
    _audit(
        session,
        actor,
        "squad.members_replaced",
        squad,
        before,
        schemas.SquadRead,
    )
    return squad


def add_member(session: Session, *, actor: Principal, slug: str, member: schemas.MemberIn) -> Squad:
    squad = get_squad(session, slug)
    if any(m.email.lower() == member.email.lower() for m in squad.members):
        raise Conflict(
            f"{member.email} is already a member of {squad.name}",
            fields={"email": "already a member"},
        )
    return replace_members(session, actor=actor, slug=slug, members=[*_members_in(squad), member])


def remove_member(session: Session, *, actor: Principal, slug: str, email: str) -> Squad:
    squad = get_squad(session, slug)
    kept = [m for m in _members_in(squad) if m.email.lower() != email.lower()]
    if len(kept) == len(squad.members):
        raise NotFound(f"{email} is not a member of {squad.name}")
    return replace_members(session, actor=actor, slug=slug, members=kept)


def _members_in(squad: Squad) -> list[schemas.MemberIn]:
    return [
        schemas.MemberIn(name=m.name, email=m.email, phone=m.phone, role=m.role)
        for m in squad.members
    ]


# --- services ---------------------------------------------------------------------------


def services_query(
    session: Session,
    *,
    platform: str | None = None,
    owner: str | None = None,
    tier: int | None = None,
    lifecycle: str | None = None,
    run_by: str | None = None,
    tag: str | None = None,
    text: str | None = None,
) -> Select[Service]:
    query = select(Service)
    if platform:
        query = query.where(Service.platform_id == get_platform(session, platform).id)
    if owner:
        query = query.where(Service.owner_squad_id == get_squad(session, owner).id)
    if tier is not None:
        query = query.where(Service.tier == tier)
    if lifecycle:
        query = query.where(Service.lifecycle == lifecycle)
    if run_by:
        query = query.where(Service.run_by == run_by)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(
                func.lower(Service.name).like(pattern),
                func.lower(Service.description).like(pattern),
            )
        )
    if tag:
        # JSON containment differs by dialect; tags are short, so filter on the text form.
        query = query.where(func.lower(cast(Service.tags, String)).like(f'%"{tag.lower()}"%'))
    return query


def list_services(
    session: Session, *, limit: int = 100, cursor: str | None = None, **filters: Any
) -> Page[Service]:
    return paginate(
        session, services_query(session, **filters), Service.slug, limit=limit, cursor=cursor
    )


def get_service(session: Session, slug: str) -> Service:
    return _by_slug(session, Service, slug)


def create_service(session: Session, *, actor: Principal, data: schemas.ServiceCreate) -> Service:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[data.owner])
    _ensure_unique(session, Service, slug=data.slug, name=data.name)
    service = Service(
        **data.model_dump(exclude={"platform", "owner", "depends_on", "tier"}),
        tier=int(data.tier),
        platform=_by_slug(session, Platform, data.platform, field="platform"),
        owner=_by_slug(session, Squad, data.owner, field="owner"),
    )
    session.add(service)
    _audit(
        session,
        actor,
        "service.created",
        service,
        None,
        schemas.ServiceRead,
    )
    for upstream_slug in data.depends_on:
        add_dependency(session, actor=actor, slug=data.slug, depends_on=upstream_slug)
    return service


def update_service(
    session: Session, *, actor: Principal, slug: str, data: schemas.ServiceUpdate
) -> Service:
    service = get_service(session, slug)
    require(
        actor,
        Action.EDIT_SQUAD_ITEMS,
        squads={service.owner.slug, data.owner or service.owner.slug},
    )
    _check_version(service, data.version)
    _ensure_unique(session, Service, slug=None, name=data.name, exclude=service.id)
    before = schemas.ServiceRead.model_validate(service)
    changes = _changes(data, exclude={"owner"})
    if data.owner is not None:
        service.owner = _by_slug(session, Squad, data.owner, field="owner")
    _apply_fields(service, changes)
    _bump(service)
    _audit(
        session,
        actor,
        "service.updated",
        service,
        before,
        schemas.ServiceRead,
    )
    return service


# --- dependencies -----------------------------------------------------------------------


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
    service = get_service(session, slug)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[service.owner.slug])
    upstream_service = _by_slug(session, Service, depends_on, field="depends_on")
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
    service = get_service(session, slug)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[service.owner.slug])
    upstream_service = get_service(session, depends_on)
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
    get_service(session, slug)
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
    failing = get_service(session, slug)
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


# --- journeys ---------------------------------------------------------------------------


def list_journeys(
    session: Session, *, platform: str | None = None, service: str | None = None
) -> list[Journey]:
    query = select(Journey).order_by(Journey.name)
    if platform:
        query = query.where(Journey.platform_id == get_platform(session, platform).id)
    if service:
        steps = select(JourneyStep.journey_id).where(
            JourneyStep.service_id == get_service(session, service).id
        )
        query = query.where(Journey.id.in_(steps))
    return list(session.scalars(query))


def get_journey(session: Session, slug: str) -> Journey:
    return _by_slug(session, Journey, slug)


def _steps(session: Session, services: Sequence[str]) -> list[JourneyStep]:
    if len(set(services)) != len(services):
        raise ValidationFailed(
            "a journey lists each service once", fields={"services": "repeated service"}
        )
    return [
        JourneyStep(position=i, service=_by_slug(session, Service, slug, field="services"))
        for i, slug in enumerate(services, start=1)
    ]


def create_journey(session: Session, *, actor: Principal, data: schemas.JourneyCreate) -> Journey:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[data.owner])
    _ensure_unique(session, Journey, slug=data.slug, name=data.name)
    journey = Journey(
        slug=data.slug,
        name=data.name,
        description=data.description,
        criticality=data.criticality,
        platform=_by_slug(session, Platform, data.platform, field="platform"),
        owner=_by_slug(session, Squad, data.owner, field="owner"),
        steps=_steps(session, data.services),
    )
    session.add(journey)
    _audit(
        session,
        actor,
        "journey.created",
        journey,
        None,
        schemas.JourneyRead,
    )
    return journey


def update_journey(
    session: Session, *, actor: Principal, slug: str, data: schemas.JourneyUpdate
) -> Journey:
    journey = get_journey(session, slug)
    require(
        actor,
        Action.EDIT_SQUAD_ITEMS,
        squads={journey.owner.slug, data.owner or journey.owner.slug},
    )
    _check_version(journey, data.version)
    _ensure_unique(session, Journey, slug=None, name=data.name, exclude=journey.id)
    before = schemas.JourneyRead.model_validate(journey)
    if data.owner is not None:
        journey.owner = _by_slug(session, Squad, data.owner, field="owner")
    if data.services is not None:
        journey.steps = []
        session.flush()
        journey.steps = _steps(session, data.services)
    _apply_fields(journey, _changes(data, exclude={"owner", "services"}))
    _bump(journey)
    _audit(
        session,
        actor,
        "journey.updated",
        journey,
        before,
        schemas.JourneyRead,
    )
    return journey


# --- vendors ----------------------------------------------------------------------------


def list_vendors(session: Session, *, service: str | None = None) -> list[Vendor]:
    query = select(Vendor).order_by(Vendor.name)
    if service:
        links = select(VendorService.vendor_id).where(
            VendorService.service_id == get_service(session, service).id
        )
        query = query.where(Vendor.id.in_(links))
    return list(session.scalars(query))


def get_vendor(session: Session, slug: str) -> Vendor:
    return _by_slug(session, Vendor, slug)


def _vendor_services(
    session: Session, links: Sequence[schemas.VendorServiceIn]
) -> list[VendorService]:
    return [
        VendorService(
            service=_by_slug(session, Service, link.service, field="services"),
            relation=link.relation,
        )
        for link in links
    ]


def _escalation(levels: Sequence[schemas.EscalationLevelIn]) -> list[VendorEscalationLevel]:
    return [VendorEscalationLevel(**lvl.model_dump()) for lvl in levels]


def create_vendor(session: Session, *, actor: Principal, data: schemas.VendorCreate) -> Vendor:
    require(actor, Action.GOVERN)
    _ensure_unique(session, Vendor, slug=data.slug, name=data.name)
    vendor = Vendor(
        slug=data.slug,
        name=data.name,
        description=data.description,
        products=data.products,
        support_contacts=[c.model_dump(mode="json") for c in data.support_contacts],
        contract_reference=data.contract_reference,
        sla_terms=data.sla_terms,
        escalation=_escalation(data.escalation),
        services=_vendor_services(session, data.services),
    )
    session.add(vendor)
    _audit(session, actor, "vendor.created", vendor, None, schemas.VendorRead)
    return vendor


def update_vendor(
    session: Session, *, actor: Principal, slug: str, data: schemas.VendorUpdate
) -> Vendor:
    require(actor, Action.GOVERN)
    vendor = get_vendor(session, slug)
    _check_version(vendor, data.version)
    _ensure_unique(session, Vendor, slug=None, name=data.name, exclude=vendor.id)
    before = schemas.VendorRead.model_validate(vendor)
    changes = _changes(data, exclude={"escalation", "services"})
    if data.support_contacts is not None:
        changes["support_contacts"] = [c.model_dump(mode="json") for c in data.support_contacts]
    if data.escalation is not None:
        vendor.escalation = []
        session.flush()
        vendor.escalation = _escalation(data.escalation)
    if data.services is not None:
        vendor.services = []
        session.flush()
        vendor.services = _vendor_services(session, data.services)
    _apply_fields(vendor, changes)
    _bump(vendor)
    _audit(session, actor, "vendor.updated", vendor, before, schemas.VendorRead)
    return vendor


# --- RACI -------------------------------------------------------------------------------


def _party_key(party: schemas.RaciPartyIn) -> str:
    return f"squad:{party.squad}" if party.squad else f"role:{party.role}"


def _assignments(
    session: Session, service_id: int, activity: str, parties: Sequence[schemas.RaciPartyIn]
) -> list[RaciAssignment]:
    """One row per distinct (party, letter); squads must exist."""
    unique = {(_party_key(p), p.letter): p for p in parties}
    return [
        RaciAssignment(
            service_id=service_id,
            activity=activity,
            letter=letter,
            squad=_by_slug(session, Squad, p.squad, field="squad") if p.squad else None,
            role=p.role,
            party=key,
        )
        for (key, letter), p in unique.items()
    ]


def set_raci(
    session: Session,
    *,
    actor: Principal,
    service: str,
    activity: domain.Activity,
    parties: Sequence[schemas.RaciPartyIn],
) -> bool:
    """Replace who holds which letter for one service and activity; False if nothing changed."""
    require(actor, Action.GOVERN)
    target = get_service(session, service)
    before = _raci_cell(session, target.id, activity)
    if sorted({f"{p.letter} {_party_key(p)}" for p in parties}) == before:
        return False
    rows = _assignments(session, target.id, activity, parties)
    session.execute(
        delete(RaciAssignment).where(
            RaciAssignment.service_id == target.id, RaciAssignment.activity == activity
        )
    )
    session.add_all(rows)
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="raci.set",
        subject_type="service",
        subject_key=service,
        before={"activity": activity, "parties": before},
        after={"activity": activity, "parties": _raci_cell(session, target.id, activity)},
    )
    return True


def _raci_cell(session: Session, service_id: int, activity: str) -> list[str]:
    rows = session.execute(
        select(RaciAssignment.letter, RaciAssignment.party).where(
            RaciAssignment.service_id == service_id, RaciAssignment.activity == activity
        )
    )
    # Sorted here, not by the database, whose collation may order text differently.
    return sorted(f"{letter} {party}" for letter, party in rows)


def raci_matrix(
    session: Session, *, platform: str | None = None, service: str | None = None
) -> schemas.RaciMatrixRead:
    services_q = select(Service.id, Service.slug).order_by(Service.tier, Service.slug)
    if platform:
        services_q = services_q.where(Service.platform_id == get_platform(session, platform).id)
    if service:
        services_q = services_q.where(Service.id == get_service(session, service).id)
    services: dict[int, str] = dict(session.execute(services_q).all())
    rows: dict[str, dict[str, list[schemas.RaciCell]]] = {slug: {} for slug in services.values()}
    held: list[tuple[str, domain.Activity, domain.Raci]] = []
    assignments = session.scalars(
        select(RaciAssignment)
        .where(RaciAssignment.service_id.in_(services))
        .order_by(RaciAssignment.letter, RaciAssignment.party)
    )
    for a in assignments:
        slug = services[a.service_id]
        rows[slug].setdefault(a.activity, []).append(
            schemas.RaciCell(letter=a.letter, party=a.party)
        )
        held.append((slug, domain.Activity(a.activity), domain.Raci(a.letter)))
    gaps = domain.raci_gaps(rows.keys(), held)
    return schemas.RaciMatrixRead(
        activities=[a.value for a in domain.Activity],
        rows=rows,
        gaps=[
            schemas.RaciGapRead(service=g.service, activity=g.activity.value, problem=g.problem)
            for g in gaps
        ],
    )


def squads_with_member(session: Session, email: str) -> list[str]:
    """The squads whose member list holds this email: how accounts link to the catalog."""
    query = (
        select(Squad.slug).join(SquadMember).where(func.lower(SquadMember.email) == email.lower())
    )
    return list(session.scalars(query.order_by(Squad.slug)))


def journeys_through(session: Session, services: Sequence[str]) -> list[str]:
    """Slugs of the journeys passing through any of these services (those an outage degrades)."""
    if not services:
        return []
    query = (
        select(Journey.slug)
        .join(JourneyStep, JourneyStep.journey_id == Journey.id)
        .join(Service, JourneyStep.service_id == Service.id)
        .where(Service.slug.in_(services))
        .distinct()
    )
    return sorted(session.scalars(query))


def all_services(session: Session, **filters: Any) -> list[Service]:
    """Every service matching the list filters, in slug order (no paging: for pages that
    show or choose among a whole platform's services)."""
    return list(session.scalars(services_query(session, **filters).order_by(Service.slug)))


@dataclass(frozen=True)
class PlatformOverview:
    platform: Platform
    squads: int
    services: int
    tiers: list[tuple[int, int]]  # (tier, services in it), tiers 1-4
    journeys: int
    vendors: int  # vendors running or supporting at least one of its services
    raci_gaps: int


def platform_overview(session: Session, platform: Platform) -> PlatformOverview:
    by_tier = dict(
        session.execute(
            select(Service.tier, func.count())
            .where(Service.platform_id == platform.id)
            .group_by(Service.tier)
        ).all()
    )
    vendors = (
        select(func.count(func.distinct(VendorService.vendor_id)))
        .join(Service)
        .where(Service.platform_id == platform.id)
    )
    return PlatformOverview(
        platform=platform,
        squads=session.scalar(
            select(func.count()).select_from(Squad).where(Squad.platform_id == platform.id)
        )
        or 0,
        services=sum(by_tier.values()),
        tiers=[(tier, by_tier.get(tier, 0)) for tier in range(1, 5)],
        journeys=session.scalar(
            select(func.count()).select_from(Journey).where(Journey.platform_id == platform.id)
        )
        or 0,
        vendors=session.scalar(vendors) or 0,
        raci_gaps=len(raci_matrix(session, platform=platform.slug).gaps),
    )
