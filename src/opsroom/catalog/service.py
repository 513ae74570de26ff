"""Catalog use cases: platforms, squads, services, journeys (dependencies and the blast
radius are in dependencies.py, vendors and RACI in vendors.py). Every change is audited;
nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from opsroom.auth import service as accounts
from opsroom.auth.domain import (
    Action,
    DefaultPlatformChosen,
    PlatformsAssigned,
    Principal,
    require,
)
from opsroom.catalog import schemas
from opsroom.catalog.dependencies import add_dependency as add_dependency
from opsroom.catalog.dependencies import blast_radius as blast_radius
from opsroom.catalog.dependencies import dependencies as dependencies
from opsroom.catalog.dependencies import graph as graph
from opsroom.catalog.dependencies import remove_dependency as remove_dependency
from opsroom.catalog.domain import ServiceMoved
from opsroom.catalog.hours import WORKING_HOURS as WORKING_HOURS
from opsroom.catalog.hours import working_hours as working_hours
from opsroom.catalog.models import (
    Journey,
    JourneyStep,
    Platform,
    Service,
    Squad,
    SquadMember,
    VendorService,
)
from opsroom.catalog.models import Vendor as Vendor
from opsroom.catalog.models import VendorEscalationLevel as VendorEscalationLevel
from opsroom.catalog.records import (
    JOURNEY,
    PLATFORM,
    SERVICE,
    SQUAD,
    apply_fields,
    by_slug,
    changed_fields,
    ensure_unique,
)
from opsroom.catalog.records import platforms_of as platforms_of
from opsroom.catalog.vendors import check_contact as check_contact
from opsroom.catalog.vendors import get_vendor as get_vendor
from opsroom.catalog.vendors import list_vendors as list_vendors
from opsroom.catalog.vendors import raci_matrix
from opsroom.catalog.vendors import vendor_named as vendor_named
from opsroom.infra import events
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate

# --- platforms --------------------------------------------------------------------------


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).order_by(Platform.name)))


def get_platform(session: Session, slug: str) -> Platform:
    return by_slug(session, Platform, slug)


def platform_filter(session: Session, slug: str | None) -> str | None:
    """The platform a list is narrowed to: one the catalog has. An unknown slug is refused
    with the field named rather than answered with an empty list that looks like news."""
    platforms_filter(session, [slug] if slug else [])
    return slug


def platforms_filter(session: Session, slugs: Sequence[str]) -> list[str]:
    """The platforms a list is narrowed to (none: every platform), each one the catalog has;
    blanks are dropped, an unknown slug is refused with the field named."""
    chosen = [slug for slug in slugs if slug]
    for slug in chosen:
        by_slug(session, Platform, slug, field="platform")
    return chosen


def check_default_platform(session: Session, event: DefaultPlatformChosen) -> None:
    """A person remembers only a platform the catalog has (refused with the field named)."""
    platform_filter(session, event.platform)


def services_on(*platforms: str) -> Select[str]:
    """The slugs of the platforms' services, for lists that hold a service slug."""
    return select(Service.slug).join(Platform).where(Platform.slug.in_(platforms))


def squads_on(platform: str) -> Select[str]:
    """The slugs of the platform's squads, for lists that hold a squad slug."""
    return select(Squad.slug).join(Platform).where(Platform.slug == platform)


def create_platform(
    session: Session, *, actor: Principal, data: schemas.PlatformCreate
) -> Platform:
    require(actor, Action.GOVERN)
    ensure_unique(session, Platform, slug=data.slug, name=data.name)
    platform = Platform(**data.model_dump())
    session.add(platform)
    PLATFORM.audited(session, platform, actor, "platform.created", None)
    return platform


def check_assignment(session: Session, event: PlatformsAssigned) -> None:
    """Someone is assigned only platforms the catalog has (refused with the field named)."""
    for slug in event.platforms:
        by_slug(session, Platform, slug, field="platforms")


def update_platform(
    session: Session, *, actor: Principal, slug: str, data: schemas.PlatformUpdate
) -> Platform:
    require(actor, Action.GOVERN, platforms=[slug])
    platform = get_platform(session, slug)
    PLATFORM.held(platform, data.version)
    ensure_unique(session, Platform, slug=None, name=data.name, exclude=platform.id)
    before = PLATFORM.snapshot(platform)
    apply_fields(platform, changed_fields(data))
    PLATFORM.saved(session, platform, actor, "platform.updated", before)
    return platform


# --- squads -----------------------------------------------------------------------------


def list_squads(session: Session, *, platform: str | None = None) -> list[Squad]:
    query = select(Squad).order_by(Squad.name)
    if platform:
        query = query.where(Squad.platform_id == get_platform(session, platform).id)
    return list(session.scalars(query))


def get_squad(session: Session, slug: str) -> Squad:
    return by_slug(session, Squad, slug)


def squad_lead(session: Session, slug: str) -> str:
    """The email of the squad's lead (the first member whose role names a lead); "" when
    nobody's does."""
    leads = [m.email for m in get_squad(session, slug).members if "lead" in m.role.lower()]
    return leads[0] if leads else ""


def create_squad(session: Session, *, actor: Principal, data: schemas.SquadCreate) -> Squad:
    require(actor, Action.GOVERN, platforms=[data.platform])
    ensure_unique(session, Squad, slug=data.slug, name=data.name)
    platform = by_slug(session, Platform, data.platform, field="platform")
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
    accounts.set_squad_members(session, squad=squad.slug, emails=[m.email for m in data.members])
    SQUAD.audited(session, squad, actor, "squad.created", None)
    return squad


def update_squad(
    session: Session, *, actor: Principal, slug: str, data: schemas.SquadUpdate
) -> Squad:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[slug])
    squad = get_squad(session, slug)
    SQUAD.held(squad, data.version)
    ensure_unique(session, Squad, slug=None, name=data.name, exclude=squad.id)
    before = SQUAD.snapshot(squad)
    apply_fields(squad, changed_fields(data))
    SQUAD.saved(session, squad, actor, "squad.updated", before)
    return squad


def replace_members(
    session: Session, *, actor: Principal, slug: str, members: Sequence[schemas.MemberIn]
) -> Squad:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[slug])
    squad = get_squad(session, slug)
    before = SQUAD.snapshot(squad)
    squad.members = []
    session.flush()  # old rows go before their replacements: (squad_id, email) is unique
    squad.members = [SquadMember(**m.model_dump()) for m in members]
    accounts.set_squad_members(session, squad=slug, emails=[m.email for m in members])
    SQUAD.saved(session, squad, actor, "squad.members_replaced", before)
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
                func.lower(Service.slug).like(pattern),
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
    return by_slug(session, Service, slug)


def create_service(session: Session, *, actor: Principal, data: schemas.ServiceCreate) -> Service:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[data.owner])
    ensure_unique(session, Service, slug=data.slug, name=data.name)
    service = Service(
        **data.model_dump(exclude={"platform", "owner", "depends_on", "tier"}),
        tier=int(data.tier),
        platform=by_slug(session, Platform, data.platform, field="platform"),
        owner=by_slug(session, Squad, data.owner, field="owner"),
    )
    session.add(service)
    SERVICE.audited(session, service, actor, "service.created", None)
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
    SERVICE.held(service, data.version)
    ensure_unique(session, Service, slug=None, name=data.name, exclude=service.id)
    before = SERVICE.snapshot(service)
    changes = changed_fields(data, exclude={"owner"})
    if data.owner is not None:
        service.owner = by_slug(session, Squad, data.owner, field="owner")
    apply_fields(service, changes)
    SERVICE.saved(session, service, actor, "service.updated", before)
    return service


def move_service(
    session: Session, *, actor: Principal, slug: str, data: schemas.ServiceMove
) -> Service:
    """Give the service to a squad of another platform (who governs both platforms)."""
    service = get_service(session, slug)
    platform = by_slug(session, Platform, data.platform, field="platform")
    require(actor, Action.GOVERN, platforms={service.platform.slug, platform.slug})
    SERVICE.held(service, data.version)
    if platform.id == service.platform_id:
        raise ValidationFailed(
            f"{slug} is on {platform.slug} already", fields={"platform": "the platform it is on"}
        )
    owner = by_slug(session, Squad, data.owner, field="owner")
    if owner.platform_id != platform.id:
        raise ValidationFailed(
            f"squad {owner.slug} is not on {platform.slug}",
            fields={"owner": f"name a squad of {platform.slug}"},
        )
    before, left = SERVICE.snapshot(service), service.platform.slug
    service.platform, service.owner = platform, owner
    SERVICE.saved(session, service, actor, "service.moved", before)
    events.record(session, ServiceMoved(slug, left, platform.slug, str(actor)))
    return service


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
    return by_slug(session, Journey, slug)


def _steps(session: Session, services: Sequence[str]) -> list[JourneyStep]:
    if len(set(services)) != len(services):
        raise ValidationFailed(
            "a journey lists each service once", fields={"services": "repeated service"}
        )
    return [
        JourneyStep(position=i, service=by_slug(session, Service, slug, field="services"))
        for i, slug in enumerate(services, start=1)
    ]


def create_journey(session: Session, *, actor: Principal, data: schemas.JourneyCreate) -> Journey:
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[data.owner])
    ensure_unique(session, Journey, slug=data.slug, name=data.name)
    journey = Journey(
        slug=data.slug,
        name=data.name,
        description=data.description,
        criticality=data.criticality,
        platform=by_slug(session, Platform, data.platform, field="platform"),
        owner=by_slug(session, Squad, data.owner, field="owner"),
        steps=_steps(session, data.services),
    )
    session.add(journey)
    JOURNEY.audited(session, journey, actor, "journey.created", None)
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
    JOURNEY.held(journey, data.version)
    ensure_unique(session, Journey, slug=None, name=data.name, exclude=journey.id)
    before = JOURNEY.snapshot(journey)
    if data.owner is not None:
        journey.owner = by_slug(session, Squad, data.owner, field="owner")
    if data.services is not None:
        journey.steps = []
        session.flush()
        journey.steps = _steps(session, data.services)
    apply_fields(journey, changed_fields(data, exclude={"owner", "services"}))
    JOURNEY.saved(session, journey, actor, "journey.updated", before)
    return journey


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
