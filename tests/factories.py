"""Small, valid catalog records for tests; each test states only what it cares about."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import schemas
from opsroom.catalog import service as catalog
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
from opsroom.notify import verification
from opsroom.notify.domain import Channel
from opsroom.notify.models import OutboxMessage

ACTOR = Principal(name="tester", role=Role.ADMIN, via="cli")


def platform(session: Session, slug: str = "procurement", **extra: Any) -> Any:
    data = schemas.PlatformCreate(slug=slug, name=extra.pop("name", slug.title()), **extra)
    return catalog.create_platform(session, actor=ACTOR, data=data)


def squad(
    session: Session, slug: str = "identity", platform: str = "procurement", **extra: Any
) -> Any:
    data = schemas.SquadCreate(
        slug=slug, name=extra.pop("name", slug.title()), platform=platform, **extra
    )
    return catalog.create_squad(session, actor=ACTOR, data=data)


def service(
    session: Session,
    slug: str,
    *,
    owner: str = "identity",
    platform: str = "procurement",
    tier: int = 2,
    **extra: Any,
) -> Any:
    data = schemas.ServiceCreate(
        slug=slug,
        name=extra.pop("name", slug.replace("-", " ").title()),
        platform=platform,
        owner=owner,
        tier=tier,
        **extra,
    )
    return catalog.create_service(session, actor=ACTOR, data=data)


def journey(session: Session, slug: str, services: list[str], **extra: Any) -> Any:
    data = schemas.JourneyCreate(
        slug=slug,
        name=extra.pop("name", slug.title()),
        platform=extra.pop("platform", "procurement"),
        owner=extra.pop("owner", "identity"),
        services=services,
        **extra,
    )
    return catalog.create_journey(session, actor=ACTOR, data=data)


def small_platform(session: Session) -> None:
    """gateway -> auth -> db, search -> db; journey 'login' = gateway, auth."""
    platform(session)
    squad(session)
    service(session, "db", tier=2)
    service(session, "auth", tier=1, depends_on=["db"])
    service(session, "gateway", tier=1, depends_on=["auth"])
    service(session, "search", tier=3, depends_on=["db"])
    journey(session, "login", ["gateway", "auth"], criticality="critical")


def verified_contact(
    session: Session, person: str, number: str, kind: Channel = Channel.SMS
) -> int:
    """A contact method (SMS by default) its owner verified with the code sent to it; its id."""
    data = notify_schemas.ContactMethodIn(kind=kind, address=number)
    method = notify.add_contact_method(session, actor=ACTOR, person=person, data=data)
    verification.send_code(session, actor=ACTOR, person=person, method_id=method.id)
    texted = select(OutboxMessage.message).where(
        OutboxMessage.dedup_key.startswith(f"verify:{method.id}:")
    )
    code = re.search(r"\d{6}", session.scalars(texted).one()["title"])
    assert code is not None
    confirmed = verification.confirm(
        session, actor=ACTOR, person=person, method_id=method.id, code=code[0]
    )
    assert confirmed.refusal is None
    return method.id
