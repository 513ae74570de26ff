"""Vendors (contacts, escalation ladder, services they run) and the RACI matrix of who is
responsible, accountable, consulted and informed per service and activity."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, VendorContactNamed, require
from opsroom.catalog import domain, schemas
from opsroom.catalog.models import (
    Platform,
    RaciAssignment,
    Service,
    Squad,
    Vendor,
    VendorEscalationLevel,
    VendorService,
)
from opsroom.catalog.records import (
    VENDOR,
    apply_fields,
    by_slug,
    changed_fields,
    ensure_unique,
    platforms_of,
)
from opsroom.infra.errors import NotFound, ValidationFailed

# --- vendors ----------------------------------------------------------------------------


def list_vendors(
    session: Session, *, service: str | None = None, platform: str | None = None
) -> list[Vendor]:
    """Vendors, or those running or supporting a service, or a service of a platform."""
    query = select(Vendor).order_by(Vendor.name)
    if service:
        links = select(VendorService.vendor_id).where(
            VendorService.service_id == by_slug(session, Service, service).id
        )
        query = query.where(Vendor.id.in_(links))
    if platform:
        on_platform = (
            select(VendorService.vendor_id)
            .join(Service, Service.id == VendorService.service_id)
            .join(Platform)
            .where(Platform.slug == platform)
        )
        query = query.where(Vendor.id.in_(on_platform))
    return list(session.scalars(query))


def get_vendor(session: Session, slug: str) -> Vendor:
    return by_slug(session, Vendor, slug)


def vendor_named(session: Session, slug: str | None) -> str | None:
    """The slug of the vendor a record names (none named: None); ValidationFailed on the
    record's `vendor` field when the catalog has no such vendor."""
    if slug is None:
        return None
    try:
        return str(get_vendor(session, slug).slug)
    except NotFound:
        raise ValidationFailed(f"no vendor '{slug}'", fields={"vendor": "unknown vendor"}) from None


def check_contact(session: Session, event: VendorContactNamed) -> None:
    """A vendor contact belongs to a vendor the catalog has (NotFound otherwise)."""
    get_vendor(session, event.vendor)


def _vendor_services(
    session: Session, links: Sequence[schemas.VendorServiceIn]
) -> list[VendorService]:
    return [
        VendorService(
            service=by_slug(session, Service, link.service, field="services"),
            relation=link.relation,
        )
        for link in links
    ]


def _escalation(levels: Sequence[schemas.EscalationLevelIn]) -> list[VendorEscalationLevel]:
    return [VendorEscalationLevel(**lvl.model_dump()) for lvl in levels]


def _services_platforms(session: Session, services: Sequence[schemas.VendorServiceIn]) -> set[str]:
    return set(platforms_of(session, services=[s.service for s in services]))


def create_vendor(session: Session, *, actor: Principal, data: schemas.VendorCreate) -> Vendor:
    """A vendor, by who governs the platforms of every service it runs or supports."""
    require(actor, Action.GOVERN, platforms=_services_platforms(session, data.services))
    ensure_unique(session, Vendor, slug=data.slug, name=data.name)
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
    VENDOR.audited(session, vendor, actor, "vendor.created", None)
    return vendor


def update_vendor(
    session: Session, *, actor: Principal, slug: str, data: schemas.VendorUpdate
) -> Vendor:
    vendor = get_vendor(session, slug)
    # Who governs the platforms of the services it supports now and of those it will.
    platforms = {link.service.platform.slug for link in vendor.services}
    require(
        actor,
        Action.GOVERN,
        platforms=platforms | _services_platforms(session, data.services or []),
    )
    VENDOR.held(vendor, data.version)
    ensure_unique(session, Vendor, slug=None, name=data.name, exclude=vendor.id)
    before = VENDOR.snapshot(vendor)
    changes = changed_fields(data, exclude={"escalation", "services"})
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
    apply_fields(vendor, changes)
    VENDOR.saved(session, vendor, actor, "vendor.updated", before)
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
            squad=by_slug(session, Squad, p.squad, field="squad") if p.squad else None,
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
    target = by_slug(session, Service, service)
    require(actor, Action.GOVERN, platforms=[target.platform.slug])
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
        services_q = services_q.where(
            Service.platform_id == by_slug(session, Platform, platform).id
        )
    if service:
        services_q = services_q.where(Service.id == by_slug(session, Service, service).id)
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
