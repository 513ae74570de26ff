"""Customer organisations as records: their requesters belong to one, it is a customer of
one or more platforms (whose operations managers keep it), and mail from its email domains
is its requesters'. `sender` tells the desk who an email address is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from opsroom.audit.records import Record
from opsroom.auth import service as accounts
from opsroom.auth.domain import Action, Principal, RequesterOrganisationNamed, Role, require
from opsroom.catalog import service as catalog
from opsroom.desk import schemas
from opsroom.desk.models import Organisation, OrganisationDomain
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed


def _snapshot(organisation: Organisation) -> dict[str, Any]:
    return {
        "domains": [d.domain for d in organisation.domains],
        "platforms": list(organisation.platforms),
    }


ORGANISATION = Record("organisation", _snapshot, named="organisation {key}")


def _query() -> Select[Organisation]:
    return select(Organisation).options(selectinload(Organisation.domains))


def get(session: Session, *, actor: Principal, name: str) -> Organisation:
    require(actor, Action.READ)
    found = session.scalar(_query().where(Organisation.name == name))
    if found is None:
        raise NotFound(f"no organisation '{name}'")
    return found


def named(session: Session, name: str) -> str:
    """The organisation a requester or ticket names; ValidationFailed on its `organisation`
    field when there is no such record."""
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is None:
        refusal = f"no organisation '{name}'"
        raise ValidationFailed(refusal, fields={"organisation": refusal})
    return name


def platforms_of(session: Session, name: str) -> list[str]:
    """The platforms the organisation is a customer of (none when there is no such record)."""
    found = session.scalar(select(Organisation).where(Organisation.name == name))
    return list(found.platforms) if found else []


def check_requester(session: Session, event: RequesterOrganisationNamed) -> None:
    """A requester belongs to an organisation the desk has."""
    named(session, event.organisation)


def all_organisations(session: Session, *, actor: Principal) -> list[Organisation]:
    require(actor, Action.READ)
    return list(session.scalars(_query().order_by(Organisation.name)))


def create(session: Session, *, actor: Principal, data: schemas.OrganisationCreate) -> Organisation:
    """A new customer organisation, kept by the operations managers of its platforms."""
    platforms = _platforms(session, data.platforms)
    require(actor, Action.GOVERN, platforms=platforms)
    if session.scalar(select(Organisation.id).where(Organisation.name == data.name)):
        taken = f"organisation '{data.name}' exists already"
        raise Conflict(taken, fields={"name": taken})
    organisation = Organisation(name=data.name, platforms=platforms)
    _set_domains(session, organisation, data.domains)
    session.add(organisation)
    return ORGANISATION.audited(session, organisation, actor, "organisation.created", None)


def update(
    session: Session, *, actor: Principal, name: str, data: schemas.OrganisationUpdate
) -> Organisation:
    """Change its email domains or platforms (operations managers of the platforms it was,
    and will be, a customer of)."""
    organisation = ORGANISATION.held(get(session, actor=actor, name=name), data.version)
    platforms = organisation.platforms
    if data.platforms is not None:
        platforms = _platforms(session, data.platforms)
    require(actor, Action.GOVERN, platforms=[*organisation.platforms, *platforms])
    before = _snapshot(organisation)
    organisation.platforms = platforms
    if data.domains is not None:
        _set_domains(session, organisation, data.domains)
    return ORGANISATION.saved(session, organisation, actor, "organisation.updated", before)


def _platforms(session: Session, slugs: list[str]) -> list[str]:
    for slug in slugs:
        try:
            catalog.get_platform(session, slug)
        except NotFound:
            raise ValidationFailed(
                f"no platform '{slug}'", fields={"platforms": f"no platform '{slug}'"}
            ) from None
    return sorted(set(slugs))


def _set_domains(session: Session, organisation: Organisation, domains: list[str]) -> None:
    """Replace its domains; a domain is one organisation's only."""
    wanted = sorted({d.lower() for d in domains})
    held = select(OrganisationDomain.domain, Organisation.name).join(Organisation)
    for domain, holder in session.execute(held.where(OrganisationDomain.domain.in_(wanted))):
        if holder != organisation.name:
            refusal = f"{domain} is {holder}'s"
            raise Conflict(refusal, fields={"domains": refusal})
    kept = {d.domain: d for d in organisation.domains}
    organisation.domains = [kept.get(d) or OrganisationDomain(domain=d) for d in wanted]
    session.flush()


def sender(session: Session, address: str) -> schemas.Sender | None:
    """Who mail from `address` is from: the requester with that account first, then anyone
    at an organisation's email domain; None when neither."""
    address = address.strip().lower()
    try:
        user = accounts.get_user(session, address)
    except NotFound:
        user = None
    if user is not None and user.role == Role.REQUESTER and user.organisation:
        return schemas.Sender(address=address, organisation=user.organisation, account=True)
    domain = address.rpartition("@")[2]
    holder = session.scalar(
        select(Organisation.name)
        .join(OrganisationDomain)
        .where(OrganisationDomain.domain == domain)
    )
    if holder is None:
        return None
    return schemas.Sender(address=address, organisation=holder, account=False)


def read(session: Session, organisation: Organisation) -> schemas.OrganisationRead:
    return schemas.OrganisationRead(
        name=organisation.name,
        domains=[d.domain for d in organisation.domains],
        platforms=list(organisation.platforms),
        requesters=accounts.requesters_of(session, organisation.name),
        created_at=organisation.created_at,
        version=organisation.version,
    )
